// CONTRACT TEST: the `obs elk apply` command, run as a user runs it (the built binary), against
// local servers that answer as Elasticsearch and Kibana do (test/support/*-contract-server.ts).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ElkApplyResult } from '../../../cli/commands/elk/apply.js';
import { runObs } from '../../support/run-obs.js';
import { EsContractServer } from '../../support/es-contract-server.js';
import type { EsContractOptions } from '../../support/es-contract-server.js';
import { KibanaContractServer } from '../../support/kibana-contract-server.js';

const FIXTURE = 'test/fixtures/models/shop-flask-fastapi-express.obs.yaml';
let dir: string;
let servers: { stop(): Promise<void> }[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'obs-elk-apply-'));
  copyFileSync(FIXTURE, path.join(dir, 'obs.yaml'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

async function es(opts: EsContractOptions = {}) {
  const server = new EsContractServer(opts);
  servers.push(server);
  return { server, url: await server.start() };
}

const PASSWORD = 'Zq7-not-for-output';

// Each case starts node once or more: allow for a loaded machine.
describe('Elasticsearch contract: the obs elk apply command', { timeout: 60_000 }, () => {
  it('installs, then says there is nothing to change; --json has a stable shape', async () => {
    const { server, url } = await es({ basic: { username: 'obs', password: PASSWORD } });
    const env = { OBS_ES_USERNAME: 'obs', OBS_ES_PASSWORD: PASSWORD };
    const first = await runObs(['elk', 'apply', '--url', url, '--dir', dir], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^created {6}ILM policy obs-shop-logs$/m);
    expect(first.stdout).toContain(
      'Elasticsearch 8.19.2 at ' + url + '/: 12 created, 0 updated, 0 unchanged.',
    );
    expect(first.stdout).toContain('next rollover');
    const writes = server.writes.length;
    const second = await runObs(['elk', 'apply', '--url', url, '--dir', dir, '--json'], { env });
    expect(second.code).toBe(0);
    const result = JSON.parse(second.stdout) as ElkApplyResult;
    expect(Object.keys(result).sort()).toEqual(['dryRun', 'elasticsearch', 'model']);
    expect(result.elasticsearch.summary).toEqual({ created: 0, updated: 0, unchanged: 12 });
    expect(result.elasticsearch.resources[0]).toEqual({
      kind: 'ilm_policy',
      name: 'obs-shop-logs',
      action: 'unchanged',
    });
    expect(server.writes.length).toBe(writes);
    const human = await runObs(['elk', 'apply', '--url', url, '--dir', dir], { env });
    expect(human.stdout).toContain('nothing to change, all 12 already as obs.yaml says.');
    for (const r of [first, second, human]) expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('--dry-run shows what it would do and writes nothing', async () => {
    const { server, url } = await es();
    const r = await runObs(['elk', 'apply', '--url', url, '--dir', dir, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^would create {1}index template obs-shop-logs-payments$/m);
    expect(r.stdout).toContain('12 would create, 0 would update, 0 unchanged.');
    expect(server.writes).toEqual([]);
  });

  it('refuses a server without the product header, exit 78, as a --json error', async () => {
    const { url } = await es({ product: false });
    const r = await runObs(['elk', 'apply', '--url', url, '--dir', dir, '--json']);
    expect(r.code).toBe(78);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('OBS_ES_NOT_ELASTICSEARCH');
    expect(error.message).toContain('lacks the header x-elastic-product: Elasticsearch');
  });

  it('refused credentials: exit 77, and neither password nor key appears', async () => {
    const { url } = await es({ apiKey: 'cmlnaHQ=' });
    const r = await runObs(['elk', 'apply', '--url', url, '--dir', dir], {
      env: { OBS_ES_API_KEY: 'd3Jvbmcta2V5' },
    });
    expect(r.code).toBe(77);
    expect(r.stderr.replace(/\s+›?\s*/g, ' ')).toMatch(/refused the credentials \(401\)/);
    expect(r.stdout + r.stderr).not.toContain('d3Jvbmcta2V5');
  });

  it('a user name without a password is a usage error before any request', async () => {
    const { server, url } = await es();
    const r = await runObs(['elk', 'apply', '--url', url, '--dir', dir, '--username', 'obs'], {
      env: { OBS_ES_PASSWORD: undefined, OBS_ES_USERNAME: undefined, OBS_ES_API_KEY: undefined },
    });
    expect(r.code).toBe(64);
    expect(r.stderr.replace(/\s+›?\s*/g, ' ')).toContain('set OBS_ES_PASSWORD');
    expect(server.requests).toEqual([]);
  });

  it('a missing obs.yaml names the file, exit 66', async () => {
    const { url } = await es();
    const empty = mkdtempSync(path.join(tmpdir(), 'obs-elk-empty-'));
    try {
      const r = await runObs(['elk', 'apply', '--url', url, '--dir', empty]);
      expect(r.code).toBe(66);
      expect(r.stderr.replace(/\s+›?\s*/g, ' ')).toContain(
        `${path.join(empty, 'obs.yaml')}: no such file`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('--kibana-url installs the data view and saved searches too', async () => {
    const { url } = await es();
    const kibana = new KibanaContractServer();
    servers.push(kibana);
    const kurl = await kibana.start();
    const r = await runObs([
      'elk',
      'apply',
      '--url',
      url,
      '--kibana-url',
      kurl,
      '--dir',
      dir,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as ElkApplyResult;
    expect(result.kibana?.summary).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(kibana.dataViews.has('obs-shop-logs')).toBe(true);
  });

  it('a redirect with credentials set exits 78 naming the Location', async () => {
    const { server, url } = await es({ redirectTo: 'https://127.0.0.1:9200/' });
    const r = await runObs(['elk', 'apply', '--url', url, '--dir', dir, '--json'], {
      env: { OBS_ES_USERNAME: 'elastic', OBS_ES_PASSWORD: PASSWORD, OBS_ES_API_KEY: undefined },
    });
    expect(r.code).toBe(78);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('OBS_REDIRECTED');
    expect(error.message).toContain('answered 302, redirecting to https://127.0.0.1:9200/');
    expect(server.requests).toHaveLength(1);
  });

  it('tells of each retry on one warning line', async () => {
    const { url } = await es({ unavailableFirst: 2 });
    const r = await runObs(['elk', 'apply', '--url', url, '--dir', dir, '--dry-run']);
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatch(
        /Warning: Elasticsearch\/Kibana: HTTP 503 cluster_block_exception: .*; retrying \(\d left\)$/,
      );
    }
  });
});
