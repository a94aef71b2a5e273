/**
 * HTTP with timeouts and retries for the clients of Grafana, Jaeger and Kibana.
 *
 * Network failures, timeouts, 429 and 5xx answers are retried with exponential backoff and jitter
 * (p-retry). Other answers return at once for the caller to explain, except redirects, which are
 * never followed (credentials go only to the address the user gave) and become an error naming the
 * Location. When every attempt failed to get an answer, an `ObsError` says which server, how often
 * it was tried and why it failed. Credentials never reach messages: URLs are shown without
 * userinfo, query string and fragment (`redactUrl`), headers are never shown, and error bodies
 * have the sent credentials redacted.
 */
import pRetry, { AbortError } from 'p-retry';
import type { Options as PRetryOptions } from 'p-retry';
import { ExitCode, ObsError, messageOf } from './errors.js';
import { authorizationSecrets, redactor, urlForMessage } from './redact.js';
import type { Redact } from './redact.js';

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
  /** What the request does, for messages, e.g. `read folder obs-shop`. */
  what?: string;
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
  /** The flag the user gives this server's URL with, for hints, e.g. `--kibana-url`. */
  urlFlag?: string;
  retry?: RetryPolicy;
  /** Told about each failed attempt that will be retried (for progress output). */
  onRetry?: (info: { attempt: number; retriesLeft: number; reason: string }) => void;
}

/**
 * The URL for messages: without user and password, query string and fragment (`urlForMessage`),
 * as a query string may carry a token (`?api_key=`, `?token=`) just as the userinfo does.
 */
export function redactUrl(url: string): string {
  try {
    return urlForMessage(new URL(url).href);
  } catch {
    return '<invalid URL>';
  }
}

/** The URL to fetch: without user and password, which fetch refuses (they go as basic auth). */
function withoutUserinfo(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
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

/** The one rule every client retries by: overload (429) and server errors (5xx) may pass; other
 * answers (4xx) will not change on a second try. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** What a client says of a server that kept answering a retryable status until retries ran out. */
export interface KeptFailing {
  server: string;
  /** The server's address as shown (credentials already hidden). */
  where: string;
  /** What was being done, as it reads after "kept failing": `to push dashboards`. */
  what: string;
  res: HttpResponse;
  /** The server's own message from the answer, if any. */
  message?: string;
  code: string;
  suggestion: string;
}

/** The error every client gives once retries of a 5xx or 429 ran out (exit 69). */
export function keptFailingError(k: KeptFailing): ObsError {
  return new ObsError(
    `${k.server} at ${k.where} kept failing ${k.what}: HTTP ${k.res.status} after ${k.res.attempts} attempts${k.message ? ` (${k.message})` : ''}`,
    { code: k.code, exit: ExitCode.unavailable, suggestions: [k.suggestion] },
  );
}

const isRedirect = (status: number) => status >= 300 && status < 400;

export interface Redirect {
  server: string;
  /** The URL requested. */
  url: string;
  status: number;
  location: string | undefined;
  what?: string;
  urlFlag?: string;
}

function resolveLocation(location: string | undefined, base: URL): URL | undefined {
  if (location === undefined) return undefined;
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/**
 * A 3xx answer as a configuration error. Following it could send the credentials to another host
 * or over plain http; the Location tells the user which address to give instead. The same path on
 * another origin is a moved server (http -> https, say); another path is most likely a login page.
 * Both URLs are shown without query string: a login redirect carries its state and tokens there.
 */
export function redirectError(r: Redirect, redact: Redact = (t) => t): ObsError {
  const from = new URL(r.url);
  const to = resolveLocation(r.location, from);
  const flag = r.urlFlag ?? 'the URL';
  const where = to ? `, redirecting to ${redact(urlForMessage(to.href))}` : ' without a Location';
  const hint =
    to && to.pathname === from.pathname && to.origin !== from.origin
      ? `use ${to.origin} instead of ${from.origin} in ${flag}`
      : `likely a login page or an http->https redirect of an auth proxy in front of ${r.server}`;
  return new ObsError(
    `${r.server} at ${redact(urlForMessage(r.url))} answered ${r.status}${r.what ? ` (${r.what})` : ''}${where}: ${hint}`,
    {
      code: 'OBS_REDIRECTED',
      exit: ExitCode.config,
      suggestions: [
        `Give ${flag} the address ${r.server} itself answers on: obs does not follow redirects, so credentials go only to the address you give.`,
      ],
    },
  );
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

/** Retry notices stay one short warning line each, however the error's message was laid out. */
const MAX_REASON = 160;

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 3)}...` : line;
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
        onRetry?.({
          attempt: e.attemptNumber,
          retriesLeft: e.retriesLeft,
          reason: oneLine(e.message),
        });
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
  const url = withoutUserinfo(req.url);
  // Messages show the URL without its query string, which fetching needs.
  const shown = redactUrl(req.url);
  const redact = redactor(authorizationSecrets(headers.authorization ?? headers.Authorization));
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
      throw new Error(redact(describeNetworkError(err)));
    }
    const text = await res.text();
    const out: HttpResponse = {
      status: res.status,
      headers: res.headers,
      // Error answers get quoted in messages; success bodies are data and stay as they are.
      body: res.ok ? text : redact(text),
      attempts,
    };
    if (isRedirect(res.status)) {
      const redirect: Redirect = {
        server: ctx.server,
        url,
        status: res.status,
        location: res.headers.get('location') ?? undefined,
        ...(req.what ? { what: req.what } : {}),
        ...(ctx.urlFlag ? { urlFlag: ctx.urlFlag } : {}),
      };
      throw new AbortError(redirectError(redirect, redact));
    }
    if (isRetryableStatus(res.status)) throw new RetryableStatus(out);
    return out;
  };
  try {
    return await pRetry(attempt, retryOptions(policy, ctx.onRetry));
  } catch (err) {
    // The last answer was a 5xx/429: hand it to the caller, who knows what it means.
    if (err instanceof RetryableStatus) return { ...err.response, attempts };
    if (err instanceof ObsError) throw err;
    throw new ObsError(
      `cannot reach ${ctx.server} at ${shown} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${messageOf(err)}`,
      {
        code: 'OBS_SERVER_UNREACHABLE',
        exit: ExitCode.unavailable,
        suggestions: [`Check that ${ctx.server} is running and the URL is right.`],
        cause: err,
      },
    );
  }
}
