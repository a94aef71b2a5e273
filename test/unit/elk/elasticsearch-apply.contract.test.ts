// CONTRACT TEST: obs elk apply against a local server that answers as Elasticsearch does
// (test/support/es-contract-server.ts). No Elasticsearch can run here; see that file for what the
// server models.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { applyElasticsearch } from '../../../elk/apply/elasticsearch.js';
import type { ApplyOptions } from '../../../elk/apply/elasticsearch.js';
import { elasticResources } from '../../../elk/resources.js';
import { parseModel } from '../../../model/load.js';
import { EsContractServer } from '../../support/es-contract-server.js';
import type { EsContractOptions } from '../../support/es-contract-server.js';

const FIXTURE = 'test/fixtures/models/shop-flask-fastapi-express.obs.yaml';
const model = parseModel(readFileSync(FIXTURE, 'utf8'), FIXTURE);
const resources = elasticResources(model);
const FAST = { retries: 3, minDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000 };

let servers: EsContractServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

async function serve(opts: EsContractOptions = {}) {
  const server = new EsContractServer(opts);
  servers.push(server);
  return { server, url: await server.start() };
}

function apply(url: string, opts: Partial<ApplyOptions> = {}, res = resources) {
  return applyElasticsearch(res, { url, retry: FAST, ...opts });
}

async function failure(p: Promise<unknown>): Promise<ObsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ObsError);
  return err as ObsError;
}

describe('Elasticsearch contract: obs elk apply', () => {
  it('installs every resource, in order, with the 8.x compatibility media type', async () => {
    const { server, url } = await serve();
    const r = await apply(url);
    expect(r.version).toBe('8.19.2');
    expect(r.summary).toEqual({ created: resources.length, updated: 0, unchanged: 0 });
    expect(server.writes.map((w) => w.path)).toEqual(
      resources.map((x) => {
        const api = {
          ilm_policy: '_ilm/policy',
          ingest_pipeline: '_ingest/pipeline',
          component_template: '_component_template',
          index_template: '_index_template',
        }[x.kind];
        return `/${api}/${encodeURIComponent(x.name)}`;
      }),
    );
    for (const w of server.requests) {
      expect(w.headers.accept).toMatch(/application\/vnd\.elasticsearch\+json; ?compatible-with=8/);
    }
    for (const w of server.writes) {
      expect(w.headers['content-type']).toMatch(
        /application\/vnd\.elasticsearch\+json; ?compatible-with=8/,
      );
    }
    expect(server.indexTemplates.get('obs-shop-logs-orders_api')).toMatchObject({
      index_patterns: ['logs-orders_api-*'],
      priority: 200,
      template: { settings: { index: { default_pipeline: 'obs-shop-logs-orders_api' } } },
    });
    expect(server.policies.get('obs-shop-logs')?.policy).toMatchObject({
      phases: { delete: { min_age: '14d' } },
    });
  });

  it('a second apply changes nothing and says so', async () => {
    const { server, url } = await serve();
    await apply(url);
    const writes = server.writes.length;
    const again = await apply(url);
    expect(server.writes.length).toBe(writes);
    expect(again.summary).toEqual({ created: 0, updated: 0, unchanged: resources.length });
    expect(again.resources.every((x) => x.action === 'unchanged')).toBe(true);
  });

  it('a changed model updates only what changed, naming the field', async () => {
    const { server, url } = await serve();
    await apply(url);
    const before = server.writes.length;
    const longer = parseModel(
      readFileSync(FIXTURE, 'utf8').replace('retentionDays: 14', 'retentionDays: 30'),
    );
    const r = await apply(url, {}, elasticResources(longer));
    expect(r.summary).toEqual({ created: 0, updated: 1, unchanged: resources.length - 1 });
    const updated = r.resources.find((x) => x.action === 'updated');
    expect(updated).toMatchObject({
      kind: 'ilm_policy',
      changes: ['policy.phases.delete.min_age'],
    });
    expect(server.writes.length).toBe(before + 1);
  });

  it('puts back a resource someone edited on the server', async () => {
    const { server, url } = await serve();
    await apply(url);
    const p = server.pipelines.get('obs-shop-logs')!;
    server.pipelines.set('obs-shop-logs', {
      ...p,
      processors: [...(p.processors as unknown[]), { drop: {} }],
    });
    const r = await apply(url);
    expect(r.resources.filter((x) => x.action === 'updated').map((x) => x.name)).toEqual([
      'obs-shop-logs',
    ]);
    expect((server.pipelines.get('obs-shop-logs')!.processors as unknown[]).length).toBe(
      (p.processors as unknown[]).length,
    );
  });

  it('--dry-run reads but writes nothing', async () => {
    const { server, url } = await serve();
    const r = await apply(url, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.summary.created).toBe(resources.length);
    expect(server.writes).toEqual([]);
  });

  it('refuses a server without the x-elastic-product header, saying it is not Elasticsearch', async () => {
    const { server, url } = await serve({ product: false });
    const err = await failure(apply(url));
    expect(err.code).toBe('OBS_ES_NOT_ELASTICSEARCH');
    expect(err.message).toBe(
      `the server at ${url}/ is not Elasticsearch: its answer lacks the header x-elastic-product: Elasticsearch`,
    );
    expect(err.exit).toBe(78);
    expect(server.writes).toEqual([]);
  });

  it('explains an Elasticsearch 7 server that refuses the compatibility header', async () => {
    const { url } = await serve({ version: '7.17.9', legacy7: true });
    const err = await failure(apply(url));
    expect(err.code).toBe('OBS_ES_VERSION');
    expect(err.message).toMatch(/older than Elasticsearch 8/);
    expect(err.message).toMatch(/media_type_header_exception/);
  });

  it('refuses an Elasticsearch older than the features it uses', async () => {
    const { server, url } = await serve({ version: '8.11.4' });
    const err = await failure(apply(url));
    expect(err.code).toBe('OBS_ES_VERSION');
    expect(err.message).toBe(`Elasticsearch at ${url}/ is 8.11.4; obs needs 8.12 or newer`);
    expect(server.writes).toEqual([]);
  });

  it('works with Elasticsearch 9', async () => {
    const { url } = await serve({ version: '9.2.1' });
    expect((await apply(url)).summary.created).toBe(resources.length);
  });

  it('refuses Serverless, which has no ILM', async () => {
    const { url } = await serve({ buildFlavor: 'serverless' });
    expect((await failure(apply(url))).message).toMatch(/Serverless/);
  });

  it('sends the API key, and a refused one is exit 77 without the key in the message', async () => {
    const { server, url } = await serve({ apiKey: 'c2VjcmV0LWtleQ==' });
    const ok = await apply(url, { credentials: { apiKey: 'c2VjcmV0LWtleQ==' } });
    expect(ok.summary.created).toBe(resources.length);
    expect(server.requests[0]!.headers.authorization).toBe('ApiKey c2VjcmV0LWtleQ==');
    const err = await failure(apply(url, { credentials: { apiKey: 'd3Jvbmc=' } }));
    expect(err.code).toBe('OBS_ES_UNAUTHORIZED');
    expect(err.exit).toBe(77);
    expect(err.message).toMatch(/refused the credentials \(401\): security_exception/);
    expect(JSON.stringify([err.message, err.suggestions])).not.toContain('d3Jvbmc=');
  });

  it('basic auth from a URL with userinfo never shows the password', async () => {
    const { url } = await serve({ basic: { username: 'elastic', password: 'pw-s3cret' } });
    const withUser = url.replace('http://', 'http://elastic:wrong-pw@');
    const err = await failure(apply(withUser));
    expect(err.code).toBe('OBS_ES_UNAUTHORIZED');
    expect(err.message).not.toContain('wrong-pw');
    const ok = await apply(url, { credentials: { username: 'elastic', password: 'pw-s3cret' } });
    expect(ok.summary.created).toBe(resources.length);
  });

  it('a user without write privileges gets 403 explained with the privileges needed', async () => {
    const { url } = await serve({ readOnly: true });
    const err = await failure(apply(url));
    expect(err.code).toBe('OBS_ES_FORBIDDEN');
    expect(err.exit).toBe(77);
    expect(err.message).toContain('ILM policy obs-shop-logs');
    expect(err.suggestions.join(' ')).toMatch(
      /manage_index_templates, manage_pipeline and manage_ilm/,
    );
  });

  it('retries a 503 with backoff, then succeeds', async () => {
    const { server, url } = await serve({ unavailableFirst: 2 });
    const retries: number[] = [];
    const r = await apply(url, { onRetry: (i) => retries.push(i.attempt) });
    expect(retries).toEqual([1, 2]);
    expect(r.summary.created).toBe(resources.length);
    expect(server.requests.slice(0, 3).every((q) => q.path === '/')).toBe(true);
  });

  it('gives up on a server that stays unavailable, exit 69', async () => {
    const { url } = await serve({ unavailableFirst: 1000 });
    const err = await failure(apply(url));
    expect(err.code).toBe('OBS_SERVER_UNREACHABLE');
    expect(err.exit).toBe(69);
    expect(err.message).toMatch(/kept failing reading the server version: cluster_block_exception/);
  });

  it('reports an unreachable server after retries, exit 69', async () => {
    const { server, url } = await serve();
    await server.stop();
    const err = await failure(apply(url));
    expect(err.code).toBe('OBS_SERVER_UNREACHABLE');
    expect(err.exit).toBe(69);
    expect(err.message).toMatch(/^cannot reach Elasticsearch at http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('a redirect (an http -> https proxy) is exit 78 naming the Location, and is not followed', async () => {
    const { server, url } = await serve({ redirectTo: 'https://127.0.0.1:9200/' });
    const credentials = { username: 'elastic', password: 'pw-s3cret' };
    const err = await failure(apply(url, { credentials }));
    expect(err.code).toBe('OBS_REDIRECTED');
    expect(err.exit).toBe(78);
    expect(err.message).toBe(
      `Elasticsearch at ${url}/ answered 302, redirecting to https://127.0.0.1:9200/: use https://127.0.0.1:9200 instead of ${url} in --url`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 500 like any 5xx, then succeeds', async () => {
    const { url } = await serve({ unavailableFirst: 1, failStatus: 500 });
    const retries: number[] = [];
    const r = await apply(url, { onRetry: (i) => retries.push(i.attempt) });
    expect(retries).toEqual([1]);
    expect(r.summary.created).toBe(resources.length);
  });

  it('a 500 that persists is exit 69 after the retries, as for Grafana and Kibana', async () => {
    const { server, url } = await serve({ unavailableFirst: 1000, failStatus: 500 });
    const err = await failure(apply(url));
    expect(err.exit).toBe(69);
    expect(err.message).toMatch(/kept failing reading the server version/);
    expect(server.requests).toHaveLength(FAST.retries + 1);
  });

  it('does not retry a 4xx refusal', async () => {
    const { server, url } = await serve({ readOnly: true });
    await failure(apply(url));
    expect(server.writes).toHaveLength(1);
  });

  it('tells of each retry in one line: status, type and reason', async () => {
    const { url } = await serve({ unavailableFirst: 2 });
    const reasons: string[] = [];
    await apply(url, { onRetry: (i) => reasons.push(i.reason) });
    expect(reasons).toEqual(
      Array(2).fill(
        'HTTP 503 cluster_block_exception: blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];',
      ),
    );
  });

  it('credentials the server quotes back never reach errors or retry notices', async () => {
    const password = 'pw-s3cret-echo';
    const basic = Buffer.from(`elastic:${password}`).toString('base64');
    for (const credentials of [{ username: 'elastic', password }, { apiKey: basic }]) {
      const { url } = await serve({ unavailableFirst: 1000, echoAuthorization: true });
      const reasons: string[] = [];
      const err = await failure(
        apply(url, { credentials, onRetry: (i) => reasons.push(i.reason) }),
      );
      const shown = JSON.stringify([err.message, err.suggestions, reasons]);
      expect(shown).toContain('[redacted]');
      for (const secret of [password, basic, `elastic:${password}`]) {
        expect(shown).not.toContain(secret);
      }
    }
  });
});
