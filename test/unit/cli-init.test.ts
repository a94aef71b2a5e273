// `obs init` through the built binary: the --json shape, the human summary, exit codes.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runObs } from '../support/run-obs.js';
import { copyRepo } from '../support/repos.js';
import type { TempRepo } from '../support/repos.js';

let repo: TempRepo | undefined;
afterEach(async () => {
  await repo?.remove();
  repo = undefined;
});

// Each test spawns the built binary (a second or two each); a loaded machine needs more than 5 s.
describe('obs init', { timeout: 60_000 }, () => {
  it('--json: found services, findings, written files, notes and next steps', async () => {
    repo = await copyRepo('compose-polyglot');
    const r = await runObs(['init', repo.dir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      model: { source: string; services: { name: string; dependencies: string[] }[] };
      findings: { code: string }[];
      write: { files: { path: string; action: string }[]; dryRun: boolean };
      generators: { name: string; notes: string[] }[];
      next: string[];
    };
    expect(out.model.source).toBe('scanned');
    expect(out.model.services.find((s) => s.name === 'orders')?.dependencies).toEqual([
      'postgresql:db',
    ]);
    expect(out.findings.map((f) => f.code)).toContain('stack-port-moved');
    expect(out.write.files.find((f) => f.path === 'obs.yaml')?.action).toBe('created');
    expect(out.generators.map((g) => g.name)).toEqual([
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
    expect(out.next.length).toBeGreaterThan(0);
    expect(await readFile(path.join(repo.dir, 'obs.yaml'), 'utf8')).toContain('name: gateway');
  });

  it('prints a summary: services, findings, files, lines to add, next steps', async () => {
    repo = await copyRepo('express-calls-fastify');
    const r = await runObs(['init', repo.dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('System express-calls-fastify: 2 service(s)');
    expect(r.stdout).toContain('  web: node, express, under node, port 3000 -> http:items');
    expect(r.stdout).toContain('created: observability/instrumentation/items/instrumentation.cjs');
    expect(r.stdout).toMatch(/Lines to add:\n {2}web: npm install \d+ packages/);
    expect(r.stdout).toMatch(/Next:\n {2}1\. Check obs\.yaml/);
    const again = await runObs(['init', repo.dir]);
    expect(again.stdout).toContain(
      'Read obs.yaml (run with --rescan to scan the repository again)',
    );
    expect(again.stdout).toMatch(/unchanged: \d+ file\(s\)/);
  });

  it.each([
    ['no-services', 66, 'OBS_NO_SERVICES'],
    ['malformed-compose', 65, 'OBS_BAD_YAML'],
    ['compose-port-clash', 65, 'OBS_PORT_CLASH'],
    ['service-without-code', 65, 'OBS_NO_CODE'],
  ])('%s: exit %i with %s and nothing written', async (scenario, exit, code) => {
    repo = await copyRepo(scenario);
    const r = await runObs(['init', repo.dir, '--json']);
    expect(r.code).toBe(exit);
    const err = JSON.parse(r.stdout) as { error: { code: string; exit: number; file?: string } };
    expect(err.error).toMatchObject({ code, exit });
    const human = await runObs(['init', repo.dir]);
    expect(human.code).toBe(exit);
    expect(human.stderr).toMatch(/Error: /);
    await expect(readFile(path.join(repo.dir, 'obs.yaml'))).rejects.toThrow(/ENOENT/);
  });

  it('rejects --dry-run with --force', async () => {
    const r = await runObs(['init', '.', '--dry-run', '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--force=true cannot also be provided when using --dry-run/);
  });
});
