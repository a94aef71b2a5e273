/**
 * Installs the Kibana data view (data views API) and saved searches (saved objects import API),
 * idempotently like the Elasticsearch part: read, compare, write only what differs. HTTP goes
 * through core/http.ts (timeouts, retries with backoff); Kibana's write APIs need `kbn-xsrf`.
 */
import { ExitCode, ObsError } from '../../core/errors.js';
import { isRetryableStatus, keptFailingError, redactUrl, request } from '../../core/http.js';
import type { HttpRequest, HttpResponse, RetryPolicy } from '../../core/http.js';
import type { SystemModel } from '../../model/schema.js';
import { dataView, savedSearches, toNdjson } from '../kibana.js';
import type { DataViewSpec, SavedObject } from '../kibana.js';
import { differences } from './compare.js';
import { authorization } from './elasticsearch.js';
import type { Credentials, ResourceAction } from './elasticsearch.js';

export interface KibanaApplyOptions {
  url: string;
  credentials?: Credentials;
  dryRun?: boolean;
  retry?: RetryPolicy;
  onRetry?: (info: { attempt: number; retriesLeft: number; reason: string }) => void;
}

export interface KibanaOutcome {
  type: 'data-view' | 'search';
  id: string;
  title: string;
  action: ResourceAction;
  changes?: string[];
}

export interface KibanaApplyResult {
  url: string;
  dryRun: boolean;
  objects: KibanaOutcome[];
  summary: Record<ResourceAction, number>;
}

function authHeader(c: Credentials | undefined): Record<string, string> {
  return c === undefined ? {} : { authorization: authorization(c) };
}

interface KibanaClient {
  call(what: string, req: Omit<HttpRequest, 'url'> & { path: string }): Promise<HttpResponse>;
  url: string;
}

function kibanaClient(opts: KibanaApplyOptions): KibanaClient {
  const base = opts.url.replace(/\/+$/, '');
  const url = redactUrl(base);
  return {
    url,
    async call(what, req) {
      const res = await request(
        {
          method: req.method,
          url: base + req.path,
          headers: {
            'kbn-xsrf': 'obs',
            accept: 'application/json',
            ...authHeader(opts.credentials),
            ...req.headers,
          },
          body: req.body,
          what,
        },
        { server: 'Kibana', urlFlag: '--kibana-url', retry: opts.retry, onRetry: opts.onRetry },
      );
      checkAnswer(res, what, url);
      return res;
    },
  };
}

function refusedCredentials(res: HttpResponse, what: string, url: string): ObsError {
  const unauthorized = res.status === 401;
  return new ObsError(
    `Kibana at ${url} ${unauthorized ? 'refused the credentials' : `does not allow ${what} with these credentials`} (${res.status}): ${messageOf(res)}`,
    {
      code: unauthorized ? 'OBS_KIBANA_UNAUTHORIZED' : 'OBS_KIBANA_FORBIDDEN',
      exit: ExitCode.noPermission,
      suggestions: [
        unauthorized
          ? 'Set OBS_ES_API_KEY, or OBS_ES_USERNAME and OBS_ES_PASSWORD; Kibana takes the same credentials.'
          : 'The user needs the Kibana privilege "All" on Data View Management and Discover.',
      ],
    },
  );
}

/** Throws what an answer other than success or 404 means. A retried 5xx/429 is checked before the
 * content type: a proxy's HTML 502 page is an unavailable Kibana, not a wrong URL. */
function checkAnswer(res: HttpResponse, what: string, url: string): void {
  if (res.status === 401 || res.status === 403) throw refusedCredentials(res, what, url);
  if (isRetryableStatus(res.status)) {
    throw keptFailingError({
      server: 'Kibana',
      where: url,
      what,
      res,
      message: messageOf(res),
      code: 'OBS_KIBANA_SERVER_ERROR',
      suggestion: "Check Kibana's status page and log; run obs elk apply again when it is healthy.",
    });
  }
  if (res.status !== 404 && !(res.headers.get('content-type') ?? '').includes('json')) {
    throw new ObsError(
      `the server at ${url} does not answer as Kibana does (${what}: HTTP ${res.status}, ${res.headers.get('content-type') ?? 'no content type'})`,
      {
        code: 'OBS_KIBANA_NOT_KIBANA',
        exit: ExitCode.config,
        suggestions: ['Check that --kibana-url points at Kibana (port 5601), with its base path.'],
      },
    );
  }
  if (res.status >= 400 && res.status !== 404) {
    throw new ObsError(`Kibana at ${url} refused ${what} (${res.status}): ${messageOf(res)}`, {
      code: 'OBS_KIBANA_REJECTED',
      exit: ExitCode.dataError,
    });
  }
}

/** Kibana errors are {statusCode, error, message}. */
function messageOf(res: HttpResponse): string {
  try {
    const body = JSON.parse(res.body) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${res.status}`;
}

function parse<T>(res: HttpResponse, what: string, url: string): T {
  try {
    return JSON.parse(res.body) as T;
  } catch {
    throw new ObsError(`Kibana at ${url} sent invalid JSON (${what})`, {
      code: 'OBS_KIBANA_BAD_ANSWER',
      exit: ExitCode.dataError,
    });
  }
}

async function applyDataView(
  k: KibanaClient,
  spec: DataViewSpec,
  dryRun: boolean,
): Promise<KibanaOutcome> {
  const { id, ...attrs } = spec;
  const what = `the data view ${id}`;
  const path = `/api/data_views/data_view/${encodeURIComponent(id)}`;
  const current = await k.call(`reading ${what}`, { path });
  const outcome = (action: ResourceAction, changes?: string[]): KibanaOutcome => ({
    type: 'data-view',
    id,
    title: spec.name,
    action,
    ...(changes ? { changes } : {}),
  });
  const json = { 'content-type': 'application/json' };
  if (current.status === 404) {
    if (!dryRun) {
      await k.call(`creating ${what}`, {
        method: 'POST',
        path: '/api/data_views/data_view',
        headers: json,
        body: JSON.stringify({ data_view: spec, override: true }),
      });
    }
    return outcome('created');
  }
  const have = parse<{ data_view?: unknown }>(current, `reading ${what}`, k.url).data_view;
  const changes = differences(attrs, have);
  if (changes.length === 0) return outcome('unchanged');
  if (!dryRun) {
    await k.call(`updating ${what}`, {
      method: 'POST',
      path,
      headers: json,
      body: JSON.stringify({ data_view: attrs }),
    });
  }
  return outcome('updated', changes);
}

interface ImportAnswer {
  success?: boolean;
  errors?: { id?: string; type?: string; error?: { type?: string; message?: string } }[];
}

/** Imports saved objects as the UI does: multipart/form-data with an NDJSON `file`. */
async function importObjects(k: KibanaClient, objects: SavedObject[]): Promise<void> {
  const boundary = `obs${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
  const body =
    `--${boundary}\r\n` +
    'Content-Disposition: form-data; name="file"; filename="obs-saved-objects.ndjson"\r\n' +
    'Content-Type: application/ndjson\r\n\r\n' +
    toNdjson(objects) +
    `\r\n--${boundary}--\r\n`;
  const what = 'importing saved searches';
  const res = await k.call(what, {
    method: 'POST',
    path: '/api/saved_objects/_import?overwrite=true',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });
  const answer = parse<ImportAnswer>(res, what, k.url);
  if (answer.success !== true) {
    const first = answer.errors?.[0];
    throw new ObsError(
      `Kibana at ${k.url} did not import the saved searches: ${first ? `${first.type}/${first.id}: ${first.error?.type ?? ''} ${first.error?.message ?? ''}`.trim() : 'no reason given'}`,
      { code: 'OBS_KIBANA_REJECTED', exit: ExitCode.dataError },
    );
  }
}

export async function applyKibana(
  model: SystemModel,
  opts: KibanaApplyOptions,
): Promise<KibanaApplyResult> {
  const k = kibanaClient(opts);
  const dryRun = opts.dryRun ?? false;
  // The data view first: the searches reference it.
  const objects: KibanaOutcome[] = [await applyDataView(k, dataView(model), dryRun)];
  const toImport: SavedObject[] = [];
  for (const search of savedSearches(model)) {
    const what = `the saved search ${search.id}`;
    const res = await k.call(`reading ${what}`, {
      path: `/api/saved_objects/search/${encodeURIComponent(search.id)}`,
    });
    let action: ResourceAction = 'created';
    let changes: string[] | undefined;
    if (res.status !== 404) {
      const have = parse<{ attributes?: unknown; references?: unknown }>(res, what, k.url);
      changes = differences({ attributes: search.attributes, references: search.references }, have);
      action = changes.length === 0 ? 'unchanged' : 'updated';
    }
    if (action !== 'unchanged') toImport.push(search);
    objects.push({
      type: 'search',
      id: search.id,
      title: search.type === 'search' ? search.attributes.title : search.id,
      action,
      ...(action === 'updated' ? { changes } : {}),
    });
  }
  if (toImport.length > 0 && !dryRun) await importObjects(k, toImport);
  const summary = { created: 0, updated: 0, unchanged: 0 };
  for (const o of objects) summary[o.action]++;
  return { url: k.url, dryRun, objects, summary };
}
