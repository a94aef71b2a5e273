import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../src/app.js';
import { UpstreamError } from '../src/catalog-client.js';
import { FaultSwitch } from '../src/faults.js';
import { CartStore } from '../src/store.js';
import { memoryLogger } from './helpers.js';

const PRODUCTS = { p05: { id: 'p05', name: 'Mug', price_cents: 1450 } };
let base;
let server;
let catalogDown = false;

before(async () => {
  const { logger } = memoryLogger();
  const catalog = {
    async getProduct(id) {
      if (catalogDown) throw new UpstreamError('catalog', 'timeout', 'GET /products');
      return PRODUCTS[id] ?? null;
    },
  };
  const faults = new FaultSwitch({
    logger,
    initial: { error_rate: 0, latency_ms: 0, crash: false },
  });
  const app = createApp({ store: new CartStore(), catalog, faults, logger });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

async function call(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

describe('cart API', () => {
  it('adds, shows, removes and clears', async () => {
    let r = await call('POST', '/carts/ann/items', { product_id: 'p05', quantity: 2 });
    assert.equal(r.status, 201);
    assert.equal(r.body.total_cents, 2900);
    r = await call('GET', '/carts/ann');
    assert.equal(r.body.items[0].name, 'Mug');
    r = await call('DELETE', '/carts/ann/items/p05');
    assert.deepEqual(r.body.items, []);
    await call('POST', '/carts/ann/items', { product_id: 'p05' });
    assert.equal((await call('DELETE', '/carts/ann')).status, 204);
    assert.deepEqual((await call('GET', '/carts/ann')).body.items, []);
  });

  it('rejects bad input with 4xx', async () => {
    assert.equal((await call('POST', '/carts/ann/items', { product_id: 'nope' })).status, 404);
    assert.equal(
      (await call('POST', '/carts/ann/items', { product_id: 'p05', quantity: 0 })).status,
      400,
    );
    assert.equal((await call('POST', '/carts/ann/items', '{oops')).status, 400);
    assert.equal((await call('GET', '/carts/not%20ok')).status, 400);
    assert.equal((await call('GET', '/nothing')).status, 404);
  });

  it('answers for a failed catalog with its status', async () => {
    catalogDown = true;
    try {
      const r = await call('POST', '/carts/ann/items', { product_id: 'p05' });
      assert.equal(r.status, 504);
      assert.equal(r.body.upstream, 'catalog');
    } finally {
      catalogDown = false;
    }
  });

  it('serves the admin endpoint', async () => {
    let r = await call('POST', '/admin/fault', { error_rate: 1 });
    assert.deepEqual(r.body, { error_rate: 1, latency_ms: 0, crash: false });
    assert.equal((await call('GET', '/carts/ann')).status, 500);
    assert.equal((await call('GET', '/health')).status, 200);
    r = await call('POST', '/admin/fault', { latency_ms: -1 });
    assert.equal(r.status, 400);
    assert.match(r.body.error, /latency_ms/);
    r = await call('DELETE', '/admin/fault');
    assert.equal(r.body.error_rate, 0);
    assert.equal((await call('GET', '/carts/ann')).status, 200);
  });
});
