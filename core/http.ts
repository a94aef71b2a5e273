/**
 * HTTP with timeouts and retries for the clients of Grafana, Jaeger and Kibana.
 *
 * Network failures, timeouts, 429 and 5xx answers are retried with exponential backoff and jitter
 * (p-retry). Other answers return at once for the caller to explain. When every attempt failed to
 * get an answer, an `ObsError` says which server, how often it was tried and why it failed.
 * Credentials never reach messages: URLs are shown without userinfo and headers are never shown.
 */
import pRetry, { AbortError } from 'p-retry';
import type { Options as PRetryOptions } from 'p-retry';
import { ExitCode, ObsError, messageOf } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. Default 4 (5 attempts). */
  retries?: number;
  /** Delay before the first retry, ms. Default 500. */
  minDelayMs?: number;
  /** Upper bound of one delay, ms. Default 8000. */
  maxDelayMs?: number;
  /** Time allowed for one attempt, ms. Default 10000. */
  timeoutMs?: number;
}

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
  /** How many attempts it took. */
  attempts: number;
}

export interface RequestContext {
  /** The server's product name for messages, e.g. `Grafana`. */
  server: string;
  retry?: RetryPolicy;
  /** Told about each failed attempt that will be retried (for progress output). */
  onRetry?: (info: { attempt: number; retriesLeft: number; reason: string }) => void;
}

/** The URL without user and password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '<invalid URL>';
  }
}

class RetryableStatus extends Error {
  constructor(readonly response: HttpResponse) {
    super(`HTTP ${response.status}`);
  }
}

/**
 * Throws a usage error unless `url` is an http(s) URL: a bad one fails at once rather than after
 * the retries (`localhost:16686` parses as a URL of scheme `localhost:`).
 */
export function checkHttpUrl(url: string, what = 'the URL'): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ObsError(`${what} is not a valid URL`, {
      code: 'OBS_BAD_URL',
      exit: ExitCode.usage,
      suggestions: ['Give the whole URL, e.g. http://localhost:16686'],
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ObsError(`${what} must start with http:// or https://`, {
      code: 'OBS_BAD_URL',
      exit: ExitCode.usage,
      suggestions: [`Did you mean ${redactUrl(`http://${url}`)}?`],
    });
  }
  return u;
}

/** Failures of fetch that no retry can mend: the URL itself is refused. */
const NOT_RETRYABLE_CAUSE = /^(bad port|unknown scheme|invalid url)/i;

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Cause chain of fetch's `TypeError: fetch failed`, e.g. ECONNREFUSED, as one line. */
function describeNetworkError(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const parts: string[] = [];
  let cur: unknown = err;
  while (cur instanceof Error && parts.length < 4) {
    const code = (cur as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? code : cur.message);
    cur = cur.cause;
  }
  return parts.length > 0 ? parts[parts.length - 1]! : messageOf(err);
}

/** p-retry options for a policy (defaults as documented on RetryPolicy), for clients that retry
 * their own calls (the Elasticsearch client); `onRetry` hears of each attempt that will be retried. */
export function retryOptions(
  policy: RetryPolicy = {},
  onRetry?: RequestContext['onRetry'],
): PRetryOptions {
  return {
    retries: policy.retries ?? 4,
    minTimeout: policy.minDelayMs ?? 500,
    maxTimeout: policy.maxDelayMs ?? 8_000,
    factor: 2,
    randomize: true,
    onFailedAttempt: (e) => {
      if (e.retriesLeft > 0) {
        onRetry?.({ attempt: e.attemptNumber, retriesLeft: e.retriesLeft, reason: e.message });
      }
    },
  };
}

export async function request(req: HttpRequest, ctx: RequestContext): Promise<HttpResponse> {
  const policy = ctx.retry ?? {};
  const timeoutMs = policy.timeoutMs ?? 10_000;
  // fetch refuses URLs with userinfo: turn it into basic auth unless the caller set Authorization.
  const headers: Record<string, string> = { ...req.headers };
  const u = checkHttpUrl(req.url);
  if (
    (u.username || u.password) &&
    headers.authorization === undefined &&
    headers.Authorization === undefined
  ) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    headers.authorization = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
  }
  const url = redactUrl(req.url);
  let attempts = 0;
  const attempt = async (): Promise<HttpResponse> => {
    attempts++;
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method ?? 'GET',
        headers,
        body: req.body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      if (err instanceof TypeError && !(err.cause instanceof Error)) {
        // An invalid URL or header, not a network failure: retrying cannot help.
        throw new AbortError(err);
      }
      const cause = err instanceof TypeError ? err.cause : undefined;
      if (cause instanceof Error && NOT_RETRYABLE_CAUSE.test(cause.message)) {
        throw new AbortError(cause.message);
      }
      throw new Error(describeNetworkError(err));
    }
    const out: HttpResponse = {
      status: res.status,
      headers: res.headers,
      body: await res.text(),
      attempts,
    };
    if (isRetryableStatus(res.status)) throw new RetryableStatus(out);
    return out;
  };
  try {
    return await pRetry(attempt, retryOptions(policy, ctx.onRetry));
  } catch (err) {
    // The last answer was a 5xx/429: hand it to the caller, who knows what it means.
    if (err instanceof RetryableStatus) return { ...err.response, attempts };
    throw new ObsError(
      `cannot reach ${ctx.server} at ${url} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${messageOf(err)}`,
      {
        code: 'OBS_SERVER_UNREACHABLE',
        exit: ExitCode.unavailable,
        suggestions: [`Check that ${ctx.server} is running and the URL is right.`],
        cause: err,
      },
    );
  }
}
