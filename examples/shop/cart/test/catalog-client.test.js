import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createCatalogClient, UpstreamError } from '../src/catalog-client.js';
import { memoryLogger, scriptedServer } from './helpers.js';

let server;
afterEach(() => server?.close());

function client(options = {}) {
  const { logger, records } = memoryLogger();
  const catalog = createCatalogClient({ baseUrl: server.url, logger, backoffMs: 1, ...options });
  return { catalog, records };
}

describe('catalog client', () => {
  it('retries transient failures', async () => {
    server = await scriptedServer([
      [503, {}],
      [500, {}],
      [200, { id: 'p1' }],
    ]);
    const { catalog, records } = client();
    assert.deepEqual(await catalog.getProduct('p1'), { id: 'p1' });
    assert.equal(server.paths.length, 3);
    assert.ok(records.some((r) => /retrying GET catalog\/products\/p1 after try 1/.test(r.msg)));
  });

  it('maps 404 to null without retrying', async () => {
    server = await scriptedServer([[404, { error: 'no product' }]]);
    assert.equal(await client().catalog.getProduct('x'), null);
    assert.equal(server.paths.length, 1);
  });

  it('times out each try and reports a timeout', async () => {
    server = await scriptedServer([
      [200, {}, 500],
      [200, {}, 500],
    ]);
    const { catalog, records } = client({ timeoutMs: 50, attempts: 2 });
    await assert.rejects(
      catalog.getProduct('p1'),
      (err) => err instanceof UpstreamError && err.kind === 'timeout' && err.httpStatus === 504,
    );
    // Counted on the client's side: on a loaded machine the second try can be cut off by its
    // 50 ms timeout before the server has read its request.
    const retried = /after try 1: catalog timeout: GET \/products\/p1: no answer in 50 ms/;
    assert.ok(records.some((r) => retried.test(r.msg)));
  });

  it('carries the upstream error text', async () => {
    server = await scriptedServer([[500, { error: 'disk full' }]]);
    const { catalog } = client({ attempts: 1 });
    await assert.rejects(catalog.getProduct('p1'), /HTTP 500 \(disk full\)/);
  });

  it('opens the breaker and then fails fast without calling', async () => {
    server = await scriptedServer(Array.from({ length: 20 }, () => [500, {}]));
    const { catalog, records } = client({
      attempts: 1,
      breakerVolume: 3,
      breakerErrorPercentage: 50,
    });
    for (let i = 0; i < 3; i++)
      await assert.rejects(catalog.getProduct('p1'), (err) => err.kind === 'status');
    await assert.rejects(
      catalog.getProduct('p1'),
      (err) => err.kind === 'circuit_open' && err.httpStatus === 503,
    );
    assert.equal(server.paths.length, 3);
    assert.ok(records.some((r) => r.msg === 'circuit breaker for catalog: open'));
    catalog.breaker.shutdown();
  });

  it('reports an unreachable catalog', async () => {
    server = await scriptedServer([]);
    const url = server.url;
    await server.close();
    server = undefined;
    const { logger } = memoryLogger();
    const catalog = createCatalogClient({ baseUrl: url, logger, attempts: 1 });
    await assert.rejects(
      catalog.getProduct('p1'),
      (err) => err.kind === 'unreachable' && err.httpStatus === 503,
    );
    catalog.breaker.shutdown();
  });
});
