// CONTRACT TEST: obs's Grafana client against a local server that answers as Grafana's HTTP API
// is documented to (test/support/grafana-contract-server.ts). Grafana itself cannot be installed
// here; what only a real Grafana would prove is listed in the closing note.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { GrafanaClient } from '../../../dashboards/grafana.js';
import { pushDashboards } from '../../../dashboards/push.js';
import { loadDashboardSet } from '../../../dashboards/source.js';
import type { DashboardSet } from '../../../dashboards/source.js';
import type { ContractServer } from '../../support/grafana-contract-server.js';
import { startGrafanaContractServer } from '../../support/grafana-contract-server.js';
import { runObs } from '../../support/run-obs.js';

const EDITOR = 'glsa_editor_token_do_not_print';
const VIEWER = 'glsa_viewer_token';
const FIXTURE = 'test/fixtures/models/shop.obs.yaml';
const FAST = { retries: 3, minDelayMs: 10, maxDelayMs: 20, timeoutMs: 2000 };

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function repo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'obs-dash-'));
  made.push(dir);
  copyFileSync(FIXTURE, path.join(dir, 'obs.yaml'));
  return dir;
}

describe('obs dashboards push against the Grafana HTTP API (CONTRACT TEST, local server)', () => {
  let grafana: ContractServer;
  let dir: string;
  let set: DashboardSet;
  const client = (token = EDITOR, retry = FAST) =>
    new GrafanaClient({ url: grafana.url, token, retry });

  beforeEach(async () => {
    grafana = await startGrafanaContractServer({ [EDITOR]: 'Editor', [VIEWER]: 'Viewer' });
    dir = repo();
    set = await loadDashboardSet(path.join(dir, 'obs.yaml'));
  });
  afterEach(async () => {
    await grafana.close();
  });

  it('creates the folder and every dashboard, then finds them unchanged', async () => {
    const first = await pushDashboards(client(), set);
    expect(first.folder).toEqual({ uid: 'obs-shop', title: 'obs', action: 'created' });
    expect(first.summary).toEqual({ created: 4, updated: 0, unchanged: 0, failed: 0 });
    expect(first.dashboards.every((d) => d.version === 1 && d.url?.startsWith('/d/'))).toBe(true);
    const stored = grafana.dashboards.get('obs-shop-svc-order-service')!;
    expect(stored.folderUid).toBe('obs-shop');
    expect(stored.message).toBe('obs dashboards push');
    expect(stored.json.panels).toEqual(set.dashboards[3]!.json.panels);

    const second = await pushDashboards(client(), set);
    expect(second.folder.action).toBe('exists');
    expect(second.summary).toEqual({ created: 0, updated: 0, unchanged: 4, failed: 0 });
    expect(grafana.requests.filter((r) => r.method === 'POST')).toHaveLength(5); // folder + 4 dashboards
  });

  it('updates a dashboard that was changed in Grafana, and one moved to another folder', async () => {
    await pushDashboards(client(), set);
    grafana.dashboards.get('obs-shop-svc-gateway')!.json.title = 'renamed in the UI';
    grafana.touch('obs-shop-svc-gateway');
    grafana.seedFolder('elsewhere', 'Elsewhere');
    grafana.dashboards.get('obs-shop-svc-catalog')!.folderUid = 'elsewhere';

    const r = await pushDashboards(client(), set);
    expect(r.summary).toEqual({ created: 0, updated: 2, unchanged: 2, failed: 0 });
    const gateway = r.dashboards.find((d) => d.uid === 'obs-shop-svc-gateway')!;
    expect(gateway.version).toBe(3);
    expect(grafana.dashboards.get('obs-shop-svc-gateway')!.title).toBe('shop / gateway');
    expect(r.dashboards.find((d) => d.uid === 'obs-shop-svc-catalog')?.movedFrom).toBe('elsewhere');
    expect(grafana.dashboards.get('obs-shop-svc-catalog')!.folderUid).toBe('obs-shop');
  });

  it('dry run: reads, reports what would change with a diff, and writes nothing', async () => {
    const empty = await pushDashboards(client(), set, { dryRun: true });
    expect(empty.dryRun).toBe(true);
    expect(empty.folder.action).toBe('created');
    expect(empty.summary.created).toBe(4);
    expect(grafana.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(grafana.folders.size).toBe(0);

    await pushDashboards(client(), set);
    grafana.dashboards.get('obs-shop-overview')!.json.refresh = '5m';
    const r = await pushDashboards(client(), set, { dryRun: true });
    expect(r.summary).toEqual({ created: 0, updated: 1, unchanged: 3, failed: 0 });
    const diff = r.dashboards.find((d) => d.action === 'updated')!.diff!;
    expect(diff).toContain('-  "refresh": "5m"');
    expect(diff).toContain('+  "refresh": "30s"');
    expect(grafana.dashboards.get('obs-shop-overview')!.json.refresh).toBe('5m');
  });

  it('pushes the edited file, not the model, when the user edited a generated dashboard', async () => {
    const file = path.join(dir, 'observability/grafana/dashboards/service-order-service.json');
    mkdirSync(path.dirname(file), { recursive: true });
    const edited = { ...set.dashboards[3]!.json, title: 'orders (edited)' };
    writeFileSync(file, JSON.stringify(edited));
    const fromFiles = await loadDashboardSet(path.join(dir, 'obs.yaml'));
    expect(fromFiles.dashboards[3]!.source).toBe(file);
    await pushDashboards(client(), fromFiles);
    expect(grafana.dashboards.get('obs-shop-svc-order-service')!.title).toBe('orders (edited)');
    const fromModel = await loadDashboardSet(path.join(dir, 'obs.yaml'), { fromModel: true });
    expect(fromModel.dashboards[3]!.source).toBe('model');
  });

  it('names the file and line of a dashboard file that is not valid JSON', async () => {
    const file = path.join(dir, 'observability/grafana/dashboards/overview.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{\n  "uid": "x",\n  "title": "t",\n}\n');
    const err = await loadDashboardSet(path.join(dir, 'obs.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    expect((err as ObsError).code).toBe('OBS_BAD_DASHBOARD');
    expect((err as ObsError).located).toMatch(/overview\.json:4: not valid JSON/);
  });

  it('401: explains that the token is missing, wrong or expired, and never shows it', async () => {
    const err = await pushDashboards(client('wrong-token-value'), set).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    const e = err as ObsError;
    expect(e.code).toBe('OBS_GRAFANA_UNAUTHORIZED');
    expect(e.exit).toBe(77);
    expect(e.message).toMatch(
      /did not accept the credentials \(401 Unauthorized\): the token is missing, wrong or expired/,
    );
    expect(JSON.stringify([e.message, e.suggestions])).not.toContain('wrong-token-value');
  });

  it('403: explains that the token may read but not write', async () => {
    const err = (await pushDashboards(client(VIEWER), set).catch((e: unknown) => e)) as ObsError;
    expect(err.code).toBe('OBS_GRAFANA_FORBIDDEN');
    expect(err.exit).toBe(77);
    expect(err.message).toContain(
      'accepted the token but does not allow it to create folder "obs" (403 Forbidden',
    );
    expect(err.suggestions[0]).toMatch(/Editor role/);
  });

  it('412 version-mismatch: a dashboard saved by someone else meanwhile is not replaced without --overwrite', async () => {
    await pushDashboards(client(), set);
    grafana.dashboards.get('obs-shop-overview')!.json.refresh = '1m';
    grafana.afterRead = (uid) => uid === 'obs-shop-overview' && grafana.touch(uid);
    const r = await pushDashboards(client(), set);
    const o = r.dashboards.find((d) => d.uid === 'obs-shop-overview')!;
    expect(o.action).toBe('failed');
    expect(o.error).toEqual({
      reason: 'version-mismatch',
      message:
        'Grafana refused to save it: "shop / Overview" was changed in Grafana after obs read it (version-mismatch)',
      fix: 'It was left as saved in Grafana. The next push replaces it (--dry-run shows what changed), or push with --overwrite.',
    });
    // As the fix says: the next push, without --overwrite, replaces it.
    grafana.afterRead = undefined;
    const next = await pushDashboards(client(), set);
    expect(next.dashboards.find((d) => d.uid === 'obs-shop-overview')!.action).toBe('updated');
    grafana.afterRead = (uid) => uid === 'obs-shop-overview' && grafana.touch(uid);
    grafana.dashboards.get('obs-shop-overview')!.json.refresh = '1m';
    expect(r.summary.failed).toBe(1);
    expect(r.summary.unchanged).toBe(3);

    const forced = await pushDashboards(client(), set, { overwrite: true });
    expect(forced.dashboards.find((d) => d.uid === 'obs-shop-overview')!.action).toBe('updated');
  });

  it('412 name-exists: another dashboard with the same title in the folder', async () => {
    grafana.seedFolder('obs-shop', 'obs');
    grafana.seedDashboard({ uid: 'hand-made', title: 'shop / gateway' }, { folderUid: 'obs-shop' });
    const r = await pushDashboards(client(), set);
    const g = r.dashboards.find((d) => d.uid === 'obs-shop-svc-gateway')!;
    expect(g.action).toBe('failed');
    expect(g.error?.reason).toBe('name-exists');
    expect(g.error?.message).toContain(
      'another dashboard titled "shop / gateway" already exists in the folder',
    );
    expect(g.error?.fix).toMatch(/--overwrite/);
    const forced = await pushDashboards(client(), set, { overwrite: true });
    expect(forced.dashboards.find((d) => d.uid === 'obs-shop-svc-gateway')!.action).toBe('created');
    expect(grafana.dashboards.has('hand-made')).toBe(false);
  });

  it('412 plugin-dashboard and 400 provisioned: explained per dashboard, the others still pushed', async () => {
    grafana.seedFolder('obs-shop', 'obs');
    grafana.seedDashboard(
      { uid: 'obs-shop-svc-order-service', title: 'x' },
      { folderUid: 'obs-shop', pluginId: 'some-app' },
    );
    grafana.seedDashboard(
      { uid: 'obs-shop-svc-catalog', title: 'y' },
      { folderUid: 'obs-shop', provisioned: true },
    );
    const r = await pushDashboards(client(), set);
    expect(r.dashboards.map((d) => [d.uid, d.action, d.error?.reason])).toEqual([
      ['obs-shop-overview', 'created', undefined],
      ['obs-shop-svc-gateway', 'created', undefined],
      ['obs-shop-svc-catalog', 'failed', 'provisioned'],
      ['obs-shop-svc-order-service', 'failed', 'plugin-dashboard'],
    ]);
    expect(r.dashboards[2]!.error?.message).toMatch(
      /provisioned from files on that Grafana server/,
    );
  });

  it('retries 5xx answers with backoff and then succeeds', async () => {
    grafana.failNext(2, 503);
    const r = await pushDashboards(client(), set);
    expect(r.summary.created).toBe(4);
    expect(grafana.requests.slice(0, 3).map((x) => x.status)).toEqual([503, 503, 404]);
  });

  it('retries a timed-out request', async () => {
    grafana.delayNext(1, 500);
    const r = await pushDashboards(client(EDITOR, { ...FAST, timeoutMs: 100 }), set);
    expect(r.summary.created).toBe(4);
  });

  it('a redirect to a login page (an auth proxy) is exit 78 naming the Location', async () => {
    grafana.redirectNext(1, '/login');
    const err = (await pushDashboards(client(), set).catch((e: unknown) => e)) as ObsError;
    expect(err.code).toBe('OBS_REDIRECTED');
    expect(err.exit).toBe(78);
    expect(err.message).toBe(
      `Grafana at ${grafana.url}/api/folders/obs-shop answered 302 (read folder obs-shop), redirecting to ${grafana.url}/login: likely a login page or an http->https redirect of an auth proxy in front of Grafana`,
    );
    expect(grafana.requests).toHaveLength(1);
  });

  it('a token the server quotes back in an error is redacted', async () => {
    grafana.failNext(100, 500, { echoAuthorization: true });
    const err = (await pushDashboards(client(), set).catch((e: unknown) => e)) as ObsError;
    expect(err.exit).toBe(69);
    expect(err.message).toContain('(Service Unavailable: Bearer [redacted])');
    expect(JSON.stringify([err.message, err.suggestions])).not.toContain(EDITOR);
  });

  it('reports a Grafana that keeps failing as unavailable (exit 69) after the retries', async () => {
    grafana.failNext(100, 502);
    const err = (await pushDashboards(client(), set).catch((e: unknown) => e)) as ObsError;
    expect(err.code).toBe('OBS_GRAFANA_SERVER_ERROR');
    expect(err.exit).toBe(69);
    expect(err.message).toMatch(/HTTP 502 after 4 attempts/);
  });
});

describe(
  'obs dashboards push|export, the CLI (CONTRACT TEST, local Grafana server)',
  { timeout: 30_000 },
  () => {
    let grafana: ContractServer;
    beforeEach(async () => {
      grafana = await startGrafanaContractServer({ [EDITOR]: 'Editor' });
    });
    afterEach(async () => {
      await grafana.close();
    });

    it('pushes with the token from OBS_GRAFANA_TOKEN, prints what changed, never the token', async () => {
      const dir = repo();
      const env = { OBS_GRAFANA_TOKEN: EDITOR };
      const r = await runObs(['dashboards', 'push', '--url', grafana.url], { cwd: dir, env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('created   shop / Overview [obs-shop-overview]');
      expect(r.stdout).toContain('4 created, 0 updated, 0 unchanged');
      const again = await runObs(['dashboards', 'push', '--url', grafana.url, '--json'], {
        cwd: dir,
        env,
      });
      const json = JSON.parse(again.stdout) as {
        summary: Record<string, number>;
        folder: { action: string };
      };
      expect(json.summary).toEqual({ created: 0, updated: 0, unchanged: 4, failed: 0 });
      expect(json.folder.action).toBe('exists');
      expect(r.stdout + r.stderr + again.stdout + again.stderr).not.toContain(EDITOR);
    });

    it('reads the token from standard input with --token-stdin', async () => {
      const dir = repo();
      const r = await runObs(
        ['dashboards', 'push', '--url', grafana.url, '--token-stdin', '--dry-run'],
        {
          cwd: dir,
          env: { OBS_GRAFANA_TOKEN: undefined, GRAFANA_TOKEN: undefined },
          input: `${EDITOR}\n`,
        },
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Dry run, nothing changed: 4 would be created');
      expect(grafana.requests.every((x) => x.authorized && x.method === 'GET')).toBe(true);
    });

    it('exits 77 with a plain explanation when the token is refused', async () => {
      const dir = repo();
      const r = await runObs(['dashboards', 'push', '--url', grafana.url, '--json'], {
        cwd: dir,
        env: { OBS_GRAFANA_TOKEN: 'not-the-token', GRAFANA_TOKEN: undefined },
      });
      expect(r.code).toBe(77);
      const err = JSON.parse(r.stdout) as { error: { code: string; message: string } };
      expect(err.error.code).toBe('OBS_GRAFANA_UNAUTHORIZED');
      expect(r.stdout + r.stderr).not.toContain('not-the-token');
    });

    it('exits 1 when a dashboard was refused, after pushing the others', async () => {
      const dir = repo();
      grafana.seedFolder('obs-shop', 'obs');
      grafana.seedDashboard(
        { uid: 'other', title: 'shop / order-service' },
        { folderUid: 'obs-shop' },
      );
      const r = await runObs(['dashboards', 'push', '--url', grafana.url], {
        cwd: dir,
        env: { OBS_GRAFANA_TOKEN: EDITOR },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('FAILED shop / order-service');
      expect(r.stdout).toContain('3 created, 0 updated, 0 unchanged, 1 failed');
    });

    it('export writes the grafana.com import format, one file per dashboard', async () => {
      const dir = repo();
      const r = await runObs(['dashboards', 'export', '--out', 'exp', '--json'], { cwd: dir });
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { files: { file: string; uid: string }[] };
      expect(out.files.map((f) => f.uid)).toEqual([
        'obs-shop-overview',
        'obs-shop-svc-gateway',
        'obs-shop-svc-catalog',
        'obs-shop-svc-order-service',
      ]);
      const d = JSON.parse(
        readFileSync(path.join(dir, 'exp', 'obs-shop-overview.json'), 'utf8'),
      ) as Record<string, unknown>;
      expect(Object.keys(d).slice(0, 3)).toEqual(['__inputs', '__elements', '__requires']);
    });

    it('fails with file and line on an invalid obs.yaml', async () => {
      const dir = repo();
      writeFileSync(path.join(dir, 'obs.yaml'), 'apiVersion: obs/v1\nname: shop\nservices: []\n');
      const r = await runObs(['dashboards', 'export', '--json'], { cwd: dir });
      expect(r.code).toBe(78);
      const err = JSON.parse(r.stdout) as {
        error: { file: string; line: number; message: string };
      };
      expect(err.error.file).toBe('obs.yaml');
      expect(err.error.line).toBe(3);
    });
  },
);
