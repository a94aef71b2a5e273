/**
 * One log line in, the log records it holds out: OTLP logs JSON (a request per line), JSON log
 * lines (ECS-style dotted keys as obs generates them, or the usual flat names), or plain text.
 * What is not given as a field (level, trace id) is looked for in the text.
 */
import { LOG_FIELDS } from '../../../model/conventions.js';
import { isRecord, normalizeId } from '../readers/normalize.js';

export interface LogLine {
  service: string | undefined;
  traceId: string | undefined;
  spanId: string | undefined;
  /** True for ERROR, FATAL, CRITICAL and alike (OTLP severity 17 and above). */
  error: boolean;
  /** The message, without a leading timestamp and level where they could be told apart. */
  message: string;
}

const ERROR_LEVELS = new Set([
  'ERROR',
  'ERR',
  'FATAL',
  'CRITICAL',
  'CRIT',
  'SEVERE',
  'PANIC',
  'ALERT',
  'EMERG',
  'EMERGENCY',
]);
const ALL_LEVELS = new Set([
  ...ERROR_LEVELS,
  'WARN',
  'WARNING',
  'INFO',
  'DEBUG',
  'TRACE',
  'NOTICE',
  'FINE',
]);
const TRACE_RE = /\btrace[_.-]?id\b["']?\s*[:=]\s*["']?([0-9a-fA-F]{16,32})\b/i;
const SPAN_RE = /\bspan[_.-]?id\b["']?\s*[:=]\s*["']?([0-9a-fA-F]{16})\b/i;
const BARE_TRACE_RE = /\b([0-9a-f]{32})\b/;

/** Level word among the first tokens of a message, and the message after it. */
function levelIn(text: string): { error: boolean; rest: string } | undefined {
  const toks = text.split(/\s+/, 6);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!.replace(/^\[|\]$|:$/g, '').toUpperCase();
    if (ALL_LEVELS.has(t)) {
      let pos = 0;
      for (let j = 0; j <= i; j++) pos = text.indexOf(toks[j]!, pos) + toks[j]!.length;
      return { error: ERROR_LEVELS.has(t), rest: text.slice(pos).trim() };
    }
  }
  return undefined;
}

function fromText(text: string, fields: Partial<LogLine>): LogLine {
  const lvl = levelIn(text);
  const trace =
    fields.traceId ?? normalizeId(TRACE_RE.exec(text)?.[1] ?? BARE_TRACE_RE.exec(text)?.[1], 32);
  return {
    service: fields.service,
    traceId: trace,
    spanId: fields.spanId ?? normalizeId(SPAN_RE.exec(text)?.[1], 16),
    error: fields.error ?? lvl?.error ?? false,
    message: lvl?.rest ?? text,
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** A field by its dotted name, flat (`"service.name"`) or nested (`service: {name}`). */
function field(o: Record<string, unknown>, dotted: string): unknown {
  if (dotted in o) return o[dotted];
  let cur: unknown = o;
  for (const part of dotted.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function otlpRecords(doc: Record<string, unknown>, out: LogLine[]): void {
  const rls = doc.resourceLogs;
  if (!Array.isArray(rls)) return;
  for (const rl of rls as unknown[]) {
    if (!isRecord(rl)) continue;
    const attrs = isRecord(rl.resource) ? rl.resource.attributes : undefined;
    let service: string | undefined;
    if (Array.isArray(attrs)) {
      for (const a of attrs as unknown[]) {
        if (isRecord(a) && a.key === 'service.name' && isRecord(a.value))
          service = str(a.value.stringValue);
      }
    }
    const scopes = rl.scopeLogs ?? rl.instrumentationLibraryLogs;
    if (!Array.isArray(scopes)) continue;
    for (const sl of scopes as unknown[]) {
      if (!isRecord(sl) || !Array.isArray(sl.logRecords)) continue;
      for (const r of sl.logRecords as unknown[]) {
        if (!isRecord(r)) continue;
        const body = isRecord(r.body) ? (str(r.body.stringValue) ?? JSON.stringify(r.body)) : '';
        const sev = typeof r.severityNumber === 'number' ? r.severityNumber : undefined;
        const sevText = str(r.severityText)?.toUpperCase();
        const error =
          sev !== undefined && sev > 0
            ? sev >= 17
            : sevText !== undefined
              ? ERROR_LEVELS.has(sevText)
              : undefined;
        out.push(
          fromText(body, {
            service,
            traceId: normalizeId(r.traceId, 32),
            spanId: normalizeId(r.spanId, 16),
            ...(error !== undefined ? { error } : {}),
          }),
        );
      }
    }
  }
}

function jsonRecord(o: Record<string, unknown>): LogLine {
  const msg =
    str(field(o, LOG_FIELDS.message)) ??
    str(o.msg) ??
    str(o.body) ??
    str(o.log) ??
    JSON.stringify(o);
  const level =
    str(field(o, LOG_FIELDS.level)) ?? str(o.level) ?? str(o.severity) ?? str(o.levelname);
  const err = str(field(o, LOG_FIELDS.errorType)) ?? str(field(o, LOG_FIELDS.errorMessage));
  return fromText(msg, {
    service: str(field(o, LOG_FIELDS.service)) ?? str(o.service) ?? str(o.app),
    traceId: normalizeId(
      field(o, LOG_FIELDS.traceId) ?? o.trace_id ?? o.traceId ?? o.otelTraceID,
      32,
    ),
    spanId: normalizeId(field(o, LOG_FIELDS.spanId) ?? o.span_id ?? o.spanId ?? o.otelSpanID, 16),
    ...(level !== undefined
      ? { error: ERROR_LEVELS.has(level.toUpperCase()) }
      : err !== undefined
        ? { error: true }
        : {}),
  });
}

/** The records of one line; `undefined` when a line that looks like JSON does not parse. */
export function parseLogLine(line: string): LogLine[] | undefined {
  const t = line.trimStart();
  if (t.length === 0) return [];
  if (t.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      return undefined;
    }
    if (!isRecord(v)) return undefined;
    if (Array.isArray(v.resourceLogs)) {
      const out: LogLine[] = [];
      otlpRecords(v, out);
      return out;
    }
    return [jsonRecord(v)];
  }
  return [fromText(t, {})];
}
