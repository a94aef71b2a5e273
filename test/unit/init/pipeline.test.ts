/**
 * The init pipeline on a copy of a fixture repository: first run, re-runs, user edits to generated
 * files and to obs.yaml, --rescan, --dry-run, and failures that must leave nothing half-written.
 */
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { runInit } from '../../../init/pipeline.js';
import type { InitResult } from '../../../init/pipeline.js';
import { copyRepo } from '../../support/repos.js';
import type { TempRepo } from '../../support/repos.js';

let repo: TempRepo;
const file = (p: string) => path.join(repo.dir, p);
const read = (p: string) => readFile(file(p), 'utf8');
const actions = (r: InitResult) =>
  Object.fromEntries(r.write.files.map((f) => [f.path, f.action] as const));

async function initError(opts: Parameters<typeof runInit>[0]): Promise<ObsError> {
  try {
    await runInit(opts);
  } catch (err) {
    if (err instanceof ObsError) return err;
    throw err;
  }
  throw new Error('expected an ObsError');
}

beforeEach(async () => {
  repo = await copyRepo('compose-polyglot');
});
afterEach(async () => {
  await repo.remove();
});

describe('obs init', () => {
  it('first run: scans, writes obs.yaml, its schema and instrumentation for every service', async () => {
    const r = await runInit({ dir: repo.dir });
    expect(r.model.source).toBe('scanned');
    expect(r.model.services.map((s) => `${s.name}:${s.framework}`)).toEqual([
      'gateway:express',
      'orders:flask',
      'catalog:fastapi',
    ]);
    const created = r.write.files.filter((f) => f.action === 'created').map((f) => f.path);
    expect(created).toEqual(
      expect.arrayContaining([
        'obs.yaml',
        'obs.schema.json',
        '.obs/scan.json',
        'observability/instrumentation/orders/gunicorn.conf.py',
        'observability/instrumentation/orders/requirements-otel.txt',
        'observability/instrumentation/catalog/logging.ini',
        'observability/instrumentation/gateway/instrumentation.mjs',
        'observability/instrumentation/gateway/README.md',
      ]),
    );
    expect(created).toHaveLength(r.write.files.length);
    expect(await read('obs.yaml')).toMatch(
      /^# yaml-language-server: \$schema=\.\/obs\.schema\.json\n/,
    );
    const schema = JSON.parse(await read('obs.schema.json')) as {
      type: string;
      required: string[];
    };
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['apiVersion', 'name', 'services']);
    expect(r.generators.map((g) => g.name)).toEqual([
      'python-instrumentation',
      'node-instrumentation',
      'collector',
      'prometheus',
      'grafana-dashboards',
      'grafana-provisioning',
      'logstash',
      'elasticsearch',
      'kibana',
      'compose',
    ]);
    expect(r.generators.flatMap((g) => g.notes).join('\n')).toContain(
      'gunicorn -c ../observability/instrumentation/orders/gunicorn.conf.py --bind 0.0.0.0:8000 --workers 2 orders.app:app',
    );
    expect(r.next[0]).toMatch(/^Check obs\.yaml/);
    expect(r.next[1]).toMatch(
      /^Start the stack: docker compose -f observability\/compose\.yaml up -d/,
    );
    expect((await stat(file('observability/.env'))).mode & 0o777).toBe(0o600);
    // The user's own files are never touched.
    expect(await read('orders/Dockerfile')).toContain('CMD ["gunicorn"');
  });

  it('a second run reads obs.yaml and changes nothing', async () => {
    await runInit({ dir: repo.dir });
    const r = await runInit({ dir: repo.dir });
    expect(r.model.source).toBe('loaded');
    expect(r.findings).toEqual([]);
    expect(new Set(r.write.files.map((f) => f.action))).toEqual(new Set(['unchanged']));
    expect(r.write.stale).toEqual([]);
  });

  it('keeps a user edit to a generated file and to obs.yaml across re-runs', async () => {
    await runInit({ dir: repo.dir });
    const conf = 'observability/instrumentation/orders/gunicorn.conf.py';
    const edited = (await read(conf)) + '\ntimeout = 120  # ours\n';
    await writeFile(file(conf), edited);
    // The user moves catalog to another port and adds a comment.
    const yaml = (await read('obs.yaml')).replace('port: 8001', 'port: 8101 # moved');
    await writeFile(file('obs.yaml'), yaml);

    const r = await runInit({ dir: repo.dir });
    expect(actions(r)[conf]).toBe('kept');
    expect(await read(conf)).toBe(edited);
    expect(await read(`${conf}.obs-new`)).not.toContain('# ours');
    // obs.yaml is the model now: the edit is used and the file is left as the user wrote it.
    expect(actions(r)['obs.yaml']).toBe('unchanged');
    expect(await read('obs.yaml')).toBe(yaml);
    expect(r.model.services.find((s) => s.name === 'catalog')?.port).toBe(8101);
    expect(await read('observability/instrumentation/catalog/README.md')).toContain('--port 8001');
    expect(r.next.join('\n')).toContain(`${conf}.obs-new`);

    // And again: still kept, nothing else changes.
    const again = await runInit({ dir: repo.dir });
    expect(actions(again)[conf]).toBe('kept');
    expect(again.write.files.filter((f) => !['kept', 'unchanged'].includes(f.action))).toEqual([]);

    // --force replaces the edited file.
    const forced = await runInit({ dir: repo.dir, mode: 'force' });
    expect(actions(forced)[conf]).toBe('replaced');
    expect(await read(conf)).not.toContain('# ours');
  });

  it('--rescan merges a new scan into obs.yaml: edits and comments stay, new services come in', async () => {
    await runInit({ dir: repo.dir });
    // The user edits obs.yaml: a port, a comment, and deletes the catalog service.
    let yaml = await read('obs.yaml');
    yaml = yaml.replace('    port: 8000\n', '    port: 8100 # behind the proxy\n');
    const doc = (await import('yaml')).parseDocument(yaml);
    const services = doc.get('services') as { items: { get(k: string): unknown }[] };
    const catalog = services.items.findIndex((s) => s.get('name') === 'catalog');
    doc.deleteIn(['services', catalog]);
    await writeFile(file('obs.yaml'), doc.toString());
    // The code changes: orders now also uses redis, and a new service appears in compose.
    await writeFile(
      file('orders/requirements.txt'),
      (await read('orders/requirements.txt')) + 'redis>=5\n',
    );
    await mkdir(file('search'));
    await writeFile(
      file('search/package.json'),
      '{"name":"search","main":"index.js","dependencies":{"fastify":"^5.0.0"}}\n',
    );
    await writeFile(file('search/index.js'), "require('fastify')().listen({ port: 4000 });\n");
    await writeFile(
      file('compose.yaml'),
      (await read('compose.yaml')) + '  search:\n    build: ./search\n    expose: ["4000"]\n',
    );

    const r = await runInit({ dir: repo.dir, rescan: true });
    expect(r.model.source).toBe('rescanned');
    expect(r.rescan).toMatchObject({ added: ['search'], removedByUser: ['catalog'], vanished: [] });
    expect(r.rescan?.updated).toEqual(
      expect.arrayContaining(['services.orders.libraries', 'services.orders.dependencies']),
    );
    expect(r.rescan?.keptEdits).toEqual(['services.orders.port']); // the scan still says 8000
    expect(actions(r)['obs.yaml']).toBe('updated');
    const merged = await read('obs.yaml');
    expect(merged).toContain('port: 8100 # behind the proxy');
    expect(merged).toMatch(/- name: search\n/);
    expect(merged).not.toMatch(/name: catalog/);
    const orders = r.model.services.find((s) => s.name === 'orders')!;
    expect(orders.port).toBe(8100);
    expect(r.model.services.map((s) => s.name)).toEqual(['gateway', 'orders', 'search']);
    expect(await read('observability/instrumentation/orders/requirements-otel.txt')).toContain(
      'opentelemetry-instrumentation-redis==',
    );

    // A service that disappears from the repository is reported and kept.
    await writeFile(
      file('compose.yaml'),
      (await read('compose.yaml')).replace(/ {2}search:[\s\S]*$/, ''),
    );
    const again = await runInit({ dir: repo.dir, rescan: true });
    expect(again.rescan?.vanished).toEqual(['search']);
    expect(again.model.services.map((s) => s.name)).toContain('search');
  });

  it('--rescan keeps a field the user changed even when the scan now says otherwise', async () => {
    await runInit({ dir: repo.dir });
    await writeFile(
      file('obs.yaml'),
      (await read('obs.yaml')).replace('framework: fastapi', 'framework: aiohttp'),
    );
    await writeFile(
      file('catalog/app/main.py'),
      (await read('catalog/app/main.py')).replace('port', 'port'),
    );
    await writeFile(
      file('catalog/pyproject.toml'),
      (await read('catalog/pyproject.toml')).replace('"httpx>=0.27",', ''),
    );
    const r = await runInit({ dir: repo.dir, rescan: true });
    expect(r.rescan?.keptEdits).toEqual(['services.catalog.framework']);
    expect(r.rescan?.updated).toContain('services.catalog.libraries');
    expect(r.model.services.find((s) => s.name === 'catalog')?.framework).toBe('aiohttp');
  });

  it('--dry-run writes nothing and shows diffs', async () => {
    const r = await runInit({ dir: repo.dir, mode: 'dry-run' });
    expect(r.write.dryRun).toBe(true);
    expect(r.write.files.every((f) => f.action === 'created' && f.diff !== undefined)).toBe(true);
    expect(r.write.files.find((f) => f.path === 'obs.yaml')?.diff).toMatch(
      /^\+apiVersion: obs\/v1$/m,
    );
    expect(await readdir(repo.dir)).not.toContain('obs.yaml');
    expect(await readdir(repo.dir)).not.toContain('observability');
    expect(r.next).toEqual(['Run obs init without --dry-run to write these files.']);
  });

  it('an output folder that cannot be written: exit 73 and nothing written at all', async () => {
    await writeFile(file('observability'), 'a file where the output folder should be\n');
    const e = await initError({ dir: repo.dir });
    expect(e.code).toBe('OBS_WRITE_FAILED');
    expect(e.exit).toBe(73);
    expect(e.message).toMatch(/nothing was written$/);
    const entries = await readdir(repo.dir);
    expect(entries).not.toContain('obs.yaml');
    expect(entries).not.toContain('.obs');
    expect(entries.filter((e) => e.includes('obs-tmp'))).toEqual([]);
  });

  it('an obs.yaml the user broke: exit 78 naming its line, nothing rewritten', async () => {
    await runInit({ dir: repo.dir });
    const broken = (await read('obs.yaml')).replace('port: 8001', 'port: "eight thousand"');
    await writeFile(file('obs.yaml'), broken);
    const e = await initError({ dir: repo.dir });
    expect(e.code).toBe('OBS_BAD_MODEL');
    expect(e.exit).toBe(78);
    expect(e.located).toMatch(/^obs\.yaml:\d+: invalid system model: services\.2\.port: /);
    expect(await read('obs.yaml')).toBe(broken);
  });

  it('a folder that does not exist', async () => {
    const e = await initError({ dir: file('nope') });
    expect(e).toMatchObject({ code: 'OBS_NO_REPOSITORY', exit: 66, message: 'no such folder' });
  });

  it('a file (the compose file) given for the folder', async () => {
    const e = await initError({ dir: file('compose.yaml') });
    expect(e).toMatchObject({
      code: 'OBS_NO_REPOSITORY',
      exit: 66,
      message: 'is a file; give the folder of the repository it is in',
      suggestions: [`obs init ${repo.dir}`],
    });
  });
});
