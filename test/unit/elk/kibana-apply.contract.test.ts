// CONTRACT TEST: the Kibana part of obs elk apply against a local server that answers as Kibana
// does (test/support/kibana-contract-server.ts). No Kibana can run here.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { applyKibana } from '../../../elk/apply/kibana.js';
import { elkNames } from '../../../elk/names.js';
import { parseModel } from '../../../model/load.js';
import { KibanaContractServer } from '../../support/kibana-contract-server.js';

const FIXTURE = 'test/fixtures/models/shop-flask-fastapi-express.obs.yaml';
const model = parseModel(readFileSync(FIXTURE, 'utf8'), FIXTURE);
const names = elkNames(model);
const FAST = { retries: 2, minDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 };

let servers: KibanaContractServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

async function serve(opts = {}) {
  const server = new KibanaContractServer(opts);
  servers.push(server);
  return { server, url: await server.start() };
}

describe('Kibana contract: obs elk apply --kibana-url', () => {
  it('creates the data view, then imports the saved searches that reference it', async () => {
    const { server, url } = await serve();
    const r = await applyKibana(model, { url, retry: FAST });
    expect(r.summary).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(server.dataViews.get(names.dataView)).toMatchObject({
      title: 'logs-storefront-*,logs-orders_api-*,logs-payments-*',
      timeFieldName: '@timestamp',
    });
    expect(server.savedObjects.has(`search/${names.errorsSearch}`)).toBe(true);
    expect(server.savedObjects.has(`search/${names.traceSearch}`)).toBe(true);
    expect(server.writes.every((w) => w.headers['kbn-xsrf'] !== undefined)).toBe(true);
    expect(server.writes.map((w) => w.path)).toEqual([
      '/api/data_views/data_view',
      '/api/saved_objects/_import?overwrite=true',
    ]);
  });

  it('a second apply changes nothing, although Kibana re-serialized the searches', async () => {
    const { server, url } = await serve();
    await applyKibana(model, { url, retry: FAST });
    const writes = server.writes.length;
    const r = await applyKibana(model, { url, retry: FAST });
    expect(r.summary).toEqual({ created: 0, updated: 0, unchanged: 3 });
    expect(server.writes.length).toBe(writes);
  });

  it('updates a data view whose title someone changed', async () => {
    const { server, url } = await serve();
    await applyKibana(model, { url, retry: FAST });
    server.dataViews.set(names.dataView, {
      ...server.dataViews.get(names.dataView),
      title: 'logs-*',
    });
    const r = await applyKibana(model, { url, retry: FAST });
    expect(r.objects[0]).toMatchObject({
      type: 'data-view',
      action: 'updated',
      changes: ['title'],
    });
    expect(server.dataViews.get(names.dataView)?.title).toBe(
      'logs-storefront-*,logs-orders_api-*,logs-payments-*',
    );
  });

  it('dry run writes nothing', async () => {
    const { server, url } = await serve();
    const r = await applyKibana(model, { url, retry: FAST, dryRun: true });
    expect(r.summary.created).toBe(3);
    expect(server.writes).toEqual([]);
  });

  it('a refused API key is exit 77 and the key is not shown', async () => {
    const { url } = await serve({ apiKey: 'a2liYW5h' });
    const err = await applyKibana(model, {
      url,
      retry: FAST,
      credentials: { apiKey: 'bm9wZQ==' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    expect((err as ObsError).exit).toBe(77);
    expect((err as ObsError).message).toMatch(/refused the credentials \(401\)/);
    expect((err as ObsError).message).not.toContain('bm9wZQ==');
  });

  it('a redirect to a login page is exit 78 naming the Location, and is not followed', async () => {
    const { server, url } = await serve({ redirectTo: '/login?next=%2Fapi' });
    const err = (await applyKibana(model, { url, retry: FAST }).catch(
      (e: unknown) => e,
    )) as ObsError;
    expect(err.code).toBe('OBS_REDIRECTED');
    expect(err.exit).toBe(78);
    // Shown without its query string, where login pages keep state and tokens.
    expect(err.message).toContain(`redirecting to ${url}/login: likely a login page`);
    expect(err.suggestions.join(' ')).toContain('--kibana-url');
    expect(server.requests).toHaveLength(1);
  });

  it('a 429 that persists is exit 69 after the retries, like a 5xx', async () => {
    const { server, url } = await serve({ failFirst: { count: 100, status: 429 } });
    const err = (await applyKibana(model, { url, retry: FAST }).catch(
      (e: unknown) => e,
    )) as ObsError;
    expect(err.exit).toBe(69);
    expect(err.message).toMatch(/kept failing reading the data view .*: HTTP 429 after 3 attempts/);
    expect(server.requests).toHaveLength(FAST.retries + 1);
  });

  it('credentials the server quotes back are redacted from the error', async () => {
    const password = 'kb-s3cret-echo';
    const { url } = await serve({
      failFirst: { count: 100, status: 503, echoAuthorization: true },
    });
    const err = (await applyKibana(model, {
      url,
      retry: FAST,
      credentials: { username: 'elastic', password },
    }).catch((e: unknown) => e)) as ObsError;
    expect(err.message).toContain('Basic [redacted]');
    expect(err.message).not.toContain(Buffer.from(`elastic:${password}`).toString('base64'));
  });
});
