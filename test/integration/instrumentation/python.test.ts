/**
 * The generated Python instrumentation in real services: a Flask app under gunicorn calls a FastAPI
 * app under uvicorn, both started exactly as their generated README says, exporting to a real
 * Jaeger. Checks that spans arrive under the right service names in one trace, that the JSON log
 * lines carry that trace's id, and that log records also leave over OTLP.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { runInit } from '../../../init/pipeline.js';
import { startJaeger } from '../../support/jaeger.js';
import type { Jaeger } from '../../support/jaeger.js';
import { freePorts } from '../../support/ports.js';
import { httpGet, start, waitFor } from '../../support/processes.js';
import type { Running } from '../../support/processes.js';
import { copyRepo, shellBlock } from '../../support/repos.js';
import type { TempRepo } from '../../support/repos.js';
import { tools } from '../../support/tools.js';
import { LOG_FIELDS } from '../../../model/conventions.js';
import { execFileSync } from 'node:child_process';

interface JaegerTrace {
  traceID: string;
  spans: {
    spanID: string;
    operationName: string;
    processID: string;
    tags: { key: string; value: unknown }[];
  }[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

let jaeger: Jaeger;
let repo: TempRepo;
const procs: Running[] = [];
let ordersPort: number;
let catalogPort: number;
const instr = (service: string) => `observability/instrumentation/${service}`;

/** Starts a service with the run block of its generated README, from the service's folder. */
async function startFromReadme(service: string, env: Record<string, string>): Promise<Running> {
  const readme = await readFile(path.join(repo.dir, instr(service), 'README.md'), 'utf8');
  const lines = shellBlock(readme, '2. Start it instrumented').split('\n');
  lines[lines.length - 1] = `exec ${lines.at(-1)!}`; // the server replaces the shell, so stop() reaches it
  const venvBin = path.dirname(tools.python());
  const proc = start(service, 'sh', ['-c', lines.join('\n')], {
    cwd: path.join(repo.dir, service),
    env: {
      PATH: `${venvBin}:${process.env.PATH ?? ''}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      ...env,
    },
  });
  procs.push(proc);
  return proc;
}

beforeAll(async () => {
  tools.venvBin('gunicorn');
  jaeger = await startJaeger();
  repo = await copyRepo('flask-calls-fastapi');
  [ordersPort, catalogPort] = (await freePorts(2)) as [number, number];
  await runInit({ dir: repo.dir });

  // What a user does in obs.yaml: point the stack at their Collector (here: Jaeger) and change
  // how services start (here: free ports, and no gunicorn control socket shared between runs).
  const file = path.join(repo.dir, 'obs.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  doc.setIn(['stack', 'ports', 'otlpHttp'], jaeger.otlpHttp);
  const services = doc.toJS().services as { name: string }[];
  const index = (n: string) => services.findIndex((s) => s.name === n);
  doc.setIn(
    ['services', index('orders'), 'command'],
    doc.createNode([
      'gunicorn',
      '--no-control-socket',
      '--bind',
      `127.0.0.1:${ordersPort}`,
      '--workers',
      '2',
      'app:app',
    ]),
  );
  doc.setIn(
    ['services', index('catalog'), 'command'],
    doc.createNode(['uvicorn', 'main:app', '--host', '127.0.0.1', '--port', String(catalogPort)]),
  );
  await writeFile(file, doc.toString());
  const second = await runInit({ dir: repo.dir });
  expect(second.model.source).toBe('loaded');

  const catalog = await startFromReadme('catalog', {});
  const orders = await startFromReadme('orders', {
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
  for (const p of procs) await p.stop();
  await jaeger?.stop();
  await repo?.remove();
});

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('generated Python instrumentation in Flask (gunicorn) and FastAPI (uvicorn)', () => {
  it('pins packages that the test virtualenv has installed at exactly those versions', async () => {
    for (const service of ['orders', 'catalog']) {
      const req = await readFile(
        path.join(repo.dir, instr(service), 'requirements-otel.txt'),
        'utf8',
      );
      const pins = req
        .split('\n')
        .filter((l) => /^[a-z]/.test(l))
        .map((l) => l.split('=='));
      expect(pins.length).toBeGreaterThan(3);
      const script = `import importlib.metadata as m, json, sys\nprint(json.dumps({n: m.version(n) for n in sys.argv[1:]}))`;
      const installed = JSON.parse(
        execFileSync(tools.python(), ['-c', script, ...pins.map((p) => p[0]!)], {
          encoding: 'utf8',
        }),
      ) as Record<string, string>;
      for (const [name, version] of pins) expect(installed[name!], name).toBe(version);
    }
  });

  it('sends one trace across both services to Jaeger, and the JSON log lines carry its id', async () => {
    const body = await httpGet(`http://127.0.0.1:${ordersPort}/orders/42`);
    expect(JSON.parse(body!)).toMatchObject({ id: 42, item: { id: 42 } });

    const orderLog = await waitFor('the orders log line', async () =>
      jsonLines(procs[1]!.stdout()).find((l) => l[LOG_FIELDS.message] === 'order looked up'),
    );
    const traceId = orderLog[LOG_FIELDS.traceId] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(orderLog[LOG_FIELDS.spanId]).toMatch(/^[0-9a-f]{16}$/);
    expect(orderLog[LOG_FIELDS.service]).toBe('orders');
    expect(orderLog.order_id).toBe(42);
    const itemLog = jsonLines(procs[0]!.stdout()).find(
      (l) => l[LOG_FIELDS.message] === 'item served',
    );
    expect(itemLog?.[LOG_FIELDS.traceId]).toBe(traceId);

    const trace = await waitFor(
      'the trace in Jaeger',
      async () => {
        const got = await httpGet(`${jaeger.queryUrl}/api/traces/${traceId}`);
        const t =
          got === undefined ? undefined : (JSON.parse(got) as { data: JaegerTrace[] }).data[0];
        const names = new Set(Object.values(t?.processes ?? {}).map((p) => p.serviceName));
        return names.has('orders') && names.has('catalog') ? t : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const service = (s: JaegerTrace['spans'][number]) => trace.processes[s.processID]!.serviceName;
    const tag = (s: JaegerTrace['spans'][number], k: string) =>
      s.tags.find((t) => t.key === k)?.value;
    const server = (name: string) =>
      trace.spans.find((s) => service(s) === name && tag(s, 'span.kind') === 'server');
    expect(tag(server('orders')!, 'http.route')).toBe('/orders/<int:order_id>');
    expect(tag(server('catalog')!, 'http.route')).toBe('/items/{item_id}');
    // Stable HTTP semantic conventions are on.
    expect(tag(server('orders')!, 'http.response.status_code')).toBe(200);
    expect(
      trace.spans.some((s) => service(s) === 'orders' && tag(s, 'span.kind') === 'client'),
    ).toBe(true);
    // The log line's span is one of the trace's orders spans.
    expect(
      trace.spans.some((s) => s.spanID === orderLog[LOG_FIELDS.spanId] && service(s) === 'orders'),
    ).toBe(true);

    const services = JSON.parse((await httpGet(`${jaeger.queryUrl}/api/services`))!) as {
      data: string[];
    };
    expect(services.data).toEqual(expect.arrayContaining(['orders', 'catalog']));

    // Each gunicorn worker set its SDK up after the fork with its own instance id.
    const ordersProcess = Object.values(trace.processes).find((p) => p.serviceName === 'orders')!;
    const instance = ordersProcess.tags.find((t) => t.key === 'service.instance.id')?.value;
    expect(instance).toMatch(/-\d+$/);
    expect(ordersProcess.tags.find((t) => t.key === 'service.namespace')?.value).toBe(
      'flask-calls-fastapi',
    );

    // The same record also left over OTLP (Jaeger's debug exporter prints received log records).
    await waitFor(
      'the log record over OTLP',
      async () => {
        const out = jaeger.process.stderr() + jaeger.process.stdout();
        return out.includes('order looked up') && out.includes(traceId) ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  });
});
