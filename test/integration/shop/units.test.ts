// The example shop's own unit tests, run with their own runners: Python unittest in each Python
// folder (with the test virtualenv, as the services run natively) and node --test in the Node
// service. A failure shows the runner's output.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHOP_DIR } from '../../support/shop.js';
import { tools } from '../../support/tools.js';

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const res = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    timeout: 120_000,
  });
  return { code: res.status, output: `${res.stdout}\n${res.stderr}` };
}

describe('example shop unit tests', () => {
  const pythonFolders = ['common', 'catalog', 'gateway', 'orders', 'payments', 'loadgen'];

  it.each(pythonFolders)('%s: python -m unittest', (folder) => {
    const { code, output } = run(
      tools.python(),
      ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'],
      path.join(SHOP_DIR, folder),
      { PYTHONPATH: path.join(SHOP_DIR, 'common') },
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(/Ran [1-9]\d* tests?/);
  });

  it('cart: node --test', () => {
    const { code, output } = run(process.execPath, ['--test'], path.join(SHOP_DIR, 'cart'));
    expect(code, output).toBe(0);
    expect(output).toMatch(/# pass [1-9]/);
    expect(output).toMatch(/# fail 0/);
  });
});
