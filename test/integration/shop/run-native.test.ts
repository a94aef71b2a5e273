// examples/shop/run-native.sh, the way a person without Docker runs the shop: it starts every
// service, the gateway answers, and TERM stops them all and frees the ports.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SHOP_DIR, freePorts, portIsFree } from '../../support/shop.js';
import { TOOLS_DIR, tools } from '../../support/tools.js';

const runDir = mkdtempSync(path.join(tmpdir(), 'obs-shop-native-'));
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

it('starts the shop, serves the gateway and stops everything on TERM', async () => {
  tools.python();
  const [gateway, catalog, cart, orders, payments] = await freePorts(5);
  const child = spawn('bash', [path.join(SHOP_DIR, 'run-native.sh')], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      VENV: path.join(TOOLS_DIR, 'venv'),
      RUN_DIR: runDir,
      GATEWAY_PORT: String(gateway),
      CATALOG_PORT: String(catalog),
      CART_PORT: String(cart),
      ORDERS_PORT: String(orders),
      PAYMENTS_PORT: String(payments),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const deadline = Date.now() + 60_000;
    while (!output.includes('shop ready') && child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output, output).toContain('shop ready');
    const res = await fetch(`http://127.0.0.1:${gateway}/api/products?category=books`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { products: { category: string }[] };
    expect(body.products.length).toBeGreaterThan(0);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  expect(output).toContain('stopping the shop');
  for (const port of [gateway, catalog, cart, orders, payments]) {
    expect(await portIsFree(port!), `port ${port}`).toBe(true);
  }
});
