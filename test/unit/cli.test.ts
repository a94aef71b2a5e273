import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runObs } from '../support/run-obs.js';

// Runs the built CLI (dist/), as the `obs` binary does.
describe('obs', () => {
  it('prints its version', async () => {
    const r = await runObs(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^obs\/\d+\.\d+\.\d+ /);
  });

  it('prints help', async () => {
    const r = await runObs(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('USAGE');
    expect(r.stdout).toContain('$ obs');
    // Topics are space-separated (`obs analyze traces`) and listed with the top-level commands.
    for (const topic of ['analyze', 'dashboards', 'elk'])
      expect(r.stdout).toMatch(new RegExp(`^  ${topic} `, 'm'));
    expect(r.stdout).toMatch(/^ {2}init /m);
  });

  it('takes --json on every command', { timeout: 60_000 }, async () => {
    // Every compiled command file is a command: `analyze/traces.js` is `obs analyze traces`.
    const dir = path.resolve('dist/cli/commands');
    const ids = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3).split(path.sep));
    expect(ids.length).toBeGreaterThanOrEqual(5);
    const runs = await Promise.all(ids.map((id) => runObs([...id, '--help'])));
    runs.forEach((r, i) => {
      const id = ids[i]!.join(' ');
      expect(r.code, id).toBe(0);
      expect(r.stdout, id).toContain('--json');
    });
  });

  it('answers a flag it cannot parse, under --json, in the error shape with exit 2', async () => {
    for (const args of [
      ['analyze', 'traces', 'x.jsonl', '--bogus'],
      ['analyze', 'logs', 'x.log', '--top', 'abc'],
    ]) {
      const r = await runObs([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(2);
      const out = JSON.parse(r.stdout) as { error: Record<string, unknown> };
      expect(Object.keys(out)).toEqual(['error']);
      expect(out.error).toMatchObject({ code: 'OBS_USAGE', exit: 2 });
      expect(out.error.message).toMatch(/--(bogus|top)/);
      expect(Object.keys(out.error).sort()).toEqual(['code', 'exit', 'message']);
    }
  });

  it('exits non-zero on an unknown command', async () => {
    const r = await runObs(['no-such-command']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-command/);
  });
});
