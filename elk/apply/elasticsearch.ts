/**
 * Installs the Elasticsearch resources with the official client, idempotently: each resource is
 * read first and written only when what the server has differs from what obs would put, so a
 * second run changes nothing and says so. A dry run only reads.
 *
 * Retries: the client's own retries are off (`maxRetries: 0`) because it retries 502-504 at once,
 * without backoff, and never retries 429; every call goes through one p-retry policy instead
 * (exponential backoff with jitter, the same defaults as core/http.ts) on connection errors,
 * timeouts, 429 and 502-504. Errors become `ObsError`s that say what to do; credentials never
 * appear in them (URLs are shown without userinfo, headers are never shown).
 */
import { Client, errors } from '@elastic/elasticsearch';
import pRetry, { AbortError } from 'p-retry';
import { ExitCode, ObsError, messageOf } from '../../core/errors.js';
import { redactUrl, retryOptions } from '../../core/http.js';
import type { RetryPolicy } from '../../core/http.js';
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
function reasonOf(err: errors.ResponseError): string {
  const body = err.meta.body as ErrorBody | string | undefined;
  if (typeof body === 'object' && body?.error) {
    const cause = body.error.root_cause?.[0];
    const type = body.error.type ?? cause?.type;
    const reason = body.error.reason ?? cause?.reason;
    if (type || reason) return [type, reason].filter(Boolean).join(': ');
  }
  return `HTTP ${err.meta.statusCode}`;
}

function errorType(err: errors.ResponseError): string | undefined {
  const body = err.meta.body as ErrorBody | undefined;
  return typeof body === 'object' ? body?.error?.type : undefined;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

function retryable(err: unknown): boolean {
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError) return true;
  return err instanceof errors.ResponseError && RETRY_STATUS.has(err.meta.statusCode ?? 0);
}

/** Turns a client error into an ObsError that says what went wrong and what to do. */
export function explain(err: unknown, url: string, what: string): ObsError {
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
        `Elasticsearch at ${url} refused the credentials (401): ${reasonOf(err)}`,
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
        `Elasticsearch at ${url} does not allow ${what} with these credentials (403): ${reasonOf(err)}`,
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
        `the server at ${url} does not accept Elasticsearch 8 requests (${reasonOf(err)}): it is older than Elasticsearch 8`,
        {
          code: 'OBS_ES_VERSION',
          exit: ExitCode.config,
          suggestions: [`obs needs Elasticsearch ${MIN_VERSION.join('.')} or newer.`],
          cause: err,
        },
      );
    }
    if (RETRY_STATUS.has(status)) {
      return new ObsError(`Elasticsearch at ${url} kept failing ${what}: ${reasonOf(err)}`, {
        code: 'OBS_SERVER_UNREACHABLE',
        exit: ExitCode.unavailable,
        suggestions: ['Check the cluster health (GET _cluster/health) and try again.'],
        cause: err,
      });
    }
    return new ObsError(`Elasticsearch at ${url} refused ${what} (${status}): ${reasonOf(err)}`, {
      code: 'OBS_ES_REJECTED',
      exit: ExitCode.dataError,
      cause: err,
    });
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError) {
    return new ObsError(`cannot reach Elasticsearch at ${url} (${what}): ${err.message}`, {
      code: 'OBS_SERVER_UNREACHABLE',
      exit: ExitCode.unavailable,
      suggestions: [`Check that ${SERVER} is running and the URL is right.`],
      cause: err,
    });
  }
  return new ObsError(`Elasticsearch at ${url}: ${what} failed: ${messageOf(err)}`, {
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

/** The stored form of a resource, in the shape of its request body, or undefined when absent. */
async function fetchCurrent(client: Client, r: ElasticResource): Promise<unknown> {
  try {
    switch (r.kind) {
      case 'ilm_policy': {
        const res = await client.ilm.getLifecycle({ name: r.name });
        const found = res[r.name];
        return found ? { policy: found.policy } : undefined;
      }
      case 'ingest_pipeline': {
        const res = await client.ingest.getPipeline({ id: r.name });
        return res[r.name];
      }
      case 'component_template': {
        const res = await client.cluster.getComponentTemplate({ name: r.name });
        return res.component_templates.find((t) => t.name === r.name)?.component_template;
      }
      case 'index_template': {
        const res = await client.indices.getIndexTemplate({ name: r.name });
        return res.index_templates.find((t) => t.name === r.name)?.index_template;
      }
    }
  } catch (err) {
    if (is404(err)) return undefined;
    throw err;
  }
}

async function put(client: Client, r: ElasticResource): Promise<void> {
  switch (r.kind) {
    case 'ilm_policy':
      await client.ilm.putLifecycle(r.body);
      return;
    case 'ingest_pipeline':
      await client.ingest.putPipeline(r.body);
      return;
    case 'component_template':
      await client.cluster.putComponentTemplate(r.body);
      return;
    case 'index_template':
      await client.indices.putIndexTemplate(r.body);
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
  const call = <T>(what: string, fn: () => Promise<T>): Promise<T> =>
    pRetry(
      async () => {
        try {
          return await fn();
        } catch (err) {
          throw retryable(err) ? err : new AbortError(explain(err, url, what));
        }
      },
      retryOptions(opts.retry, opts.onRetry),
    ).catch((err: unknown) => {
      throw explain(err, url, what);
    });

  try {
    const info = await call('reading the server version', () => client.info());
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
      const current = await call(`reading ${what}`, () => fetchCurrent(client, r));
      const changes = current === undefined ? [] : differences(requestBody(r), current);
      const action: ResourceAction =
        current === undefined ? 'created' : changes.length > 0 ? 'updated' : 'unchanged';
      if (action !== 'unchanged' && !opts.dryRun) {
        await call(`installing ${what} (PUT ${RESOURCE_API[r.kind].path}/${r.name})`, () =>
          put(client, r),
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
