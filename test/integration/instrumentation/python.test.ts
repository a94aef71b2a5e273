/**
 * The generated Python instrumentation in real services: a Flask app under gunicorn calls a FastAPI
 * app under uvicorn, both started exactly as their generated README says, exporting to a real
 * Jaeger. Checks that spans arrive under the right service names in one trace, that the JSON log
 * lines carry that trace's id, and that log records also leave over OTLP.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInit } from '../../../init/pipeline.js';
import { LOG_FIELDS } from '../../../model/conventions.js';
import {
  editModel,
  jsonLines,
  serverSpan,
  serviceOf,
  startFromReadme,
  tagOf,
  traceWith,
} from '../../support/instrumented.js';
import { startJaeger } from '../../support/jaeger.js';
import type { Jaeger } from '../../support/jaeger.js';
import { freePorts } from '../../support/ports.js';
import { httpGet, waitFor } from '../../support/processes.js';
import type { Running } from '../../support/processes.js';
import { copyRepo } from '../../support/repos.js';
import type { TempRepo } from '../../support/repos.js';
import { tools } from '../../support/tools.js';

let jaeger: Jaeger;
let repo: TempRepo;
let orders: Running;
let catalog: Running;
let ordersPort: number;
let catalogPort: number;

beforeAll(async () => {
  const venvBin = path.dirname(tools.venvBin('gunicorn'));
  jaeger = await startJaeger();
  repo = await copyRepo('flask-calls-fastapi');
  [ordersPort, catalogPort] = (await freePorts(2)) as [number, number];
  await runInit({ dir: repo.dir });

  // What a user does in obs.yaml: point the stack at their Collector (here: Jaeger) and change
  // how services start (here: free ports, and no gunicorn control socket shared between runs).
  await editModel(repo.dir, (doc, index) => {
    doc.setIn(['stack', 'ports', 'otlpHttp'], jaeger.otlpHttp);
    const gunicorn = ['gunicorn', '--no-control-socket', '--bind', `127.0.0.1:${ordersPort}`];
    doc.setIn(
      ['services', index('orders'), 'command'],
      doc.createNode([...gunicorn, '--workers', '2', 'app:app']),
    );
    const uvicorn = ['uvicorn', 'main:app', '--host', '127.0.0.1', '--port', String(catalogPort)];
    doc.setIn(['services', index('catalog'), 'command'], doc.createNode(uvicorn));
  });
  const second = await runInit({ dir: repo.dir });
  expect(second.model.source).toBe('loaded');

  const PATH = `${venvBin}:${process.env.PATH ?? ''}`;
  catalog = await startFromReadme(repo.dir, 'catalog', { PATH });
  orders = await startFromReadme(repo.dir, 'orders', {
    PATH,
    CATALOG_URL: `http://127.0.0.1:${catalogPort}`,
  });
  await waitFor('catalog', () => httpGet(`http://127.0.0.1:${catalogPort}/healthz`), {
    procs: [catalog],
  });
  await waitFor('orders', () => httpGet(`http://127.0.0.1:${ordersPort}/healthz`), {
    procs: [orders],
  });
}, 120_000);

afterAll(async () => {
  await orders?.stop();
  await catalog?.stop();
  await jaeger?.stop();
  await repo?.remove();
});

describe('generated Python instrumentation in Flask (gunicorn) and FastAPI (uvicorn)', () => {
  it('pins packages that the test virtualenv has installed at exactly those versions', async () => {
    for (const service of ['orders', 'catalog']) {
      const file = path.join(
        repo.dir,
        'observability/instrumentation',
        service,
        'requirements-otel.txt',
      );
      const pins = (await readFile(file, 'utf8'))
        .split('\n')
        .filter((l) => /^[a-z]/.test(l))
        .map((l) => l.split('=='));
      expect(pins.length).toBeGreaterThan(3);
      const script = `import importlib.metadata as m, json, sys\nprint(json.dumps({n: m.version(n) for n in sys.argv[1:]}))`;
      const out = execFileSync(tools.python(), ['-c', script, ...pins.map((p) => p[0]!)], {
        encoding: 'utf8',
      });
      const installed = JSON.parse(out) as Record<string, string>;
      for (const [name, version] of pins) expect(installed[name!], name).toBe(version);
    }
  });

  it('sends one trace across both services to Jaeger, and the JSON log lines carry its id', async () => {
    const body = await httpGet(`http://127.0.0.1:${ordersPort}/orders/42`);
    expect(JSON.parse(body!)).toMatchObject({ id: 42, item: { id: 42 } });

    const orderLog = await waitFor('the orders log line', () =>
      jsonLines(orders.stdout()).find((l) => l[LOG_FIELDS.message] === 'order looked up'),
    );
    const traceId = orderLog[LOG_FIELDS.traceId] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(orderLog[LOG_FIELDS.spanId]).toMatch(/^[0-9a-f]{16}$/);
    expect(orderLog[LOG_FIELDS.service]).toBe('orders');
    expect(orderLog.order_id).toBe(42); // extra= fields are kept
    const itemLog = jsonLines(catalog.stdout()).find(
      (l) => l[LOG_FIELDS.message] === 'item served',
    );
    expect(itemLog?.[LOG_FIELDS.traceId]).toBe(traceId);

    const trace = await traceWith(jaeger.queryUrl, traceId, ['orders', 'catalog']);
    expect(tagOf(serverSpan(trace, 'orders')!, 'http.route')).toBe('/orders/<int:order_id>');
    expect(tagOf(serverSpan(trace, 'catalog')!, 'http.route')).toBe('/items/{item_id}');
    // Stable HTTP semantic conventions are on.
    expect(tagOf(serverSpan(trace, 'orders')!, 'http.response.status_code')).toBe(200);
    expect(
      trace.spans.some(
        (s) => serviceOf(trace, s) === 'orders' && tagOf(s, 'span.kind') === 'client',
      ),
    ).toBe(true);
    // The log line's span is one of the trace's orders spans.
    expect(
      trace.spans.some(
        (s) => s.spanID === orderLog[LOG_FIELDS.spanId] && serviceOf(trace, s) === 'orders',
      ),
    ).toBe(true);

    // Each gunicorn worker set its SDK up after the fork, with its own instance id.
    const ordersProcess = Object.values(trace.processes).find((p) => p.serviceName === 'orders')!;
    const tags = Object.fromEntries(ordersProcess.tags.map((t) => [t.key, t.value]));
    expect(tags['service.instance.id']).toMatch(/-\d+$/);
    expect(tags['service.namespace']).toBe('flask-calls-fastapi');
    expect(tags['deployment.environment.name']).toBe('dev');

    // The same record also left over OTLP (Jaeger's debug exporter prints the log records it gets).
    await waitFor(
      'the log record over OTLP',
      () => {
        const out = jaeger.process.stderr() + jaeger.process.stdout();
        return /Body: Str\(order looked up\)/.test(out) && out.includes(`Trace ID: ${traceId}`)
          ? true
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
  });
});
