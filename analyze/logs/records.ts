/**
 * Turns one raw input line into log records: the reader side of `obs analyze logs`.
 *
 * A line is one of:
 * - OTLP logs JSON (an ExportLogsServiceRequest per line, `{"resourceLogs": [...]}`): one record
 *   per logRecord, service from the resource's `service.name`;
 * - `kubectl logs --prefix`'s `[pod/<pod>/<container>] ` or `docker compose logs`'s
 *   `<service>-<n>  | `, before any of these: the container or the service is the service of
 *   records that name none;
 * - a container runtime wrapper: Docker's json-file (`{"log", "stream", "time"}`) or a CRI line
 *   (`<RFC3339 time> stdout|stderr F|P <text>`); the wrapped text is parsed again (a partial `P`
 *   fragment is a record of its own: fragments are not joined);
 * - a JSON log object: ours (`LOG_FIELDS` in model/conventions.ts, ECS-style dotted keys or nested
 *   objects) and the common field names of other loggers (pino, bunyan, structlog, logrus, zap);
 * - an RFC 5424 syslog line (`<PRI>1 TIMESTAMP HOST APP-NAME PROCID MSGID STRUCTURED-DATA MSG`):
 *   its header and structured data are read (`syslog5424`), its MSG is text as below;
 * - plain text, whose header the per-file `HeaderParser` splits off.
 *
 * A record's service, strongest first: a field of the record (JSON, OTLP resource, winston's
 * trailing JSON, OTel Python's `resource.service.name=`); the container or service of a kubectl or
 * compose prefix; the program of a syslog line (`syslogProgramSpan`); the file name's service (a
 * Docker json-file log's container: file-service.ts).
 *
 * Text inside a wrapper or an OTLP body goes through the same header parser, so a body such as
 * `17:30:02.618 INFO c.Controller#54 ...` yields its level and message. Each line is read on its
 * own here; the readers join stack traces to the record before them (stack-traces.ts), also
 * those a container runtime wrote a line at a time, and to the record of the same prefix in
 * output that interleaves containers (`ParsedLine.stream`).
 * Terminal escape sequences (colours that loggers write to a console, and that `docker logs` and
 * `kubectl logs` keep) are removed first: a level inside them is found, and they vary nothing.
 */
import { stripVTControlCharacters } from 'node:util';
import logfmt from 'logfmt';
import { isRecord } from '../../core/json.js';
import { LOG_FIELDS } from '../../model/conventions.js';
import { isZeroId, normalizeId } from '../traces/readers/normalize.js';
import type { HeaderParser, HeaderSpans } from './header.js';
import { learnHeader, levelOf } from './header.js';
import {
  exceptionOf,
  MAX_EXCEPTION_CHARS,
  mayContinue,
  withoutTraceLines,
} from './stack-traces.js';
import type { ExceptionPart } from './stack-traces.js';
import { newTimeMemo, parseTime } from './times.js';
import type { TimeMemo, TimeParser } from './times.js';

export interface LogRecord {
  /** Service: from a field, a container prefix, a syslog program, or the file name. */
  service: string;
  /** Normalized level: trace, debug, info, warn, error, fatal; absent when unknown. */
  level?: string;
  /** Milliseconds since the epoch, when the record carries a parseable time. */
  timestamp?: number;
  traceId?: string;
  spanId?: string;
  /** The message without header, what the miner sees. */
  content: string;
  /** The exception of a stack trace joined to the record (stack-traces.ts), its first line. */
  exception?: string;
}

/**
 * The format of an input line, as the report counts lines (`InputSummary.kinds`): `rfc5424` is an
 * RFC 5424 syslog line (`syslog5424`); a BSD syslog line is `text`, its header the file's.
 */
export type LineKind = 'text' | 'json' | 'logfmt' | 'otlp' | 'docker' | 'cri' | 'rfc5424';

export interface ParsedLine {
  kind: LineKind;
  records: LogRecord[];
  /** True for text whose header did not have the file's learned shape (kept whole). */
  headerMismatch: boolean;
  /** Set when a line looked like JSON but did not parse, or OTLP without records. */
  problem?: string;
  /**
   * The text of a text record, bare or inside a Docker or CRI wrapper: a stack trace after it
   * may join it (stack-traces.ts).
   */
  text?: string;
  /** That text had no header of its own (the wrapper's time aside): it may go on a record. */
  headerless?: boolean;
  /**
   * The stream the line's prefix names (`orders-1` of `docker compose logs`, `pod/<pod>/<container>`
   * of `kubectl logs --prefix`): a stack trace joins a record of its own stream (stack-traces.ts).
   */
  stream?: string;
}

export interface ParseContext {
  /** Service used when the record names none (the file's: file-service.ts). */
  defaultService: string;
  /**
   * True when `defaultService` is the container or service a line's prefix names (kubectl,
   * compose): it then outranks a syslog program, which only outranks the file name.
   */
  prefixed?: boolean;
  header: HeaderParser;
  /** Year for timestamps without one (syslog). Default: the current UTC year. */
  year?: number;
  /** Parses header times; a per-file `createTimeParser()` is faster. Default `parseTime`. */
  time?: TimeParser;
}

/** True for the normalized levels that mean something failed: `error` and `fatal`. */
export function isErrorLevel(level: string | undefined): boolean {
  return level === 'error' || level === 'fatal';
}

/**
 * `text` without terminal escape sequences (ANSI colours, window titles, hyperlinks). Most lines
 * have none: one native scan for ESC and CSI decides that.
 */
export function withoutTerminalCodes(text: string): string {
  return text.indexOf('\x1b') < 0 && text.indexOf('\x9b') < 0
    ? text
    : stripVTControlCharacters(text);
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const SUSPECT = /[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]/;

/**
 * A line that is mostly control characters (NUL padding, a core dump) is binary, not a message.
 * A message with a stray NUL or two is kept: it may be the one error line that matters.
 */
export function isBinaryLine(line: string): boolean {
  if (!SUSPECT.test(line)) return false; // the common case, decided by one native scan
  let control = 0;
  const n = Math.min(line.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 0xfffd || (c >= 0x7f && c < 0xa0)) control++;
  }
  return n > 0 && control / n > 0.3;
}

const IDENTITY_HEADER: HeaderParser = {
  description: 'none',
  parse: (l) => ({ content: l, matched: true }),
};

/**
 * The header parser of one file, learned from its first lines. JSON, CRI and OTLP wrappers are
 * unwrapped first: the header belongs to the text inside (an OTLP body `17:30:02 INFO ...`).
 * JSON and logfmt records carry their level and time as fields and teach nothing.
 */
export function learnFileHeader(sample: readonly string[], maxTexts = 800): HeaderParser {
  const texts: string[] = [];
  for (const line of sample) {
    if (isBinaryLine(line)) continue;
    const parsed = parseLine(line, { defaultService: '', header: IDENTITY_HEADER });
    if (parsed.kind !== 'json' && parsed.kind !== 'logfmt') {
      for (const r of parsed.records) texts.push(r.content);
    }
    if (texts.length >= maxTexts) break;
  }
  return learnHeader(withoutTraceLines(texts.slice(0, maxTexts)));
}

type Json = Record<string, unknown>;

/** A field by dotted name, as a flat key (`"log.level"`) or nested (`{log: {level}}`). */
function field(o: Json, name: string): unknown {
  if (name in o) return o[name];
  const dot = name.indexOf('.');
  if (dot < 0) return undefined;
  const head = o[name.slice(0, dot)];
  return isRecord(head) ? field(head, name.slice(dot + 1)) : undefined;
}

function firstString(o: Json, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = field(o, n);
    if (typeof v === 'string' && v.length > 0) return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

const MESSAGE_FIELDS = [
  LOG_FIELDS.message,
  'msg',
  'log',
  'event',
  'text',
  'body',
  'Message',
  'MESSAGE', // journald (journalctl -o json)
];
const LEVEL_FIELDS = [
  LOG_FIELDS.level,
  'level',
  'severity',
  'levelname',
  'lvl',
  'severity_text',
  'loglevel',
];
const TIME_FIELDS = [LOG_FIELDS.timestamp, 'timestamp', 'time', 'ts', 't', 'asctime', 'date'];
const SERVICE_FIELDS = [
  LOG_FIELDS.service,
  'service',
  'serviceName',
  'service_name',
  'otelServiceName',
  'SYSLOG_IDENTIFIER', // journald; an interpreter's gives way to its unit (journaldService)
  'app',
  'application',
  'name',
];
/** Python's logging record (python-json-logger): its `name` is the logger's, not a service. */
const PYTHON_RECORD = 'levelname';
const SERVICE_FIELDS_PYTHON = SERVICE_FIELDS.filter((f) => f !== 'name');
const TRACE_FIELDS = [LOG_FIELDS.traceId, 'trace_id', 'traceId', 'traceID', 'otelTraceID'];
const SPAN_FIELDS = [LOG_FIELDS.spanId, 'span_id', 'spanId', 'spanID', 'otelSpanID'];

/** pino/bunyan numeric levels. */
function numericLevel(n: number): string {
  if (n >= 60) return 'fatal';
  if (n >= 50) return 'error';
  if (n >= 40) return 'warn';
  if (n >= 30) return 'info';
  if (n >= 20) return 'debug';
  return 'trace';
}

function normalizeLevel(v: unknown): string | undefined {
  if (typeof v === 'number') return numericLevel(v);
  if (typeof v !== 'string' || v.length === 0) return undefined;
  // winston's colorize() colours the level field itself.
  const text = withoutTerminalCodes(v);
  return levelOf(text.toUpperCase()) ?? text.toLowerCase();
}

/** A syslog severity (journald's PRIORITY, "0".."7") as a level. */
function syslogLevel(v: unknown): string | undefined {
  const n = typeof v === 'string' && /^[0-7]$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 7) return undefined;
  return ['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug'][n];
}

/** journald's __REALTIME_TIMESTAMP: microseconds since the epoch, as a string. */
function journaldTime(v: unknown): number | undefined {
  return typeof v === 'string' && /^\d{13,17}$/.test(v) ? Math.floor(Number(v) / 1000) : undefined;
}

/** OTLP severityNumber ranges (1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal). */
function otlpSeverity(n: number): string | undefined {
  if (!(n >= 1)) return undefined;
  return ['trace', 'debug', 'info', 'warn', 'error', 'fatal'][Math.min(5, Math.floor((n - 1) / 4))];
}

function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'string' && /^\d+$/.test(v) && v !== '0') return Number(v.slice(0, -6) || '0');
  if (typeof v === 'number' && v > 0) return Math.floor(v / 1e6);
  return undefined;
}

/** `trace_id=`, `TraceID:`, `"traceId": "`, and glued to a prefix as OTel's `otelTraceID=`. */
const TRACE_IN_TEXT = /(?:\b|(?<=[a-z]))trace[_.-]?id["']?\s*[:=]\s*["']?([0-9a-fA-F]{16,32})\b/i;
const SPAN_IN_TEXT = /(?:\b|(?<=[a-z]))span[_.-]?id["']?\s*[:=]\s*["']?([0-9a-fA-F]{16})\b/i;
/** What every id in text holds (one native scan decides most messages). */
const MAY_HOLD_IDS = /race|RACE|00-/;
const NO_IDS: Readonly<{ traceId?: string; spanId?: string }> = Object.freeze({});
const TRACEPARENT = /\b00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}\b/;

/**
 * A trace or span id from a log record as the trace readers write it: lower-case hex padded to
 * its width (a 64-bit B3 or Jaeger trace id gets the leading zeros its spans get), so that log
 * lines find their traces; an all-zero id (a line logged outside any span) is none. An id that
 * is not hex (a request id under a trace id's name) is kept as written.
 */
function logId(raw: unknown, width: 16 | 32): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || isZeroId(raw)) return undefined;
  return normalizeId(raw, width) ?? raw;
}

/**
 * Datadog's log injection writes its 64-bit ids in decimal (`dd.trace_id`, `dd.span_id`): as hex,
 * padded as a 64-bit trace id is; the traces analysis matches it to the low half of a 128-bit id.
 * A 128-bit id in hex (newer tracers) reads as any other.
 */
function datadogId(raw: unknown, width: 16 | 32): string | undefined {
  if (typeof raw !== 'string' || !/^\d{1,20}$/.test(raw)) return logId(raw, width);
  const n = BigInt(raw);
  if (n === 0n || n >= 1n << 64n) return undefined;
  return n.toString(16).padStart(width, '0');
}

const DATADOG_IN_TEXT = /\bdd\.trace_id["']?\s*[:=]\s*["']?(\d{1,20})\b/;
const DATADOG_SPAN_IN_TEXT = /\bdd\.span_id["']?\s*[:=]\s*["']?(\d{1,20})\b/;

/** Trace and span ids written into a text message: `trace_id=...`, `TraceID: ...`, a traceparent. */
export function traceIdsInText(text: string): Readonly<{ traceId?: string; spanId?: string }> {
  if (!MAY_HOLD_IDS.test(text)) return NO_IDS;
  const dd = text.includes('dd.trace_id') ? DATADOG_IN_TEXT.exec(text) : null;
  if (dd !== null) {
    const traceId = datadogId(dd[1], 32);
    const spanId = datadogId(DATADOG_SPAN_IN_TEXT.exec(text)?.[1], 16);
    if (traceId === undefined) return NO_IDS;
    return spanId !== undefined ? { traceId, spanId } : { traceId };
  }
  const t = TRACE_IN_TEXT.exec(text);
  if (t !== null) {
    const traceId = logId(t[1], 32);
    const s = SPAN_IN_TEXT.exec(text);
    const spanId = s !== null ? logId(s[1], 16) : undefined;
    if (traceId === undefined) return spanId === undefined ? NO_IDS : { spanId };
    return spanId !== undefined ? { traceId, spanId } : { traceId };
  }
  const p = TRACEPARENT.exec(text);
  return p !== null ? { traceId: p[1]!, spanId: p[2]! } : {};
}

/**
 * A text message that ends in a JSON object of metadata, as winston's `simple` and `cli` formats
 * write (`error: message {"service":"cart","traceId":"..."}`): the message before it, and what
 * the object says. Undefined unless the object names a service, a trace or an exception.
 */
function trailingMeta(
  content: string,
  ctx: ParseContext,
): { content: string; base: Partial<LogRecord> } | undefined {
  if (content.charCodeAt(content.length - 1) !== 125) return undefined; // `}`
  const at = content.indexOf(' {"');
  if (at < 0) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(content.slice(at + 1));
  } catch {
    return undefined;
  }
  if (!isRecord(o)) return undefined;
  const base = jsonBase(o, ctx);
  delete base.timestamp; // the line's header has the time
  if (base.service === undefined && base.traceId === undefined && base.exception === undefined)
    return undefined;
  return { content: content.slice(0, at), base };
}

/** A text message through the file's header parser. */
function fromText(
  text: string,
  ctx: ParseContext,
  base: Partial<LogRecord>,
): { record: LogRecord; mismatch: boolean } {
  const h = ctx.header.parse(text);
  return { record: recordOf(h.content, h.level, h.time, ctx, base, text), mismatch: !h.matched };
}

/** The record of a message and its header's level and time text, over what `base` holds. */
function recordOf(
  content: string,
  headerLevel: string | undefined,
  time: string | undefined,
  ctx: ParseContext,
  base: Partial<LogRecord>,
  /** Where trace ids are looked for: the whole line, header included (OTel Python's format). */
  line: string,
  /** The service a syslog program names (RFC 5424's APP-NAME), below a field's. */
  program?: string,
): LogRecord {
  const meta = trailingMeta(content, ctx);
  if (meta !== undefined) {
    content = meta.content;
    base = { ...meta.base, ...base };
  }
  const record: LogRecord = {
    service: base.service ?? program ?? fallbackService(line, ctx),
    content,
  };
  const level = accessLevel(line, base.level ?? headerLevel ?? bsdPriLevel(line));
  if (level !== undefined) record.level = level;
  const ts =
    base.timestamp ??
    (time !== undefined ? (ctx.time ? ctx.time(time) : parseTime(time, ctx.year)) : undefined);
  if (ts !== undefined) record.timestamp = ts;
  const ids = base.traceId === undefined ? traceIdsInText(line) : base;
  if (ids.traceId !== undefined) record.traceId = ids.traceId;
  if (ids.spanId !== undefined) record.spanId = ids.spanId;
  if (base.exception !== undefined) record.exception = base.exception;
  withoutOtelContext(record, base.service === undefined, line);
  return record;
}

/**
 * The program of a BSD syslog line: its tag (RFC 3164 as rsyslog, syslog-ng and `journalctl`
 * write it, `Nov 29 10:00:01 host program[123]: message`, also with an RFC 3339 time or a `<PRI>`)
 * without its `[pid]`. (RFC 5424's APP-NAME is read with the rest of its header: `syslog5424`.)
 * A host or tag that is a level word is a logger's header, not syslog's.
 */
const SYSLOG_BSD =
  /^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) ([^\s[\](){}<>]+) ([^\s:[\]]+)(?:\[\d+\])?:(?: |$)/d;

/** A BSD syslog line's `<PRI>` and the time after it (a raw capture; files written keep none). */
const BSD_PRI = /^<(\d{1,3})>(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} |\d{4}-\d{2}-\d{2}T)/;

/**
 * The level of a BSD syslog line's `<PRI>` (its severity, PRI & 7, read as RFC 5424's and
 * journald's are), when its message says none; undefined for a line without one.
 */
function bsdPriLevel(line: string): string | undefined {
  if (line.charCodeAt(0) !== 60) return undefined;
  const m = BSD_PRI.exec(line);
  const pri = m === null ? 256 : Number(m[1]);
  return pri > 191 ? undefined : syslogLevel(pri & 7);
}

/** Whether a syslog line's `host` and `program` are a logger's level words, not syslog's fields. */
const isLevelWord = (word: string): boolean => levelOf(word.toUpperCase()) !== undefined;

/** Where a syslog line's program is (`[start, end)`), or undefined: see `SYSLOG_BSD`. */
function syslogProgramSpan(line: string): [number, number] | undefined {
  const c = line.charCodeAt(0);
  // A month's capital, a year's digit or `<`: one compare turns most other lines away.
  if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 60)) return undefined;
  const m = SYSLOG_BSD.exec(line);
  if (m === null || isLevelWord(m[1]!) || isLevelWord(m[2]!)) return undefined;
  return m.indices![2];
}

/**
 * Programs that name an interpreter, a shell or what hosts an app, not the service it runs
 * (`python3[812]:`, `node[9]:`, `bun`, `java[7]:`, `sh:`; a version dropped, `python3.11`,
 * `pypy3`): Python's app servers and task worker (`gunicorn`, `uwsgi`, `uvicorn`, `hypercorn`,
 * `daphne`, `waitress-serve`, `celery`) and what starts a Node app (`npm start`, `yarn`, `pnpm`,
 * `npx`, `tsx`, `ts-node`, `pm2`) log under the same name for every app they run. File names that name no service: the system's logs (rsyslog's
 * `syslog`, `messages`, and its facility files `daemon`, `kern`, `user`), stdin;
 * `analyze traces --logs` names none (''). A service's own file (`orders.log`) says more than
 * such a program, and names its records; in a file that names none, the program is all there is
 * (`python3` in `user.log` stays `python3`: `user` is the facility, not a service). A journald
 * record says more itself: its unit (`journaldService`).
 */
const GENERIC_PROGRAMS = new Set([
  ...'python pypy node nodejs bun deno java ruby perl php dotnet sh bash dash zsh'.split(' '),
  ...'gunicorn uwsgi uvicorn hypercorn daphne waitress-serve celery'.split(' '),
  ...'npm yarn pnpm npx tsx ts-node pm2'.split(' '),
]);
const GENERIC_FILES = new Set(['syslog', 'messages', 'daemon', 'kern', 'user', 'stdin', '']);
const VERSION = /[\d.]+$/;

/** Whether a program only runs or hosts the service (`GENERIC_PROGRAMS`). */
const isGenericProgram = (program: string): boolean =>
  GENERIC_PROGRAMS.has(program) || GENERIC_PROGRAMS.has(program.replace(VERSION, ''));

/**
 * Whether a syslog program (BSD's tag, RFC 5424's APP-NAME) names its record rather than the
 * file's service: never under a prefix (its container outranks the program), nor for an
 * interpreter's or an app host's program in a service's own file (`GENERIC_PROGRAMS`).
 */
function programNames(program: string, ctx: ParseContext): boolean {
  if (ctx.prefixed === true) return false;
  return GENERIC_FILES.has(ctx.defaultService) || !isGenericProgram(program);
}

/** Where the syslog program that names a record of `line` is (`programNames`), or undefined. */
function namingProgramSpan(line: string, ctx: ParseContext): [number, number] | undefined {
  if (ctx.prefixed === true) return undefined;
  const at = syslogProgramSpan(line);
  return at !== undefined && programNames(line.slice(at[0], at[1]), ctx) ? at : undefined;
}

/**
 * The service of a record that names none: a prefix's container, else the program of a syslog
 * line, else the file name's. A syslog program is the record's own, as a field is; a file name is
 * only what the file was called (`/var/log/syslog` holds sshd's, cron's and the kernel's lines);
 * but an interpreter's name says less than a service's file name (`namingProgramSpan`).
 */
function fallbackService(line: string, ctx: ParseContext): string {
  const at = namingProgramSpan(line, ctx);
  return at === undefined ? ctx.defaultService : line.slice(at[0], at[1]);
}

/**
 * RFC 5424 (section 6): `<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA
 * [MSG]`, each header field `-` when absent (`<165>1 2026-11-29T22:14:15.003Z host orders 1234
 * ID47 [exampleSDID@32473 iut="3"][meta seq="7"] payment failed`). PRI is 0 to 191; VERSION a
 * number that does not start with 0. `START` tells the lines that may be (`textKind`): by digit
 * classes only, as the lines of one digit shape are plain text or not alike (line-cache.ts).
 */
const SYSLOG_5424_START = /^<\d{1,3}>\d{1,3} /;
const SYSLOG_5424 = /^<(\d{1,3})>[1-9]\d{0,2} (\S+) (\S+) (\S+) \S+ \S+ /;
/** STRUCTURED-DATA params that hold a trace or a span id: the names JSON records' ids have. */
const SD_TRACE = new Set(TRACE_FIELDS);
const SD_SPAN = new Set(SPAN_FIELDS);

/** What ends an SD-ID or a param name: a space or a control character, `=`, `"`, `]`. */
const isSdDelimiter = (c: number): boolean => c <= 32 || c === 61 || c === 34 || c === 93;

/** What `structuredData` read: where MSG starts (a space after the data, or the line's end). */
interface StructuredData {
  end: number;
  traceId?: string;
  spanId?: string;
}

/**
 * RFC 5424's STRUCTURED-DATA from `at`: `-`, or `[SD-ID name="value" ...]` elements, one after
 * another, whose values escape `"`, `\` and `]` with a `\`. Its trace and span ids (params named
 * as `TRACE_FIELDS`, `SPAN_FIELDS`); undefined when it is not well-formed.
 */
function structuredData(line: string, at: number): StructuredData | undefined {
  const n = line.length;
  let i = at;
  const sd: StructuredData = { end: at };
  if (line.charCodeAt(i) === 45)
    i++; // `-`
  else {
    while (line.charCodeAt(i) === 91) {
      // `[SD-ID`: printable, no space, `=`, `]` or `"`.
      let j = i + 1;
      while (j < n && !isSdDelimiter(line.charCodeAt(j))) j++;
      if (j === i + 1) return undefined;
      i = j;
      while (line.charCodeAt(i) === 32) {
        const eq = line.indexOf('="', i + 1);
        if (eq < 0) return undefined;
        const name = line.slice(i + 1, eq);
        if (name.length === 0 || /[\s"\]]/.test(name)) return undefined;
        let value = '';
        let k = eq + 2;
        let from = k;
        for (; k < n; k++) {
          const c = line.charCodeAt(k);
          if (c === 34) break; // `"`
          if (c === 92 && k + 1 < n) {
            const e = line.charCodeAt(k + 1);
            // `\"`, `\\`, `\]` stand for the character; another `\` is itself (RFC 5424 6.3.3).
            if (e === 34 || e === 92 || e === 93) {
              value += line.slice(from, k);
              from = ++k;
            }
          }
        }
        if (k >= n) return undefined;
        value += line.slice(from, k);
        if (SD_TRACE.has(name)) sd.traceId ??= logId(value, 32);
        else if (SD_SPAN.has(name)) sd.spanId ??= logId(value, 16);
        i = k + 1;
      }
      if (line.charCodeAt(i) !== 93) return undefined; // `]`
      i++;
    }
    if (i === at) return undefined;
  }
  if (i < n && line.charCodeAt(i) !== 32) return undefined;
  sd.end = i < n ? i + 1 : n;
  return sd;
}

/**
 * The record of an RFC 5424 line (`SYSLOG_5424`), or undefined for one that is not. MSG alone is
 * the message (a BOM that opens it dropped), read through the file's header parser as any text;
 * the APP-NAME names the record as a BSD tag does (`namesRecord`); TIMESTAMP is its time (else
 * a time MSG's header holds); its level is MSG's header's, else PRI's severity read as journald's
 * PRIORITY is (`syslogLevel`: emerg, alert, crit fatal; err error; warning warn; notice, info
 * info; debug debug); its trace and span ids are STRUCTURED-DATA's (`structuredData`), else
 * those MSG holds.
 */
function syslog5424(line: string, ctx: ParseContext): ParsedLine | undefined {
  const m = SYSLOG_5424.exec(line);
  if (m === null) return undefined;
  const pri = Number(m[1]);
  if (pri > 191) return undefined;
  const sd = structuredData(line, m[0].length);
  if (sd === undefined) return undefined;
  let msg = line.slice(sd.end);
  if (msg.charCodeAt(0) === 0xfeff) msg = msg.slice(1);
  const base: Partial<LogRecord> = {};
  const stamp = m[2]!;
  const ts =
    stamp === '-' ? undefined : ctx.time !== undefined ? ctx.time(stamp) : parseTime(stamp);
  if (ts !== undefined) base.timestamp = ts;
  if (sd.traceId !== undefined) base.traceId = sd.traceId;
  if (sd.spanId !== undefined) base.spanId = sd.spanId;
  const program = m[4]!;
  const h = ctx.header.parse(msg);
  const record = recordOf(
    h.content,
    h.level ?? syslogLevel(pri & 7),
    h.time,
    ctx,
    base,
    msg,
    namesRecord(m[3]!, program, ctx) ? program : ctx.defaultService,
  );
  // A span id alone in the structured data, beside MSG's trace id or none.
  if (record.spanId === undefined && sd.spanId !== undefined) record.spanId = sd.spanId;
  return {
    kind: 'rfc5424',
    records: [record],
    headerMismatch: !h.matched,
    text: msg,
    headerless: false,
  };
}

/**
 * Whether an RFC 5424 line's APP-NAME names its record: not `-`, not a level word (nor the host,
 * as `syslogProgramSpan` checks a BSD line's), and as `programNames` says.
 */
function namesRecord(host: string, program: string, ctx: ParseContext): boolean {
  if (program === '-' || isLevelWord(host) || isLevelWord(program)) return false;
  return programNames(program, ctx);
}

/**
 * OpenTelemetry Python's log format (`OTEL_PYTHON_LOG_CORRELATION=true`): `... [<logger>]
 * [<file>:<line>] [trace_id=... span_id=... resource.service.name=<service> trace_sampled=...] -
 * <message>`. What precedes ` - ` is header; its service names the record.
 */
const OTEL_PYTHON_CONTEXT =
  /^(?:\[[^\]]*\] )*\[trace_id=\w* span_id=\w* resource\.service\.name=([^\s\]]*) trace_sampled=\w*\] - /;
const OTEL_PYTHON_SERVICE = / resource\.service\.name=([^\s\]]*) trace_sampled=\w*\]/;

/**
 * Cuts OTel Python's context off a record's message (a header learned from the file may have
 * taken it already); `named`: the record takes its service, found anywhere in the `line`.
 */
function withoutOtelContext(record: LogRecord, named: boolean, line: string): void {
  if (record.content.charCodeAt(0) === 91) {
    const m = OTEL_PYTHON_CONTEXT.exec(record.content);
    if (m !== null) record.content = record.content.slice(m[0].length);
  }
  if (!named || !line.includes(' resource.service.name=')) return;
  const s = OTEL_PYTHON_SERVICE.exec(line);
  if (s !== null && s[1]!.length > 0) record.service = s[1]!;
}

const NO_BASE: Partial<LogRecord> = Object.freeze({});

/** The request line and status of an HTTP access log line (combined format, werkzeug, uvicorn). */
const ACCESS_STATUS = /"[A-Z]+ \S+ HTTP\/[\d.]+" ([1-5]\d\d)\b/;

/**
 * The level of an HTTP access log line is its status: 5xx an error, 4xx a warning, whatever
 * level the logger wrote (uvicorn writes every access at INFO). Other lines keep `level`.
 */
function accessLevel(line: string, level: string | undefined): string | undefined {
  if (level === 'warn' || level === 'error' || level === 'fatal') return level;
  if (line.indexOf(' HTTP/') < 0) return level;
  const m = ACCESS_STATUS.exec(line);
  if (m === null) return level;
  const c = m[1]!.charCodeAt(0);
  // A request that succeeded is an info line whatever the logger wrote (nothing, in most formats).
  return c === 53 ? 'error' : c === 52 ? 'warn' : (level ?? 'info');
}

/**
 * True for a line `parseLine` reads as plain text through the header parser (no BOM, not JSON,
 * not CRI, no JSON after a time, not logfmt); `textRecord` then gives the record it would, from
 * the parser's spans of the line.
 */
export function isPlainText(line: string): boolean {
  return textKind(line) === true;
}

/**
 * `parseLine` of a line that is not plain text (`isPlainText`); undefined for one that is. A
 * logfmt line's fields are read once, to tell it from text and to make its record.
 */
export function parseUnlessPlain(line: string, ctx: ParseContext): ParsedLine | undefined {
  const kind = textKind(line);
  if (kind === true) return undefined;
  // `parseLine` reads these fields from the line it has no terminal codes in: the same line, but
  // for escape sequences that removing others leaves.
  if (kind === false || withoutTerminalCodes(line) !== line) return parseLine(line, ctx);
  return logfmtLine(kind, ctx);
}

/**
 * True for a line that is plain text (`isPlainText`), the fields of a logfmt line (which
 * `parseLine` would read the same), false for another that is not plain text.
 */
function textKind(line: string): boolean | Json {
  const c = line.charCodeAt(0);
  if (c === 0xfeff || c === 123 || hasContainerPrefix(line) || CRI.test(line)) return false;
  if (c === 60 && SYSLOG_5424_START.test(line)) return false;
  if (STAMPED_JSON.test(line)) return false;
  return (LOGFMT_START.test(line) && logfmtFields(line)) || true;
}

/**
 * What `textRecord` notes for plain-text lines of one digit shape (and header spans): where their
 * time's parts are, and whether their messages may hold trace ids (a shape without `race`, `RACE`
 * or two digits and a `-` does not: `traceIdsInText`).
 */
export interface TextShapeMemo {
  time: TimeMemo;
  /** Where the program naming the shape's syslog lines is (`namingProgramSpan`), or null: none. */
  program?: [number, number] | null;
  mayHoldIds?: boolean;
  /** Whether its lines are HTTP access lines (`accessLevel`): the same for all of a shape. */
  access?: boolean;
}

export const newTextShapeMemo = (): TextShapeMemo => ({ time: newTimeMemo() });

const MAY_HOLD_IDS_IN_SHAPE = /race|RACE|\d\d-/;
/** A header holds ids only as `trace_id=` and the like (its dates hold `\d\d-`). */
const HEADER_MAY_HOLD_IDS = /race|RACE/;

/**
 * The record of a plain-text line (`isPlainText`) whose header `spans` the parser found. `memo`:
 * the memo of the line's digit shape, for a caller that knows it (the spans are the shape's).
 */
export function textRecord(
  line: string,
  spans: HeaderSpans,
  ctx: ParseContext,
  memo?: TextShapeMemo,
): LogRecord {
  const time = spans.time < 0 ? undefined : line.slice(spans.time, spans.timeEnd);
  const content = line.slice(spans.content);
  // A message ending in a JSON object may carry metadata (`trailingMeta`): the full path reads it.
  if (
    memo === undefined ||
    ctx.time === undefined ||
    (line.charCodeAt(line.length - 1) === 125 && content.includes(' {"'))
  ) {
    return recordOf(content, spans.level, time, ctx, NO_BASE, line);
  }
  // Lines of one digit shape differ in digits only, which the syslog patterns see as a class.
  if (memo.program === undefined) memo.program = namingProgramSpan(line, ctx) ?? null;
  const service =
    memo.program === null ? ctx.defaultService : line.slice(memo.program[0], memo.program[1]);
  const record: LogRecord = { service, content };
  // The lines of one digit shape differ in digits only: one search for a request line per shape.
  memo.access ??= line.includes(' HTTP/') && ACCESS_STATUS.test(line);
  const level = memo.access ? accessLevel(line, spans.level) : spans.level;
  if (level !== undefined) record.level = level;
  const ts = time !== undefined ? ctx.time.byShape(time, memo.time) : undefined;
  if (ts !== undefined) record.timestamp = ts;
  memo.mayHoldIds ??=
    MAY_HOLD_IDS_IN_SHAPE.test(content) || HEADER_MAY_HOLD_IDS.test(line.slice(0, spans.content));
  if (memo.mayHoldIds) {
    const ids = traceIdsInText(line);
    if (ids.traceId !== undefined) record.traceId = ids.traceId;
    if (ids.spanId !== undefined) record.spanId = ids.spanId;
    withoutOtelContext(record, true, line);
  }
  return record;
}

const CRI = /^(\d{4}-\d{2}-\d{2}T\S+) (stdout|stderr) ([FP]) (.*)$/s;
/** A line that opens with `key=`: logfmt, maybe (`level=error msg="db down" err=...`). */
const LOGFMT_START = /^[A-Za-z_][\w.@-]*=/;

/**
 * The fields of a logfmt line (logrus, zap, Go kit, Heroku), read by the logfmt package; only
 * when they look like an event: a message field (`msg`), and words without `=` in two places at
 * most. `user=alice logged in` is a message that starts with a pair; `state=draining level=7`
 * is a message made of pairs, mined as text as before.
 */
function logfmtFields(line: string): Json | undefined {
  const fields = logfmt.parse(line) as Json;
  let bare = 0;
  for (const v of Object.values(fields)) if (v === true && ++bare > 2) return undefined;
  return MESSAGE_FIELDS.some((n) => typeof fields[n] === 'string') ? fields : undefined;
}

/** The parsed line of a logfmt line's fields (`logfmtFields`). */
const logfmtLine = (fields: Json, ctx: ParseContext): ParsedLine => ({
  kind: 'logfmt',
  records: [fromJson(fields, ctx)],
  headerMismatch: false,
});

/** An RFC 3339 time, then a JSON object: `kubectl logs --timestamps` of a JSON logger. */
const STAMPED_JSON = /^(\d{4}-\d{2}-\d{2}T\S+) (\{.*\})\s*$/s;

/** `kubectl logs --prefix`: `[pod/<pod>/<container>] <line>`. */
const KUBECTL_PREFIX = /^\[(pod\/[^/\]\s]+\/([^\]\s]+))\] (.*)$/s;
const isKubectlPrefixed = (line: string): boolean =>
  line.charCodeAt(0) === 91 && line.startsWith('[pod/');

/**
 * `docker compose logs` (and `up`): `<service>-<n>   | <line>`, the name padded to the longest;
 * Compose v1 wrote `<project>_<service>_<n>`. The replica number is required, so a format such
 * as `INFO | message` is not taken for one.
 */
const COMPOSE_PREFIX = /^(([A-Za-z0-9][\w.-]*?)[-_]\d+) +\|(?: (.*))?$/s;

/** Whether a line may carry one of the prefixes `containerPrefix` reads (a test, no captures). */
const hasContainerPrefix = (line: string): boolean =>
  isKubectlPrefixed(line) || COMPOSE_PREFIX.test(line);

/**
 * The container or service a line's prefix names, the line behind the prefix, and the stream the
 * prefix names (a pod's container, a compose service's replica).
 */
export function containerPrefix(
  line: string,
): { service: string; rest: string; stream: string } | undefined {
  if (isKubectlPrefixed(line)) {
    const m = KUBECTL_PREFIX.exec(line);
    if (m !== null) return { service: m[2]!, rest: m[3]!, stream: m[1]! };
  }
  const m = COMPOSE_PREFIX.exec(line);
  // Compose's service, its replica number dropped.
  return m === null ? undefined : { service: m[2]!, rest: m[3] ?? '', stream: m[1]! };
}

/** Parses one input line; see the module comment. Never throws on bad data. */
export function parseLine(raw: string, ctx: ParseContext): ParsedLine {
  const line = withoutTerminalCodes(raw);
  const first = line.charCodeAt(0) === 0xfeff ? 1 : 0;
  const trimmed = first ? line.slice(1) : line;
  const prefix = containerPrefix(trimmed);
  // The container or service is the service of records that name none.
  if (prefix !== undefined) {
    const inner = parseLine(prefix.rest, {
      ...ctx,
      defaultService: prefix.service,
      prefixed: true,
    });
    inner.stream = prefix.stream;
    return inner;
  }
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (err) {
      const { record } = fromText(trimmed, ctx, {});
      return {
        kind: 'text',
        records: [record],
        headerMismatch: false,
        problem: `malformed JSON (${err instanceof Error ? err.message : String(err)})`,
        text: trimmed,
        headerless: mayContinue(record),
      };
    }
    if (isRecord(obj)) {
      if (Array.isArray(obj.resourceLogs)) return fromOtlp(obj, ctx);
      if (typeof obj.log === 'string' && ('stream' in obj || 'time' in obj)) {
        // Docker json-file: the log text keeps its newline.
        const text = obj.log.replace(/\r?\n$/, '');
        const ts = typeof obj.time === 'string' ? parseTime(obj.time) : undefined;
        const inner = parseLine(text, ctx);
        for (const r of inner.records)
          if (r.timestamp === undefined && ts !== undefined) r.timestamp = ts;
        return { ...inner, kind: 'docker' };
      }
      return {
        kind: 'json',
        records: [fromJson(loguruFields(obj) ?? obj, ctx)],
        headerMismatch: false,
      };
    }
  }
  if (LOGFMT_START.test(trimmed)) {
    const fields = logfmtFields(trimmed);
    if (fields !== undefined) return logfmtLine(fields, ctx);
  }
  const cri = CRI.exec(trimmed);
  if (cri !== null) {
    const inner = parseLine(cri[4]!, ctx);
    const ts = parseTime(cri[1]!);
    for (const r of inner.records) if (ts !== undefined) r.timestamp ??= ts;
    return { ...inner, kind: 'cri' };
  }
  const stamped = STAMPED_JSON.exec(trimmed);
  if (stamped !== null) {
    // `kubectl logs --timestamps` of a JSON logger: the JSON is the record.
    const inner = parseLine(stamped[2]!, ctx);
    if (inner.kind === 'json' || inner.kind === 'otlp') {
      const ts = parseTime(stamped[1]!);
      for (const r of inner.records) if (ts !== undefined) r.timestamp ??= ts;
      return inner;
    }
  }
  if (trimmed.charCodeAt(0) === 60) {
    const syslog = syslog5424(trimmed, ctx);
    if (syslog !== undefined) return syslog;
  }
  const { record, mismatch } = fromText(trimmed, ctx, {});
  return {
    kind: 'text',
    records: [record],
    headerMismatch: mismatch,
    text: trimmed,
    headerless: mayContinue(record),
  };
}

/**
 * Fields that carry an exception: its type and message (ECS and ours, pino, bunyan, OTel
 * semantic conventions), or a whole stack trace (python-json-logger, structlog, winston, ECS,
 * pino).
 */
const EXCEPTION_FIELDS: Record<ExceptionPart, readonly string[]> = {
  type: [LOG_FIELDS.errorType, 'err.type', 'err.name', 'exception.type'],
  message: [LOG_FIELDS.errorMessage, 'err.message', 'exception.message'],
  trace: [
    'exc_info',
    'exc_text',
    'exception',
    LOG_FIELDS.errorStack,
    'stack',
    'err.stack',
    'exception.stacktrace',
  ],
};

/**
 * Fields that carry an error as text, with no type: logfmt's `err=`/`error=` (Go's
 * `err.Error()`, which Go kit, logrus and slog write) and zap's `error`; or an error object's
 * message alone.
 */
const ERROR_TEXT_FIELDS = ['err', 'error', 'err.message', LOG_FIELDS.errorMessage];
/** What Go and Python write for an error that is not there (`err=<nil>`). */
const NO_ERROR = new Set(['<nil>', 'nil', 'null', 'None']);

/** The exception of a record whose error is text alone (`ERROR_TEXT_FIELDS`): that text. */
function errorText(o: Json): string | undefined {
  for (const n of ERROR_TEXT_FIELDS) {
    const v = field(o, n);
    if (typeof v === 'string' && v.length > 0 && !NO_ERROR.has(v))
      return withoutTerminalCodes(v).slice(0, MAX_EXCEPTION_CHARS);
  }
  return undefined;
}

/**
 * loguru's `serialize=True` lines: `{"text": <the formatted line>, "record": {"message", "level":
 * {"name"}, "time": {"repr"}, "exception": {"type", "value"} | null, "extra": {...}}}`. Its
 * fields, flattened to the names `fromJson` reads (`extra` holds what `bind()` added: a service,
 * a trace id).
 */
function loguruFields(o: Json): Json | undefined {
  const r = o.record;
  if (typeof o.text !== 'string' || !isRecord(r) || !isRecord(r.level)) return undefined;
  const exception = isRecord(r.exception) ? r.exception : undefined;
  return {
    ...(isRecord(r.extra) ? r.extra : {}),
    message: r.message,
    level: r.level.name,
    time: isRecord(r.time) ? r.time.repr : undefined,
    ...(exception !== undefined
      ? {
          [LOG_FIELDS.errorType]: exception.type,
          [LOG_FIELDS.errorMessage]: exception.value,
        }
      : {}),
  };
}

/**
 * A systemd service unit (`orders.service`), its name without `.service`; for an instance of a
 * template unit (`worker@1.service`, `worker@eu-1.service`, or the template `worker@.service`
 * itself), the template's name (`worker`): instances are replicas of one service. Not the user
 * manager's (`user@1000.service`), whose records a user unit names (`_SYSTEMD_USER_UNIT`).
 */
const SERVICE_UNIT = /^(?!user@\d+\.service$)([^@]+)(?:@[^@]*)?\.service$/;

/**
 * The service of a journald record whose `SYSLOG_IDENTIFIER` is only an interpreter, a shell or
 * an app host (`python3`, as a service run as `python3 app.py` logs; `gunicorn`;
 * `GENERIC_PROGRAMS`): its service unit (a user service's `_SYSTEMD_USER_UNIT`, else
 * `_SYSTEMD_UNIT`; `orders.service` -> `orders`, an instance `worker@1.service` -> `worker`
 * (`SERVICE_UNIT`); a scope, `session-2.scope`, is none), else its command (`_COMM`, the file
 * of `_EXE`), whichever is not generic too. Undefined when none is: the identifier is all there is.
 */
function journaldService(o: Json): string | undefined {
  for (const name of ['_SYSTEMD_USER_UNIT', '_SYSTEMD_UNIT']) {
    const unit = o[name];
    const m = typeof unit === 'string' ? SERVICE_UNIT.exec(unit) : null;
    if (m !== null && !isGenericProgram(m[1]!)) return m[1]!;
  }
  for (const name of ['_COMM', '_EXE']) {
    const v = o[name];
    const command = typeof v === 'string' ? v.slice(v.lastIndexOf('/') + 1) : '';
    if (command.length > 0 && !isGenericProgram(command)) return command;
  }
  return undefined;
}

/** What a JSON record says besides its message: service, level, time, ids, exception. */
function jsonBase(o: Json, ctx: ParseContext): Partial<LogRecord> {
  const base: Partial<LogRecord> = {};
  let service = firstString(o, PYTHON_RECORD in o ? SERVICE_FIELDS_PYTHON : SERVICE_FIELDS);
  if (service !== undefined && service === o.SYSLOG_IDENTIFIER && isGenericProgram(service))
    service = journaldService(o) ?? service;
  if (service !== undefined) base.service = service;
  const level =
    normalizeLevel(field(o, LEVEL_FIELDS.find((n) => field(o, n) !== undefined) ?? '')) ??
    syslogLevel(o.PRIORITY);
  if (level !== undefined) base.level = level;
  const time = firstString(o, TIME_FIELDS);
  const ts = time !== undefined ? parseTime(time, ctx.year) : journaldTime(o.__REALTIME_TIMESTAMP);
  if (ts !== undefined) base.timestamp = ts;
  const traceId =
    logId(firstString(o, TRACE_FIELDS), 32) ?? datadogId(firstString(o, ['dd.trace_id']), 32);
  if (traceId !== undefined) base.traceId = traceId;
  const spanId =
    logId(firstString(o, SPAN_FIELDS), 16) ?? datadogId(firstString(o, ['dd.span_id']), 16);
  if (spanId !== undefined) base.spanId = spanId;
  const exception = exceptionOf((part) => firstString(o, EXCEPTION_FIELDS[part]));
  if (exception !== undefined) base.exception = exception;
  return base;
}

function fromJson(o: Json, ctx: ParseContext): LogRecord {
  const text = firstString(o, MESSAGE_FIELDS);
  const message = text === undefined ? undefined : withoutTerminalCodes(text);
  const base = jsonBase(o, ctx);
  const exception = base.exception;
  // No message field, as pino's `log.error(err)` writes: the exception is the message (the
  // shape of the keys would lump every error together), an error unless a level says else.
  if (message === undefined && exception !== undefined) {
    return {
      service: base.service ?? ctx.defaultService,
      level: 'error',
      ...base,
      content: exception,
    };
  }
  // Read after that, so a record's message (its template) is what it was without it.
  if (exception === undefined) {
    const text = errorText(o);
    if (text !== undefined) base.exception = text;
  }
  if (message === undefined) {
    // The sorted keys are the shape of the event.
    return {
      service: base.service ?? ctx.defaultService,
      ...base,
      content: `{${Object.keys(o).sort().join(' ')}}`,
    };
  }
  // A message is already without header; only its error type is added for grouping.
  const errorType = firstString(o, [LOG_FIELDS.errorType]);
  return {
    service: base.service ?? ctx.defaultService,
    ...base,
    content:
      errorType !== undefined && !message.includes(errorType)
        ? `${errorType}: ${message}`
        : message,
  };
}

function attr(attrs: unknown, key: string): string | undefined {
  if (!Array.isArray(attrs)) return undefined;
  for (const a of attrs as unknown[]) {
    if (isRecord(a) && a.key === key && isRecord(a.value)) {
      const v = a.value.stringValue ?? a.value.intValue;
      if (typeof v === 'string' || typeof v === 'number') return String(v);
    }
  }
  return undefined;
}

function anyValueText(v: unknown): string | undefined {
  if (!isRecord(v)) return undefined;
  if (typeof v.stringValue === 'string') return v.stringValue;
  for (const k of ['intValue', 'doubleValue', 'boolValue']) if (k in v) return String(v[k]);
  if ('kvlistValue' in v || 'arrayValue' in v) return JSON.stringify(v);
  return undefined;
}

/** The attributes of an OTLP log record's exception (OTel semantic conventions). */
const OTLP_EXCEPTION: Record<ExceptionPart, string> = {
  type: 'exception.type',
  message: 'exception.message',
  trace: 'exception.stacktrace',
};

function fromOtlp(o: Json, ctx: ParseContext): ParsedLine {
  const records: LogRecord[] = [];
  let mismatch = false;
  for (const rl of o.resourceLogs as unknown[]) {
    if (!isRecord(rl)) continue;
    const service = attr(
      isRecord(rl.resource) ? rl.resource.attributes : undefined,
      'service.name',
    );
    const scopes = Array.isArray(rl.scopeLogs)
      ? rl.scopeLogs
      : Array.isArray(rl.instrumentationLibraryLogs)
        ? rl.instrumentationLibraryLogs
        : [];
    for (const sl of scopes as unknown[]) {
      if (!isRecord(sl) || !Array.isArray(sl.logRecords)) continue;
      for (const lr of sl.logRecords as unknown[]) {
        if (!isRecord(lr)) continue;
        const base: Partial<LogRecord> = {};
        if (service !== undefined) base.service = service;
        const sev =
          typeof lr.severityText === 'string' && lr.severityText
            ? normalizeLevel(lr.severityText)
            : typeof lr.severityNumber === 'number'
              ? otlpSeverity(lr.severityNumber)
              : undefined;
        if (sev !== undefined) base.level = sev;
        const ts = nanosToMs(lr.timeUnixNano) ?? nanosToMs(lr.observedTimeUnixNano);
        if (ts !== undefined) base.timestamp = ts;
        const traceId = logId(lr.traceId, 32);
        if (traceId !== undefined) base.traceId = traceId;
        const spanId = logId(lr.spanId, 16);
        if (spanId !== undefined) base.spanId = spanId;
        const exception = exceptionOf((part) => attr(lr.attributes, OTLP_EXCEPTION[part]));
        if (exception !== undefined) base.exception = exception;
        const text = withoutTerminalCodes(anyValueText(lr.body) ?? '');
        const { record, mismatch: m } = fromText(text, ctx, base);
        mismatch ||= m;
        records.push(record);
      }
    }
  }
  return records.length === 0
    ? {
        kind: 'otlp',
        records,
        headerMismatch: false,
        problem: 'OTLP logs request without log records',
      }
    : { kind: 'otlp', records, headerMismatch: mismatch };
}

const EXTENSIONS = /(\.(gz|log|txt|jsonl?|ndjson|out|err|\d+))+$/i;
/** A rotation date (`-20240501`, `.2024-05-01`, `_2024-05-01T12`) and anything after it. */
const ROTATION_DATE = /[-_.]\d{4}-?\d{2}-?\d{2}.*$/;
/** kubelet's `/var/log/containers/<pod>_<namespace>_<container>-<container id>.log`. */
const K8S_CONTAINER_LINK = /^[^_]+_[^_]+_(.+)-[0-9a-f]{64}$/;

/**
 * The service a file's records default to: its name without folders, extensions and rotation
 * (`orders.log.1.gz`, logrotate's `orders.log-20240501`). Kubernetes node paths name the
 * container: `/var/log/pods/<ns>_<pod>_<uid>/<container>/0.log` by its folder,
 * `/var/log/containers/<pod>_<ns>_<container>-<id>.log` in the name.
 */
export function serviceFromFileName(file: string): string {
  return fileService(file).service;
}

/** The service a file's records default to, and whether it names their container. */
export interface FileService {
  service: string;
  /** The path names a Kubernetes container: it outranks a syslog program (`fileService`). */
  container: boolean;
}

/**
 * `serviceFromFileName`, and whether the path names a Kubernetes container (kubelet's log paths):
 * then, like a kubectl prefix, it names the deployed service, and outranks a syslog program in
 * the lines (which names only the process inside the container).
 */
export function fileService(file: string): FileService {
  if (file === '-') return { service: 'stdin', container: false };
  const parts = file.split(/[\\/]/);
  const base = parts.pop() ?? file;
  // Before rotation dates: a container id may start with eight digits.
  const container = K8S_CONTAINER_LINK.exec(base.replace(EXTENSIONS, ''));
  if (container !== null) return { service: container[1]!, container: true };
  const name = base.replace(EXTENSIONS, '').replace(ROTATION_DATE, '').replace(EXTENSIONS, '');
  // A bare rotation index (kubelet's 0.log): the folder says whose it is.
  if ((name.length === 0 || /^\d+$/.test(name)) && (parts.at(-1) ?? '').length > 0) {
    return { service: parts.at(-1)!, container: parts.at(-3) === 'pods' };
  }
  return { service: name.length > 0 ? name : base, container: false };
}
