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
  });

  it('exits non-zero on an unknown command', async () => {
    const r = await runObs(['no-such-command']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-command/);
  });
});
