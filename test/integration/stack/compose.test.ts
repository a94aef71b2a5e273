/**
 * The generated compose file, loaded as Docker Compose loads it (compose-go, the Compose
 * Specification's reference loader, built by scripts/setup.d/compose-check.sh; no Docker engine
 * runs here): it is valid, every file it mounts is a generated one, its ports bind to loopback,
 * and it refuses to load without the passwords in .env. The files go through the real writer, so
 * .env's mode and a re-run that keeps the passwords are checked on disk.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStackSecrets } from '../../../compose/secrets.js';
import type { GeneratedFile } from '../../../core/writer.js';
import { writeGenerated } from '../../../core/writer.js';
import { stackPaths } from '../../../model/conventions.js';
import { initSteps } from '../../../init/steps.js';
import type { SystemModel } from '../../../model/schema.js';
import { fixtureModel } from '../../support/models.js';
import { tools } from '../../support/tools.js';
import { run } from './helpers.js';

const model: SystemModel = fixtureModel('shop');
let root: string;

/** Everything `obs init` generates for the model, with the compose secrets given. */
function stackFiles(secrets = {}): GeneratedFile[] {
  return initSteps({ secrets }).flatMap((s) => s.run(model).files);
}

interface Project {
  services: Record<
    string,
    {
      volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
      ports?: { host_ip: string; published: string; target: number }[];
    }
  >;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'obs-compose-'));
  await writeGenerated(root, stackFiles(), { command: 'obs init' });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const composeFile = () => path.join(root, stackPaths(model).compose);

describe('the generated compose file', () => {
  let project: Project;

  beforeAll(async () => {
    const out = await run(tools.composeCheck(), [composeFile()]);
    expect(out.code, out.stderr).toBe(0);
    project = JSON.parse(out.stdout) as Project;
  });

  it('mounts only generated files and folders, read-only', () => {
    const p = stackPaths(model);
    const binds = Object.values(project.services).flatMap((s) =>
      (s.volumes ?? []).filter((v) => v.type === 'bind'),
    );
    expect(binds.length).toBeGreaterThanOrEqual(5);
    for (const b of binds) expect(b.read_only, b.source).toBe(true);
    const missing = binds.map((b) => b.source).filter((src) => !existsSync(src));
    expect(missing).toEqual([]);
    expect(binds.map((b) => b.source)).toEqual(
      expect.arrayContaining([
        path.join(root, p.collectorConfig),
        path.join(root, path.dirname(p.prometheusConfig)),
        path.join(root, p.grafanaProvisioning),
        path.join(root, p.grafanaDashboards),
        path.join(root, p.logstashPipeline),
      ]),
    );
  });

  it('publishes every port on 127.0.0.1', () => {
    const ports = Object.values(project.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(10);
    for (const p of ports) expect(p.host_ip).toBe('127.0.0.1');
  });

  it('will not load without the passwords from .env', async () => {
    const bare = await mkdtemp(path.join(tmpdir(), 'obs-compose-bare-'));
    try {
      const files = stackFiles().filter((f) => !f.path.endsWith('/.env'));
      await writeGenerated(bare, files, { command: 'obs init' });
      const out = await run(tools.composeCheck(), [path.join(bare, stackPaths(model).compose)]);
      expect(out.code).not.toBe(0);
      expect(out.stderr).toContain('ELASTIC_PASSWORD is not set: run obs init to generate .env');
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });
});

describe('.env on disk', () => {
  it('is readable by its owner only and listed in .gitignore', async () => {
    const p = stackPaths(model);
    expect((await stat(path.join(root, p.env))).mode & 0o777).toBe(0o600);
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(path.join(root, p.gitignore), 'utf8')).split('\n')).toContain('.env');
  });

  it('keeps its passwords when obs init runs again', async () => {
    const envFile = path.join(root, stackPaths(model).env);
    const secrets = await readStackSecrets(envFile);
    expect(Object.keys(secrets)).toHaveLength(3);
    const again = await writeGenerated(root, stackFiles(secrets), { command: 'obs init' });
    const env = again.files.find((f) => f.path === stackPaths(model).env);
    expect(env?.action).toBe('unchanged');
    expect(again.files.every((f) => f.action === 'unchanged')).toBe(true);
  });
});
