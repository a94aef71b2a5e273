/**
 * Installs the Elasticsearch resources with the official client, idempotently: each resource is
 * read first and written only when what the server has differs from what obs would put, so a
 * second run changes nothing and says so. A dry run only reads.
 *
 * Retries: the client's own retries are off (`maxRetries: 0`) because it retries 502-504 at once,
 * without backoff, and never retries 429; every call goes through one p-retry policy instead
 * (exponential backoff with jitter, the same defaults and the same statuses as core/http.ts) on
 * connection errors, timeouts, 429 and 5xx. Errors become `ObsError`s that say what to do;
 * credentials never appear in them (URLs are shown without userinfo, headers are never shown, and
 * the server's text has the credentials redacted, core/redact.ts).
 */
import { Client, errors } from '@elastic/elasticsearch';
import type { TransportResult } from '@elastic/elasticsearch';
import pRetry, { AbortError } from 'p-retry';
import { ExitCode, ObsError, messageOf } from '../../core/errors.js';
import { isRetryableStatus, redactUrl, redirectError, retryOptions } from '../../core/http.js';
import type { RetryPolicy } from '../../core/http.js';
import { authorizationSecrets, redactor } from '../../core/redact.js';
import type { Redact } from '../../core/redact.js';
import type { ProgressFn } from '../../core/progress.js';
import { RESOURCE_API, requestBody } from '../generator.js';
import type { ElasticResource, ResourceKind } from '../resources.js';
import { differences } from './compare.js';

/** Oldest Elasticsearch obs installs into: pipeline processors' `ignore_missing_pipeline` and the
 * managed logs@* component templates obs composes arrived in 8.12. */
export const MIN_VERSION = [8, 12] as const;

export type Credentials = { apiKey: string } | { username: string; password: string };

export interface ApplyOptions {
  url: string;
  credentials?: Credentials;
  /** PEM text of a CA certificate for an https URL with a private CA. */
  caCert?: string;
  dryRun?: boolean;
  retry?: RetryPolicy;
  onRetry?: (info: { attempt: number; retriesLeft: number; reason: string }) => void;
  onProgress?: ProgressFn;
}

export type ResourceAction = 'created' | 'updated' | 'unchanged';

export interface ResourceOutcome {
  kind: ResourceKind;
  name: string;
  /** In a dry run: what a real run would do. */
  action: ResourceAction;
  /** For `updated`: the fields that differ (dotted paths). */
  changes?: string[];
}

export interface ElasticsearchApplyResult {
  url: string;
  version: string;
  dryRun: boolean;
  resources: ResourceOutcome[];
  summary: Record<ResourceAction, number>;
}

const SERVER = 'Elasticsearch';

interface ErrorBody {
  error?: { type?: string; reason?: string; root_cause?: { type?: string; reason?: string }[] };
}

/** `type: reason` of an Elasticsearch error body, or the status. */
function reasonOf(err: errors.ResponseError, redact: Redact): string {
  const body = err.meta.body as ErrorBody | string | undefined;
  if (typeof body === 'object' && body?.error) {
    const cause = body.error.root_cause?.[0];
    const type = body.error.type ?? cause?.type;
    const reason = body.error.reason ?? cause?.reason;
    if (type || reason) return redact([type, reason].filter(Boolean).join(': '));
  }
  return `HTTP ${err.meta.statusCode}`;
}

function errorType(err: errors.ResponseError): string | undefined {
  const body = err.meta.body as ErrorBody | undefined;
  return typeof body === 'object' ? body?.error?.type : undefined;
}

function retryable(err: unknown): boolean {
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError) return true;
  return err instanceof errors.ResponseError && isRetryableStatus(err.meta.statusCode ?? 0);
}

/** A failure that will be retried, with a one-line reason for the retry notice (the client's
 * message spans lines: "Root causes:" and tabs). */
class Retrying extends Error {
  constructor(
    readonly failure: unknown,
    redact: Redact,
  ) {
    super(
      failure instanceof errors.ResponseError
        ? `HTTP ${failure.meta.statusCode} ${reasonOf(failure, redact)}`
        : redact(messageOf(failure)),
    );
  }
}

/** Turns a client error into an ObsError that says what went wrong and what to do. */
export function explain(
  err: unknown,
  url: string,
  what: string,
  redact: Redact = (text) => text,
): ObsError {
  if (err instanceof ObsError) return err;
  if (err instanceof errors.ProductNotSupportedError) {
    return new ObsError(
      `the server at ${url} is not Elasticsearch: its answer lacks the header x-elastic-product: Elasticsearch`,
      {
        code: 'OBS_ES_NOT_ELASTICSEARCH',
        exit: ExitCode.config,
        suggestions: [
          'Check the URL points at Elasticsearch (port 9200), not Kibana, Logstash or a proxy that drops headers.',
          'OpenSearch and Elasticsearch before 7.14 are not supported.',
        ],
        cause: err,
      },
    );
  }
  if (err instanceof errors.ResponseError) {
    const status = err.meta.statusCode ?? 0;
    if (status === 401) {
      return new ObsError(
        `Elasticsearch at ${url} refused the credentials (401): ${reasonOf(err, redact)}`,
        {
          code: 'OBS_ES_UNAUTHORIZED',
          exit: ExitCode.noPermission,
          suggestions: [
            'Set OBS_ES_API_KEY, or OBS_ES_USERNAME and OBS_ES_PASSWORD, in the environment.',
          ],
          cause: err,
        },
      );
    }
    if (status === 403) {
      return new ObsError(
        `Elasticsearch at ${url} does not allow ${what} with these credentials (403): ${reasonOf(err, redact)}`,
        {
          code: 'OBS_ES_FORBIDDEN',
          exit: ExitCode.noPermission,
          suggestions: [
            'The user or API key needs the cluster privileges manage_index_templates, manage_pipeline and manage_ilm.',
          ],
          cause: err,
        },
      );
    }
    if (errorType(err) === 'media_type_header_exception') {
      return new ObsError(
        `the server at ${url} does not accept Elasticsearch 8 requests (${reasonOf(err, redact)}): it is older than Elasticsearch 8`,
        {
          code: 'OBS_ES_VERSION',
          exit: ExitCode.config,
          suggestions: [`obs needs Elasticsearch ${MIN_VERSION.join('.')} or newer.`],
          cause: err,
        },
      );
    }
    if (isRetryableStatus(status)) {
      return new ObsError(
        `Elasticsearch at ${url} kept failing ${what}: ${reasonOf(err, redact)}`,
        {
          code: 'OBS_SERVER_UNREACHABLE',
          exit: ExitCode.unavailable,
          suggestions: ['Check the cluster health (GET _cluster/health) and try again.'],
          cause: err,
        },
      );
    }
    return new ObsError(
      `Elasticsearch at ${url} refused ${what} (${status}): ${reasonOf(err, redact)}`,
      {
        code: 'OBS_ES_REJECTED',
        exit: ExitCode.dataError,
        cause: err,
      },
    );
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError) {
    return new ObsError(`cannot reach Elasticsearch at ${url} (${what}): ${redact(err.message)}`, {
      code: 'OBS_SERVER_UNREACHABLE',
      exit: ExitCode.unavailable,
      suggestions: [`Check that ${SERVER} is running and the URL is right.`],
      cause: err,
    });
  }
  return new ObsError(`Elasticsearch at ${url}: ${what} failed: ${redact(messageOf(err))}`, {
    code: 'OBS_ES_FAILED',
    cause: err,
  });
}

/** A parsed `major.minor.patch` (build suffixes such as -SNAPSHOT ignored). */
function parseVersion(v: string): number[] {
  return v.split(/[.-]/).slice(0, 3).map(Number);
}

function tooOld(version: string): boolean {
  const [major = 0, minor = 0] = parseVersion(version);
  return major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1]);
}

const is404 = (err: unknown) => err instanceof errors.ResponseError && err.meta.statusCode === 404;

/** Every call asks for the status (`meta: true`): see `bodyOf`. */
const META = { meta: true } as const;

/**
 * The answer's body, unless it is a redirect. Elasticsearch never redirects, so a 3xx comes from a
 * proxy or an http->https redirect in front of it; the client would hand back its empty body as if
 * it were the answer. The client does not follow it, and neither does obs (credentials).
 */
function bodyOf<T>(res: TransportResult<T>, base: string, redact: Redact): T {
  if (res.statusCode < 300 || res.statusCode >= 400) return res.body;
  throw redirectError(
    {
      server: SERVER,
      url: base.replace(/\/+$/, '') + res.meta.request.params.path,
      status: res.statusCode,
      location: res.headers.location,
      urlFlag: '--url',
    },
    redact,
  );
}

type Unwrap = <T>(res: TransportResult<T>) => T;

/** The stored form of a resource, in the shape of its request body, or undefined when absent. */
async function fetchCurrent(client: Client, r: ElasticResource, body: Unwrap): Promise<unknown> {
  try {
    switch (r.kind) {
      case 'ilm_policy': {
        const res = body(await client.ilm.getLifecycle({ name: r.name }, META));
        const found = res[r.name];
        return found ? { policy: found.policy } : undefined;
      }
      case 'ingest_pipeline': {
        const res = body(await client.ingest.getPipeline({ id: r.name }, META));
        return res[r.name];
      }
      case 'component_template': {
        const res = body(await client.cluster.getComponentTemplate({ name: r.name }, META));
        return res.component_templates.find((t) => t.name === r.name)?.component_template;
      }
      case 'index_template': {
        const res = body(await client.indices.getIndexTemplate({ name: r.name }, META));
        return res.index_templates.find((t) => t.name === r.name)?.index_template;
      }
    }
  } catch (err) {
    if (is404(err)) return undefined;
    throw err;
  }
}

async function put(client: Client, r: ElasticResource, body: Unwrap): Promise<void> {
  switch (r.kind) {
    case 'ilm_policy':
      body(await client.ilm.putLifecycle(r.body, META));
      return;
    case 'ingest_pipeline':
      body(await client.ingest.putPipeline(r.body, META));
      return;
    case 'component_template':
      body(await client.cluster.putComponentTemplate(r.body, META));
      return;
    case 'index_template':
      body(await client.indices.putIndexTemplate(r.body, META));
      return;
  }
}

const LABEL: Record<ResourceKind, string> = {
  ilm_policy: 'ILM policy',
  ingest_pipeline: 'ingest pipeline',
  component_template: 'component template',
  index_template: 'index template',
};

export function describeResource(r: { kind: ResourceKind; name: string }): string {
  return `${LABEL[r.kind]} ${r.name}`;
}

/** The Authorization header for these credentials, as Elasticsearch and Kibana take it. */
export function authorization(c: Credentials): string {
  if ('apiKey' in c) return `ApiKey ${c.apiKey}`;
  return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
}

/** Credentials given, or in the URL's userinfo (which the client sends as basic auth). */
function credentialsIn(opts: ApplyOptions): Credentials[] {
  const found: Credentials[] = opts.credentials ? [opts.credentials] : [];
  try {
    const u = new URL(opts.url);
    if (u.username || u.password) {
      found.push({
        username: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
      });
    }
  } catch {
    // an invalid URL: the client refuses it before any request
  }
  return found;
}

export function createClient(opts: ApplyOptions): Client {
  return new Client({
    node: opts.url,
    ...(opts.credentials ? { auth: opts.credentials } : {}),
    ...(opts.caCert ? { tls: { ca: opts.caCert } } : {}),
    maxRetries: 0,
    requestTimeout: opts.retry?.timeoutMs ?? 30_000,
    name: 'obs',
  });
}

/** Installs `resources` in order; see the module comment. */
export async function applyElasticsearch(
  resources: readonly ElasticResource[],
  opts: ApplyOptions,
): Promise<ElasticsearchApplyResult> {
  const url = redactUrl(opts.url);
  const client = createClient(opts);
  const redact = redactor(
    credentialsIn(opts).flatMap((c) => authorizationSecrets(authorization(c))),
  );
  const body: Unwrap = (res) => bodyOf(res, url, redact);
  const call = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    pRetry(
      async () => {
        try {
          return await fn();
        } catch (err) {
          if (retryable(err)) throw new Retrying(err, redact);
          throw new AbortError(explain(err, url, what, redact));
        }
      },
      retryOptions(opts.retry, opts.onRetry),
    ).catch((err: unknown) => {
      throw explain(err instanceof Retrying ? err.failure : err, url, what, redact);
    });

  try {
    const info = await call('reading the server version', async () =>
      body(await client.info(undefined, META)),
    );
    const version = info.version.number;
    if (info.version.build_flavor === 'serverless') {
      throw new ObsError(`Elasticsearch at ${url} is Serverless, which has no ILM policies`, {
        code: 'OBS_ES_VERSION',
        exit: ExitCode.config,
        suggestions: ['obs elk apply needs a self-managed or Elastic Cloud hosted deployment.'],
      });
    }
    if (tooOld(version)) {
      throw new ObsError(
        `Elasticsearch at ${url} is ${version}; obs needs ${MIN_VERSION.join('.')} or newer`,
        {
          code: 'OBS_ES_VERSION',
          exit: ExitCode.config,
          suggestions: [
            'Upgrade the cluster, or install the files under observability/elasticsearch by hand after adapting them.',
          ],
        },
      );
    }
    const outcomes: ResourceOutcome[] = [];
    const progress = (done: number) =>
      opts.onProgress?.({
        label: 'Elasticsearch',
        done,
        total: resources.length,
        unit: 'resources',
      });
    for (const [i, r] of resources.entries()) {
      progress(i);
      const what = describeResource(r);
      const current = await call(`reading ${what}`, () => fetchCurrent(client, r, body));
      const changes = current === undefined ? [] : differences(requestBody(r), current);
      const action: ResourceAction =
        current === undefined ? 'created' : changes.length > 0 ? 'updated' : 'unchanged';
      if (action !== 'unchanged' && !opts.dryRun) {
        await call(`installing ${what} (PUT ${RESOURCE_API[r.kind].path}/${r.name})`, () =>
          put(client, r, body),
        );
      }
      outcomes.push({
        kind: r.kind,
        name: r.name,
        action,
        ...(action === 'updated' ? { changes } : {}),
      });
    }
    progress(resources.length);
    const summary = { created: 0, updated: 0, unchanged: 0 };
    for (const o of outcomes) summary[o.action]++;
    return { url, version, dryRun: opts.dryRun ?? false, resources: outcomes, summary };
  } finally {
    await client.close();
  }
}
