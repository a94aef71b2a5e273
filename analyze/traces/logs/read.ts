/**
 * Reads `--logs` and `--baseline-logs` into per-service tallies of lines, error lines and log
 * patterns, with the parser and the Drain-style miner of `obs analyze logs` (analyze/logs): one
 * miner over both sides, so a pattern has one id in the incident and in the baseline.
 *
 * Error lines of the incident that carry a trace id are also kept one by one (they are few), so
 * the evidence can place them in their traces: which service's errors start a failing request.
 */
import { MAX_JSON_LINE_BYTES, readLines } from '../../../core/lines.js';
import { ExitCode, ObsError } from '../../../core/errors.js';
import type { ProgressFn } from '../../../core/progress.js';
import { createMiner } from '../../logs/miner.js';
import type { Miner } from '../../logs/miner.js';
import {
  isBinaryLine,
  isErrorLevel,
  learnFileHeader,
  parseLine,
  withoutTerminalCodes,
} from '../../logs/records.js';
import type { LogRecord, ParseContext } from '../../logs/records.js';
import { HeaderSample } from '../../logs/header-sample.js';
import { dockerContainerService } from '../../logs/file-service.js';
import { countException } from '../../logs/exceptions.js';
import type { ExceptionTallies, ExceptionTally } from '../../logs/exceptions.js';
import { StreamJoiner } from '../../logs/stack-traces.js';
import { Problems } from '../readers/problems.js';

/** Per service and pattern reference: lines, error lines, and a few trace ids. */
export interface PatternTally {
  lines: number;
  errors: number;
  traceIds: string[];
  /** The exceptions of its records (a stack trace joined to them), by type. */
  exceptions?: ExceptionTallies;
}

export interface ServiceLogs {
  lines: number;
  errors: number;
  /** Lines carrying a trace id. */
  withTrace: number;
  /** Trace ids of its error lines (at most `MAX_ERROR_TRACES`). */
  errorTraces: Set<string>;
  /** Pattern reference (see `LogEvidenceInput.patternOf`) -> tally. */
  patterns: Map<number, PatternTally>;
}

/** A record whose service is not known yet: its span, found in the traces, will tell. */
export interface PendingRecord {
  spanId: string;
  traceId: string | undefined;
  ref: number;
  error: boolean;
  exception: string | undefined;
  /** Its service when no span of the input has its id (a Docker log's container), if any. */
  fallback?: string | undefined;
}

/** An error line of the incident with a trace id. */
export interface TracedError {
  /** Undefined until the span named by `spanId` is found in the traces. */
  service: string | undefined;
  spanId: string | undefined;
  ref: number;
}

export interface LogSide {
  files: string[];
  lines: number;
  /** Service -> tally. Records without a service and without a span to find it by: `unknown`. */
  services: Map<string, ServiceLogs>;
  /** Records without a service but with a span id: resolved against the traces. */
  pending: PendingRecord[];
  /** Trace id -> its error lines (incident only). */
  errorsByTrace: Map<string, TracedError[]>;
  /**
   * Span id -> the non-error lines that name it: what each request logged (request-lines.ts).
   * Element 0 says who wrote them (`SpanLines`); their pattern references follow (none when
   * the span has only error lines).
   */
  spanLines: Map<string, SpanLines>;
  /**
   * Span id -> the lines naming it of writers other than its `spanLines` one, each as there:
   * a Zipkin client and server sharing the id (B3) may both log under it. Rare.
   */
  otherSpanLines: Map<string, SpanLines[]>;
  /** The services that wrote lines naming a span, by the index `SpanLines` gives. */
  writers: string[];
  /** Service -> its index in `writers`. */
  writerIndex: Map<string, number>;
  /** More spans were named than `spanLines` keeps: a request's count may be cut. */
  spanLinesFull: boolean;
  problems: Problems;
}

/**
 * Lines naming one span id, by one writer: `[writer, ...pattern references]`, where `writer` is
 * the index of the records' own service in `LogSide.writers`, or `NO_WRITER` for records that
 * name none. A line at level debug or trace has its reference as `~ref` (negative): a service's
 * debug lines may come and go with its log level (request-lines.ts). One array per span id, as
 * before; the writer rides in it rather than in a second map, as it matters only when two spans
 * of a trace share the id.
 */
export type SpanLines = number[];
export const NO_WRITER = -1;

/** Lines of a `SpanLines`. */
export const spanLineCount = (l: SpanLines): number => l.length - 1;

/**
 * Whose lines those are, of a client and a server that share their span id (B3): the client's
 * when their records name its service (and not the server's too), else the server's. Under a
 * shared id the server is the one that logs: its whole handling of the call runs in it, while
 * the client's own lines come before and after the call, under the client's parent span; a
 * record without a service is most likely the server's.
 */
export function clientWrote(service: string | undefined, client: string, server: string): boolean {
  return service !== undefined && service === client && service !== server;
}

/** `clientWrote` for the writer a `SpanLines` names. */
export function writtenByClient(
  side: LogSide,
  writer: number,
  client: string,
  server: string,
): boolean {
  return clientWrote(writer === NO_WRITER ? undefined : side.writers[writer], client, server);
}

export interface LogEvidenceInput {
  incident: LogSide;
  baseline: LogSide | undefined;
  /** The final pattern of a reference, after mining both sides. */
  patternOf(ref: number): { id: string; template: string };
}

export const UNKNOWN_SERVICE = 'unknown';
/** Trace ids kept per service and pattern. */
const EXAMPLES = 3;
/** Distinct traces of a service's error lines counted, at most. */
const MAX_ERROR_TRACES = 100_000;
/** Records waiting for their span's service, at most (beyond, they count as `unknown`). */
const MAX_PENDING = 1_000_000;
/** Error lines kept with their trace, at most (beyond, they count in the tallies only). */
const MAX_TRACED_ERRORS = 1_000_000;
/** Spans whose lines are kept per span, at most (beyond, per-request counts are not used). */
const MAX_SPAN_LINES = 2_000_000;
/** Lines of each file its header is learned from (as `obs analyze logs` does). */
const HEADER_SAMPLE = 200;

export function tally(
  side: LogSide,
  service: string,
  ref: number,
  error: boolean,
  traceId: string | undefined,
  exception?: string,
): void {
  let s = side.services.get(service);
  if (s === undefined) {
    s = { lines: 0, errors: 0, withTrace: 0, errorTraces: new Set(), patterns: new Map() };
    side.services.set(service, s);
  }
  s.lines++;
  if (error) s.errors++;
  if (traceId !== undefined) {
    s.withTrace++;
    if (error && s.errorTraces.size < MAX_ERROR_TRACES) s.errorTraces.add(traceId);
  }
  let t = s.patterns.get(ref);
  if (t === undefined) {
    t = { lines: 0, errors: 0, traceIds: [] };
    s.patterns.set(ref, t);
  }
  t.lines++;
  if (error) t.errors++;
  if (exception !== undefined)
    countException((t.exceptions ??= new Map<string, ExceptionTally>()), exception);
  if (traceId !== undefined && t.traceIds.length < EXAMPLES && !t.traceIds.includes(traceId)) {
    t.traceIds.push(traceId);
  }
}

function writerOf(side: LogSide, service: string): number {
  let w = side.writerIndex.get(service);
  if (w === undefined) {
    w = side.writers.length;
    side.writers.push(service);
    side.writerIndex.set(service, w);
  }
  return w;
}

/** The lines of `writer` naming a span id whose `spanLines` are another writer's. */
function otherLines(side: LogSide, spanId: string, writer: number): SpanLines {
  let list = side.otherSpanLines.get(spanId);
  if (list === undefined) side.otherSpanLines.set(spanId, (list = []));
  let lines = list.find((l) => l[0] === writer);
  if (lines === undefined) list.push((lines = [writer]));
  return lines;
}

interface ReadOptions {
  strict?: boolean;
  onProgress?: ProgressFn;
}

function emptySide(files: readonly string[]): LogSide {
  return {
    files: [...files],
    lines: 0,
    services: new Map(),
    pending: [],
    errorsByTrace: new Map(),
    spanLines: new Map(),
    otherSpanLines: new Map(),
    writers: [],
    writerIndex: new Map(),
    spanLinesFull: false,
    problems: new Problems(),
  };
}

async function readFile(
  file: string,
  side: LogSide,
  miner: Miner,
  keepErrors: boolean,
  opts: ReadOptions,
): Promise<void> {
  // Records that name no service wait for their span (or count as `unknown`): a file name says
  // too little about whose lines these are to rank services by it. A Docker json-file log's
  // container (its compose service, else its name) does say; still, a span's service comes
  // first, as the traces name it (a compose service may be `orders` and its spans'
  // `orders-api`), and the container names the records no span of the input claims.
  const container = await dockerContainerService(file);
  const ctx: ParseContext = { defaultService: '', header: learnFileHeader([]) };
  // A stack trace is one record with the line before it (stack-traces.ts), as in `analyze logs`.
  // Of its own stream in interleaved output (`docker compose logs`).
  const joiner = new StreamJoiner<undefined>((r) => take(r), false);

  const handle = (raw: string, no: number): void => {
    side.lines++;
    const line = withoutTerminalCodes(raw);
    if (line.trim().length === 0 || isBinaryLine(line)) return;
    const parsed = parseLine(line, ctx);
    const text = parsed.text;
    const stream = parsed.stream;
    if (text !== undefined && parsed.headerless === true && joiner.join(text, no, stream)) return;
    if (parsed.problem !== undefined) {
      const what = `malformed log line: ${parsed.problem}`;
      if (opts.strict) {
        throw new ObsError(`${what} (--strict stops at the first bad input)`, {
          code: 'OBS_BAD_INPUT',
          exit: ExitCode.dataError,
          file,
          line: no,
        });
      }
      side.problems.add('malformedJson', file, no, what);
      return;
    }
    if (text !== undefined && parsed.records.length === 1) {
      return joiner.hold(parsed.records[0]!, no, undefined, stream);
    }
    joiner.other(() => parsed.records.forEach(take), stream);
  };

  const take = (r: LogRecord): void => {
    const { ref } = miner.add(r.content);
    const error = isErrorLevel(r.level);
    const service = r.service.length > 0 ? r.service : undefined;
    if (keepErrors && error && r.traceId !== undefined) {
      let list = side.errorsByTrace.get(r.traceId);
      if (list === undefined) {
        if (side.errorsByTrace.size < MAX_TRACED_ERRORS) {
          list = [];
          side.errorsByTrace.set(r.traceId, list);
        }
      }
      list?.push({
        service: service ?? (r.spanId === undefined ? container : undefined),
        spanId: r.spanId,
        ref,
      });
    }
    if (r.spanId !== undefined && !side.spanLinesFull) {
      const writer = service === undefined ? NO_WRITER : writerOf(side, service);
      let lines = side.spanLines.get(r.spanId);
      if (lines === undefined) {
        if (side.spanLines.size >= MAX_SPAN_LINES) side.spanLinesFull = true;
        else side.spanLines.set(r.spanId, (lines = [writer]));
      } else if (lines[0] !== writer) lines = otherLines(side, r.spanId, writer);
      if (!error) lines?.push(r.level === 'debug' || r.level === 'trace' ? ~ref : ref);
    }
    if (service === undefined && r.spanId !== undefined && side.pending.length < MAX_PENDING) {
      side.pending.push({
        spanId: r.spanId,
        traceId: r.traceId,
        ref,
        error,
        exception: r.exception,
        fallback: container,
      });
    } else {
      tally(side, service ?? container ?? UNKNOWN_SERVICE, ref, error, r.traceId, r.exception);
    }
  };

  // The file's first lines wait for its header, learned from them.
  const sample = new HeaderSample(HEADER_SAMPLE, ctx, joiner, handle);
  for await (const batch of readLines(file, { maxLineBytes: MAX_JSON_LINE_BYTES })) {
    for (let i = 0; i < batch.lines.length; i++) sample.take(batch.lines[i]!, batch.firstLine + i);
    opts.onProgress?.({ label: 'reading logs', done: side.lines, unit: 'lines' });
  }
  sample.learn();
  joiner.flush();
}

/** Reads both sides with one miner; records waiting for their span wait for the traces. */
export async function readLogEvidenceInput(
  logs: readonly string[],
  baseline: readonly string[] | undefined,
  opts: ReadOptions = {},
): Promise<LogEvidenceInput> {
  const miner = createMiner();
  let base: LogSide | undefined;
  if (baseline !== undefined) {
    base = emptySide(baseline);
    for (const f of baseline) await readFile(f, base, miner, false, opts);
  }
  const incident = emptySide(logs);
  for (const f of logs) await readFile(f, incident, miner, true, opts);
  miner.finish();
  return { incident, baseline: base, patternOf: (ref) => miner.patternOf(ref) };
}
