/**
 * A live trace source: Jaeger's query API (`/api/traces`), paged backwards through the time
 * window so that any number of traces can be read with bounded answers. Uses core/http.ts for
 * timeouts and retries; an unreachable Jaeger is an error after the retries.
 */
import { durationMs } from '../../../core/duration.js';
import { ExitCode, ObsError } from '../../../core/errors.js';
import { checkHttpUrl, redactUrl, request } from '../../../core/http.js';
import type { RequestContext, RetryPolicy } from '../../../core/http.js';
import type { ProgressFn } from '../../../core/progress.js';
import { isRecord } from '../../../core/json.js';
import type { SpanSource } from '../analyze.js';
import type { Span } from '../span.js';
import { convertValue } from './convert.js';
import { countChecked } from './files.js';
import type { SourceSummary } from './files.js';
import type { Problems } from './problems.js';

export interface JaegerQuery {
  /** Base URL of the query service, e.g. http://localhost:16686 (a path prefix is kept). */
  url: string;
  /** The service whose traces to read; all services Jaeger knows when absent. */
  service?: string;
  /** Only this operation. */
  operation?: string;
  /** Window, epoch ms. */
  startMs: number;
  endMs: number;
  /** Traces per request. Default 500. */
  limit?: number;
  /** Requests at most, to bound a runaway window. Default 1000. */
  maxPages?: number;
  /** Stop at the first span that has to be skipped (no valid ids, absurd times). Default false. */
  strict?: boolean;
  retry?: RetryPolicy;
  /** Hears of each request that failed and will be retried. */
  onRetry?: RequestContext['onRetry'];
  onProgress?: ProgressFn;
}

/** `15m`, `2h`, `1d`, `90s` -> ms. */
export function parseSince(text: string): number {
  const ms = durationMs(text);
  // A window of no time holds no traces: a typo, not a question.
  if (ms === undefined || ms === 0) {
    throw new ObsError(`not a duration: ${JSON.stringify(text)}`, {
      code: 'OBS_USAGE',
      exit: ExitCode.usage,
      suggestions: ['Use a number and a unit: 90s, 15m, 2h, 1d.'],
    });
  }
  return ms;
}

function apiUrl(base: string, path: string): URL {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/${path}`;
  return u;
}

function tracesUrl(q: JaegerQuery, service: string, endMs: number): string {
  const u = apiUrl(q.url, 'traces');
  u.searchParams.set('service', service);
  if (q.operation !== undefined) u.searchParams.set('operation', q.operation);
  u.searchParams.set('start', String(Math.floor(q.startMs * 1000)));
  u.searchParams.set('end', String(Math.floor(endMs * 1000)));
  u.searchParams.set('limit', String(q.limit ?? 500));
  return u.toString();
}

async function fetchPage(q: JaegerQuery, url: string): Promise<unknown> {
  const res = await request(
    { url, headers: { accept: 'application/json' } },
    { server: 'Jaeger', retry: q.retry, onRetry: q.onRetry },
  );
  if (res.status === 401 || res.status === 403) {
    throw new ObsError(`Jaeger refused the request (HTTP ${res.status}) at ${redactUrl(url)}`, {
      code: 'OBS_SERVER_REFUSED',
      exit: ExitCode.noPermission,
    });
  }
  if (res.status !== 200) {
    throw new ObsError(
      `Jaeger answered HTTP ${res.status} at ${redactUrl(url)}: ${res.body.slice(0, 200)}`,
      {
        code: 'OBS_SERVER_ERROR',
        exit: ExitCode.unavailable,
      },
    );
  }
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    throw new ObsError(`Jaeger's answer is not JSON at ${redactUrl(url)}`, {
      code: 'OBS_SERVER_ERROR',
      exit: ExitCode.unavailable,
    });
  }
}

/**
 * The services whose traces to read without --service: all that Jaeger lists (`/api/services`),
 * but its own (`jaeger-*`, when it traces itself), which are not the system's.
 */
async function servicesToRead(q: JaegerQuery): Promise<string[]> {
  const url = apiUrl(q.url, 'services').toString();
  const doc = await fetchPage(q, url);
  const data = isRecord(doc) && Array.isArray(doc.data) ? (doc.data as unknown[]) : undefined;
  if (data === undefined) {
    throw new ObsError(`Jaeger's service list has no data array at ${redactUrl(url)}`, {
      code: 'OBS_SERVER_ERROR',
      exit: ExitCode.unavailable,
    });
  }
  return data.filter((s): s is string => typeof s === 'string' && !s.startsWith('jaeger')).sort();
}

/**
 * Reads the window in pages, per service (one, or all Jaeger lists). Jaeger answers at most `limit` traces per request, in no promised
 * order (its memory store returns them in storage order), so a full answer says only that the
 * window holds more: it is split in two halves, each asked again, newer first, until every answer
 * is short. Traces answered twice are kept once.
 */
export async function* readJaeger(
  q: JaegerQuery,
  problems: Problems,
  summaries: SourceSummary[],
): AsyncGenerator<Span[]> {
  const summary: SourceSummary = {
    file: redactUrl(q.url),
    format: 'jaeger',
    layout: 'api',
    gzip: false,
    bytes: 0,
    lines: 0,
    spans: 0,
  };
  summaries.push(summary);
  const services = q.service !== undefined ? [q.service] : await servicesToRead(q);
  // A trace is read whole under each service it crosses: kept once.
  const seen = new Set<string>();
  let pages = 0;
  for (const service of services) {
    const read = readService(q, service, seen, problems, summary, pages);
    let r = await read.next();
    while (r.done !== true) {
      yield r.value;
      r = await read.next();
    }
    pages = r.value;
  }
}

/** One service's traces in the window; returns the requests made so far. */
async function* readService(
  q: JaegerQuery,
  service: string,
  seen: Set<string>,
  problems: Problems,
  summary: SourceSummary,
  pagesBefore: number,
): AsyncGenerator<Span[], number> {
  const limit = q.limit ?? 500;
  const maxPages = q.maxPages ?? 1000;
  const windows: [number, number][] = [[q.startMs, q.endMs]];
  let page = pagesBefore;
  for (; page < maxPages && windows.length > 0; page++) {
    const [start, end] = windows.pop()!;
    const doc = await fetchPage(q, tracesUrl({ ...q, startMs: start }, service, end));
    const data = isRecord(doc) && Array.isArray(doc.data) ? (doc.data as unknown[]) : [];
    const fresh = data.filter(
      (t) => isRecord(t) && typeof t.traceID === 'string' && !seen.has(t.traceID),
    ) as Record<string, unknown>[];
    for (const t of fresh) seen.add(t.traceID as string);
    const spans: Span[] = [];
    // In strict mode each answer's problems are checked before they join the rest. The line of
    // a problem is the request that answered it (1 for the first).
    countChecked(problems, q.strict === true, (p) =>
      convertValue({ data: fresh }, 'jaeger', {
        spans,
        problems: p,
        file: summary.file,
        line: page + 1,
      }),
    );
    summary.spans += spans.length;
    summary.lines++;
    q.onProgress?.({ label: 'reading Jaeger', done: seen.size, unit: 'traces' });
    if (spans.length > 0) yield spans;
    // A full answer: there may be more. Below a millisecond the window cannot be split.
    if (data.length >= limit && end - start > 1) {
      const mid = (start + end) / 2;
      windows.push([start, mid], [mid, end]);
    }
  }
  if (windows.length > 0) {
    problems.add(
      'badLine',
      summary.file,
      summary.lines,
      `stopped after ${maxPages} requests with part of the window unread; narrow --since or raise --limit`,
    );
  }
  return page;
}

export function jaegerSource(q: JaegerQuery): SpanSource {
  checkHttpUrl(q.url, 'the Jaeger URL');
  return {
    describe: `Jaeger at ${redactUrl(q.url)} (${q.service === undefined ? 'all services' : `service ${q.service}`})`,
    spans: (problems, summaries) => readJaeger(q, problems, summaries),
  };
}
