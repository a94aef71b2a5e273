/**
 * Parsed JSON in, spans out: OTLP (ExportTraceServiceRequest, also wrapped in Jaeger's api_v3
 * `result`), Jaeger (UI export and /api/traces answers) and Zipkin v2. The format is recognised
 * from the value itself, never from a file name.
 *
 * Converters never throw on bad spans: they count them in `Problems` and go on.
 */
import { isRecord } from '../../../core/json.js';
import type { Span, SpanKind } from '../span.js';
import { absurdTime, grpcIsError, httpIsError } from '../span.js';
import type { Problems } from './problems.js';
import {
  BRAVE_GRPC_STATUS_KEY,
  GRPC_STATUS_KEY,
  grpcCode,
  HTTP_STATUS_KEYS,
  kindFromName,
  nanosToMs,
  normalizeId,
  otlpKind,
  PEER_KEYS,
  noPeer,
  offerPeer,
  toNumber,
  truthy,
} from './normalize.js';
import type { PeerChoice } from './normalize.js';

export type TraceFormat = 'otlp' | 'jaeger' | 'zipkin';

export const FORMAT_NAMES: Record<TraceFormat, string> = {
  otlp: 'OTLP JSON',
  jaeger: 'Jaeger JSON',
  zipkin: 'Zipkin v2 JSON',
};

/** Which trace format a parsed JSON value is in, or undefined when it is none of them. */
export function detectFormat(value: unknown): TraceFormat | undefined {
  if (Array.isArray(value)) {
    const first: unknown = value[0];
    if (first === undefined) return 'zipkin';
    if (Array.isArray(first)) return detectFormat(first) === 'zipkin' ? 'zipkin' : undefined;
    if (isRecord(first) && 'traceId' in first && 'id' in first) return 'zipkin';
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  if (Array.isArray(value.resourceSpans)) return 'otlp';
  if (isRecord(value.result) && Array.isArray(value.result.resourceSpans)) return 'otlp';
  if (Array.isArray(value.data)) return 'jaeger';
  if (typeof value.traceID === 'string' && Array.isArray(value.spans)) return 'jaeger';
  return undefined;
}

/** Where converted spans and problems go, and where the value came from. */
export interface ConvertTarget {
  spans: Span[];
  problems: Problems;
  file: string;
  /** The line the value starts at. */
  line: number;
  /** The value's JSON text, when known: a problem in a value of many lines is found in it. */
  text?: string;
}

/**
 * The line of a span's problem: in a value of many lines (a pretty-printed document), the line
 * where `id` (the span's id as written) first appears; else the value's line.
 */
function lineOf(t: ConvertTarget, id: unknown): number {
  if (t.text === undefined || typeof id !== 'string' || id.length === 0) return t.line;
  const at = t.text.indexOf(`"${id}"`);
  return at < 0 ? t.line : t.line + newlinesBefore(t.text, at);
}

/** How many newlines `text` holds before offset `end`. */
export function newlinesBefore(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Converts one parsed value of a known format; returns the number of spans added. */
export function convertValue(value: unknown, format: TraceFormat, t: ConvertTarget): number {
  const before = t.spans.length;
  if (format === 'otlp') fromOtlp(value, t);
  else if (format === 'jaeger') fromJaeger(value, t);
  else fromZipkin(value, t);
  return t.spans.length - before;
}

interface RawSpan {
  traceId: unknown;
  spanId: unknown;
  parentId: unknown;
  service: string;
  name: unknown;
  start: number;
  end: number;
  kind: SpanKind;
  statusError: boolean;
  httpStatus: number | undefined;
  grpcStatus: number | undefined;
  peer: unknown;
  /** Zipkin's `shared` flag; false elsewhere. */
  shared?: boolean;
}

/** Distinct names kept as one string each; names that hold ids could be endless. */
const MAX_INTERNED = 100_000;
const interned = new Map<string, string>();

/** A line break and the blanks around it (SQL statements as span names hold them). */
const LINE_BREAK = /\s*[\r\n]\s*/g;

/**
 * One string object for each service and operation name: they repeat in nearly every span, and
 * the analyses' lookups by name are faster on a string seen before (its hash is kept). A line
 * break in a name reads as a space: every report shows a name on one line (a table row, a
 * reason), and a newline there would break it.
 */
function intern(s: string): string {
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  const name = s.includes('\n') || s.includes('\r') ? s.replace(LINE_BREAK, ' ').trim() : s;
  if (interned.size < MAX_INTERNED) interned.set(s, name);
  return name;
}

/** Validates and normalizes one span; bad ones become problems. */
function push(t: ConvertTarget, r: RawSpan): void {
  const traceId = normalizeId(r.traceId, 32);
  const spanId = normalizeId(r.spanId, 16);
  if (traceId === undefined || spanId === undefined) {
    const line = lineOf(t, typeof r.spanId === 'string' ? r.spanId : r.traceId);
    t.problems.add('invalidSpan', t.file, line, 'span without a valid trace id or span id');
    return;
  }
  const bad = absurdTime(r.start, r.end);
  if (bad !== undefined) {
    t.problems.add('absurdTime', t.file, lineOf(t, r.spanId), `span ${spanId}: ${bad}`);
    return;
  }
  let end = r.end;
  if (end < r.start) {
    const line = lineOf(t, r.spanId);
    t.problems.add('negativeDuration', t.file, line, `span ${spanId} ends before it starts`);
    end = r.start;
  }
  t.spans.push({
    traceId,
    spanId,
    parentId: normalizeId(r.parentId, 16),
    service: intern(r.service),
    name: typeof r.name === 'string' && r.name.length > 0 ? intern(r.name) : '(unnamed)',
    start: r.start,
    end,
    kind: r.kind,
    error: r.statusError || httpIsError(r.httpStatus, r.kind) || grpcIsError(r.grpcStatus, r.kind),
    httpStatus: r.httpStatus,
    grpcStatus: r.grpcStatus,
    peer:
      (r.kind === 'client' || r.kind === 'producer') && typeof r.peer === 'string' && r.peer
        ? intern(r.peer)
        : undefined,
    shared: r.shared === true,
  });
}

/**
 * The service of a span whose input names none (no `service.name` resource attribute, no Jaeger
 * process, no Zipkin endpoint): OpenTelemetry SDKs use the same name for an unset one.
 */
export const NO_SERVICE = 'unknown_service';

const US_PER_MS = 1e3;

// ---- OTLP ----

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

function otlpAttr(attrs: unknown, key: string): OtlpAnyValue | undefined {
  if (!Array.isArray(attrs)) return undefined;
  for (const a of attrs as unknown[]) {
    if (isRecord(a) && a.key === key && isRecord(a.value)) return a.value;
  }
  return undefined;
}

/** The status codes a span's attributes carry; one object reused, read at once by the caller. */
const otlpCodes = { http: undefined as number | undefined, grpc: undefined as number | undefined };

/** HTTP (the first key that has one) and gRPC status from OTLP attributes, in one scan. */
function otlpStatusCodes(attrs: unknown): typeof otlpCodes {
  otlpCodes.http = undefined;
  otlpCodes.grpc = undefined;
  if (!Array.isArray(attrs)) return otlpCodes;
  for (const a of attrs as unknown[]) {
    if (!isRecord(a) || typeof a.key !== 'string') continue;
    if (otlpCodes.http === undefined && HTTP_STATUS_KEYS.has(a.key)) {
      const v = a.value as OtlpAnyValue | undefined;
      const n = toNumber(v?.intValue ?? v?.stringValue ?? v?.doubleValue);
      if (Number.isFinite(n)) otlpCodes.http = n;
    } else if (a.key === GRPC_STATUS_KEY) {
      const v = a.value as OtlpAnyValue | undefined;
      otlpCodes.grpc = grpcCode(v?.intValue ?? v?.stringValue ?? v?.doubleValue);
    }
  }
  return otlpCodes;
}

/** The other side of a call, from OTLP attributes (see `PEER_KEYS`). */
function otlpPeer(attrs: unknown): string | undefined {
  if (!Array.isArray(attrs)) return undefined;
  const c = noPeer();
  for (const a of attrs as unknown[]) {
    if (isRecord(a) && typeof a.key === 'string' && isRecord(a.value)) {
      offerPeer(c, a.key, a.value.stringValue);
    }
  }
  return c.peer;
}

function otlpStatusError(status: unknown): boolean {
  if (!isRecord(status)) return false;
  const c = status.code;
  return c === 2 || c === 'STATUS_CODE_ERROR' || c === '2';
}

function fromOtlp(value: unknown, t: ConvertTarget): void {
  const doc = isRecord(value) && isRecord(value.result) ? value.result : value;
  const rss = isRecord(doc) ? doc.resourceSpans : undefined;
  if (!Array.isArray(rss)) return;
  for (const rs of rss as unknown[]) {
    if (!isRecord(rs)) continue;
    const res = isRecord(rs.resource) ? rs.resource : undefined;
    const svc = otlpAttr(res?.attributes, 'service.name')?.stringValue;
    // Typed as a string, but it is whatever the input holds (null, a number, ...).
    const service = typeof svc === 'string' && svc.length > 0 ? svc : NO_SERVICE;
    const scopes = rs.scopeSpans ?? rs.instrumentationLibrarySpans;
    if (!Array.isArray(scopes)) continue;
    for (const ss of scopes as unknown[]) {
      if (!isRecord(ss) || !Array.isArray(ss.spans)) continue;
      for (const s of ss.spans as unknown[]) {
        if (!isRecord(s)) {
          t.problems.add('invalidSpan', t.file, t.line, 'span is not an object');
          continue;
        }
        const kind = otlpKind(s.kind);
        const codes = otlpStatusCodes(s.attributes);
        push(t, {
          traceId: s.traceId,
          spanId: s.spanId,
          parentId: s.parentSpanId,
          service,
          name: s.name,
          start: nanosToMs(s.startTimeUnixNano),
          end: nanosToMs(s.endTimeUnixNano),
          kind,
          statusError: otlpStatusError(s.status),
          httpStatus: codes.http,
          grpcStatus: codes.grpc,
          // Only calls out have another side worth naming; server spans skip the scan.
          peer: kind === 'client' || kind === 'producer' ? otlpPeer(s.attributes) : undefined,
        });
      }
    }
  }
}

// ---- Jaeger ----

interface JaegerTagInfo {
  kind: SpanKind;
  error: boolean;
  httpStatus: number | undefined;
  grpcStatus: number | undefined;
  peer: PeerChoice;
}

function jaegerTags(tags: unknown): JaegerTagInfo {
  const out: JaegerTagInfo = {
    kind: 'unspecified',
    error: false,
    httpStatus: undefined,
    grpcStatus: undefined,
    peer: noPeer(),
  };
  if (!Array.isArray(tags)) return out;
  for (const tag of tags as unknown[]) {
    if (!isRecord(tag) || typeof tag.key !== 'string') continue;
    const k = tag.key;
    if (k === 'span.kind' && typeof tag.value === 'string') out.kind = kindFromName(tag.value);
    else if (k === 'error') out.error ||= truthy(tag.value);
    else if (k === 'otel.status_code') out.error ||= tag.value === 'ERROR';
    else if (HTTP_STATUS_KEYS.has(k)) {
      const n = toNumber(tag.value);
      if (Number.isFinite(n)) out.httpStatus = n;
    } else if (k === GRPC_STATUS_KEY) out.grpcStatus = grpcCode(tag.value);
    else offerPeer(out.peer, k, tag.value);
  }
  return out;
}

/**
 * A Jaeger span's parent: its CHILD_OF reference, else (OpenTracing's async child) the first
 * FOLLOWS_FROM one in its own trace. A FOLLOWS_FROM into another trace is a link, as OpenTelemetry's
 * span links are written to Jaeger (a consumer's batch naming the messages' producers): taken for
 * a parent, it would make the span an orphan of a trace it is not in.
 */
function jaegerParent(s: Record<string, unknown>, traceId: unknown): unknown {
  if (Array.isArray(s.references)) {
    let follows: unknown;
    for (const r of s.references as unknown[]) {
      if (!isRecord(r)) continue;
      if (r.refType === 'CHILD_OF') return r.spanID;
      if (r.refType === 'FOLLOWS_FROM' && follows === undefined && sameTrace(r.traceID, traceId))
        follows = r.spanID;
    }
    if (follows !== undefined) return follows;
  }
  return s.parentSpanID;
}

/** Whether a reference's trace id (absent: the span's own) names the same trace. */
function sameTrace(ref: unknown, traceId: unknown): boolean {
  return ref === undefined || normalizeId(ref, 32) === normalizeId(traceId, 32);
}

function fromJaegerTrace(trace: Record<string, unknown>, t: ConvertTarget): void {
  const processes = isRecord(trace.processes) ? trace.processes : {};
  if (!Array.isArray(trace.spans)) return;
  for (const s of trace.spans as unknown[]) {
    if (!isRecord(s)) {
      t.problems.add('invalidSpan', t.file, t.line, 'span is not an object');
      continue;
    }
    const proc = isRecord(s.process)
      ? s.process
      : typeof s.processID === 'string'
        ? processes[s.processID]
        : undefined;
    const svc = isRecord(proc) ? proc.serviceName : undefined;
    const tags = jaegerTags(s.tags);
    const start = toNumber(s.startTime) / US_PER_MS;
    const traceId = s.traceID ?? trace.traceID;
    push(t, {
      traceId,
      spanId: s.spanID,
      parentId: jaegerParent(s, traceId),
      service: typeof svc === 'string' && svc.length > 0 ? svc : NO_SERVICE,
      name: s.operationName,
      start,
      end: start + toNumber(s.duration) / US_PER_MS,
      kind: tags.kind,
      statusError: tags.error,
      httpStatus: tags.httpStatus,
      grpcStatus: tags.grpcStatus,
      peer: tags.peer.peer,
    });
  }
}

function fromJaeger(value: unknown, t: ConvertTarget): void {
  if (!isRecord(value)) return;
  if (Array.isArray(value.data)) {
    for (const trace of value.data as unknown[]) if (isRecord(trace)) fromJaegerTrace(trace, t);
  } else {
    fromJaegerTrace(value, t);
  }
}

// ---- Zipkin v2 ----

/** The peer of a Zipkin span without a remote endpoint, from its tags (see `PEER_KEYS`). */
function zipkinPeer(tags: Record<string, unknown>): string | undefined {
  const c = noPeer();
  for (const k of PEER_KEYS) if (k in tags) offerPeer(c, k, tags[k]);
  return c.peer;
}

function fromZipkin(value: unknown, t: ConvertTarget): void {
  if (!Array.isArray(value)) return;
  for (const s of value as unknown[]) {
    if (Array.isArray(s)) {
      fromZipkin(s, t); // /api/v2/traces answers are a list of traces
      continue;
    }
    if (!isRecord(s)) {
      t.problems.add('invalidSpan', t.file, t.line, 'span is not an object');
      continue;
    }
    const ep = isRecord(s.localEndpoint) ? s.localEndpoint.serviceName : undefined;
    const tags = isRecord(s.tags) ? s.tags : {};
    const kind = typeof s.kind === 'string' ? kindFromName(s.kind) : 'unspecified';
    let httpStatus: number | undefined;
    for (const k of HTTP_STATUS_KEYS) {
      const n = toNumber(tags[k]);
      if (Number.isFinite(n)) httpStatus = n;
    }
    const remote = isRecord(s.remoteEndpoint) ? s.remoteEndpoint : undefined;
    const start = toNumber(s.timestamp) / US_PER_MS;
    push(t, {
      traceId: s.traceId,
      spanId: s.id,
      parentId: s.parentId,
      service: typeof ep === 'string' && ep.length > 0 ? ep : NO_SERVICE,
      name: s.name,
      start,
      end: start + (toNumber(s.duration) || 0) / US_PER_MS,
      kind,
      // Zipkin marks a failure by the presence of the tag, whatever its value.
      statusError: 'error' in tags,
      httpStatus,
      grpcStatus: grpcCode(tags[GRPC_STATUS_KEY] ?? tags[BRAVE_GRPC_STATUS_KEY]),
      peer:
        [remote?.serviceName, remote?.ipv4, remote?.ipv6].find(
          (v) => typeof v === 'string' && v.length > 0,
        ) ?? zipkinPeer(tags),
      // Zipkin documents it as true on the span that joins the caller's (normally a server).
      shared: s.shared === true,
    });
  }
}
