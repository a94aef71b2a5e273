/**
 * The parse-and-convert step for a batch of JSON items, the same whether it runs on the main
 * thread or in a parse worker, and the compact form spans travel in between threads.
 */
import type { Span } from '../span.js';
import { SPAN_KINDS } from '../span.js';
import { convertValue, detectFormat, newlinesBefore } from './convert.js';
import type { ConvertTarget, TraceFormat } from './convert.js';
import type { JsonItem } from './json-items.js';
import { parseItem } from './json-items.js';
import type { Problems } from './problems.js';
import { messageOf } from '../../../core/errors.js';
import { jsonErrorOffset } from '../../../core/json-error.js';

/** Parses and converts items; malformed and unknown ones become problems. */
export function convertItems(file: string, items: readonly JsonItem[], problems: Problems): Span[] {
  const spans: Span[] = [];
  const target: ConvertTarget = { spans, problems, file, line: 0 };
  for (const item of items) {
    let value: unknown;
    try {
      value = parseItem(item);
    } catch (err) {
      // In an element of many lines, the line the parser stopped at.
      const at = jsonErrorOffset(item.text, messageOf(err));
      const line = item.line + (at === undefined ? 0 : newlinesBefore(item.text, at));
      problems.add('malformedJson', file, line, `malformed JSON: ${messageOf(err)}`);
      continue;
    }
    const format = detectFormat(value);
    if (format === undefined) {
      problems.add('unknownDocument', file, item.line, 'JSON value is not OTLP, Jaeger or Zipkin');
      continue;
    }
    target.line = item.line;
    target.text = item.text;
    convertValue(value, format, target);
  }
  return spans;
}

/** The format of one item, parsing it: undefined when malformed or not a trace format. */
export function itemFormat(item: JsonItem): { format?: TraceFormat; malformed: boolean } {
  try {
    const f = detectFormat(parseItem(item));
    return f === undefined ? { malformed: false } : { format: f, malformed: false };
  } catch {
    return { malformed: true };
  }
}

// ---- the compact form between threads ----

const KINDS = SPAN_KINDS;
const KIND_CODE = new Map(KINDS.map((k, i) => [k, i]));
const NONE = 0xffffffff;
/** Columns of `refs` per span. */
const REF_COLS = 7;

/**
 * Spans as columns: strings once each in a table (trace ids, services and names repeat a lot),
 * numbers in typed arrays whose buffers are transferred, not copied.
 */
export interface PackedSpans {
  count: number;
  strings: string[];
  /**
   * Per span: trace, span, parent (NONE when root), service, name, flags (kind in bits 0-2,
   * error in bit 3, gRPC status + 1 in bits 4-8, 0 when absent, Zipkin's shared flag in bit 9),
   * peer (or NONE).
   */
  refs: Uint32Array<ArrayBuffer>;
  /** Per span: start, end (epoch ms). */
  times: Float64Array<ArrayBuffer>;
  /** Per span: HTTP status, 0 when absent. */
  http: Uint16Array<ArrayBuffer>;
}

/** The flags bit of Zipkin's shared flag, above the gRPC status (0..17 in bits 4-8). */
const SHARED_FLAG = 1 << 9;

export function packSpans(spans: readonly Span[]): PackedSpans {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const n = spans.length;
  const refs = new Uint32Array(n * REF_COLS);
  const times = new Float64Array(n * 2);
  const http = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const s = spans[i]!;
    const o = i * REF_COLS;
    refs[o] = intern(s.traceId);
    // Span ids are unique: a table entry each, no lookup.
    refs[o + 1] = strings.push(s.spanId) - 1;
    refs[o + 2] = s.parentId === undefined ? NONE : strings.push(s.parentId) - 1;
    refs[o + 3] = intern(s.service);
    refs[o + 4] = intern(s.name);
    refs[o + 5] =
      (KIND_CODE.get(s.kind) ?? 0) |
      (s.error ? 8 : 0) |
      (s.grpcStatus === undefined ? 0 : (s.grpcStatus + 1) << 4) |
      (s.shared ? SHARED_FLAG : 0);
    refs[o + 6] = s.peer === undefined ? NONE : intern(s.peer);
    times[i * 2] = s.start;
    times[i * 2 + 1] = s.end;
    http[i] = s.httpStatus ?? 0;
  }
  return { count: n, strings, refs, times, http };
}

/** The buffers of packed spans, to transfer rather than copy when they go to another thread. */
export function packedBuffers(p: PackedSpans): ArrayBuffer[] {
  return [p.refs.buffer, p.times.buffer, p.http.buffer];
}

export function unpackSpans(p: PackedSpans): Span[] {
  const out: Span[] = new Array<Span>(p.count);
  const { strings, refs, times, http } = p;
  for (let i = 0; i < p.count; i++) {
    const o = i * REF_COLS;
    const parent = refs[o + 2]!;
    const flags = refs[o + 5]!;
    const grpc = (flags >>> 4) & 31;
    const status = http[i]!;
    const peer = refs[o + 6]!;
    out[i] = {
      traceId: strings[refs[o]!]!,
      spanId: strings[refs[o + 1]!]!,
      parentId: parent === NONE ? undefined : strings[parent],
      service: strings[refs[o + 3]!]!,
      name: strings[refs[o + 4]!]!,
      start: times[i * 2]!,
      end: times[i * 2 + 1]!,
      kind: KINDS[flags & 7] ?? 'unspecified',
      error: (flags & 8) !== 0,
      httpStatus: status === 0 ? undefined : status,
      grpcStatus: grpc === 0 ? undefined : grpc - 1,
      peer: peer === NONE ? undefined : strings[peer],
      shared: (flags & SHARED_FLAG) !== 0,
    };
  }
  return out;
}
