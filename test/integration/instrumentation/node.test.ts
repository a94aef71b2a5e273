/**
 * The generated Node instrumentation in real services: an Express app (ES modules, console logs)
 * calls a Fastify app (CommonJS, pino logs), both started exactly as their generated README says
 * with the OpenTelemetry packages from the tools cache, exporting to a real Jaeger.
 */
import { symlink } from 'node:fs/promises';
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
let web: Running;
let items: Running;
let webPort: number;
let itemsPort: number;

beforeAll(async () => {
  const nodeModules = tools.nodeInstrumentation();
  jaeger = await startJaeger();
  repo = await copyRepo('express-calls-fastify');
  [webPort, itemsPort] = (await freePorts(2)) as [number, number];
  for (const s of ['web', 'items'])
    await symlink(nodeModules, path.join(repo.dir, s, 'node_modules'));
  await runInit({ dir: repo.dir });
  await editModel(repo.dir, (doc) => doc.setIn(['stack', 'ports', 'otlpHttp'], jaeger.otlpHttp));
  await runInit({ dir: repo.dir });

  items = await startFromReadme(repo.dir, 'items', { PORT: String(itemsPort) });
  web = await startFromReadme(repo.dir, 'web', {
    PORT: String(webPort),
    ITEMS_URL: `http://127.0.0.1:${itemsPort}`,
  });
  await waitFor('items', () => httpGet(`http://127.0.0.1:${itemsPort}/healthz`), {
    procs: [items],
  });
  await waitFor('web', () => httpGet(`http://127.0.0.1:${webPort}/healthz`), { procs: [web] });
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await items?.stop();
  await jaeger?.stop();
  await repo?.remove();
});

describe('generated Node instrumentation in Express (ESM) and Fastify (CJS)', () => {
  it('sends one trace across both services to Jaeger, and the JSON log lines carry its id', async () => {
    const body = await httpGet(`http://127.0.0.1:${webPort}/orders/7`);
    expect(JSON.parse(body!)).toMatchObject({ id: 7, item: { id: 7 } });

    // console.log in the ESM app became a JSON line with the trace context.
    const webLog = await waitFor('the web log line', () =>
      jsonLines(web.stdout()).find((l) => l[LOG_FIELDS.message] === 'order looked up 7'),
    );
    const traceId = webLog[LOG_FIELDS.traceId] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(webLog[LOG_FIELDS.service]).toBe('web');
    expect(webLog[LOG_FIELDS.level]).toBe('info');
    // pino in the CJS app: the instrumentation writes the ids under the LOG_FIELDS names.
    const itemLog = await waitFor('the items log line', () =>
      jsonLines(items.stdout()).find((l) => l.msg === 'item served'),
    );
    expect(itemLog[LOG_FIELDS.traceId]).toBe(traceId);
    expect(itemLog[LOG_FIELDS.spanId]).toMatch(/^[0-9a-f]{16}$/);

    const trace = await traceWith(jaeger.queryUrl, traceId, ['web', 'items']);
    // Express and Fastify routes: the ESM loader hook and @fastify/otel are working.
    expect(tagOf(serverSpan(trace, 'web')!, 'http.route')).toBe('/orders/:id');
    expect(tagOf(serverSpan(trace, 'items')!, 'http.route')).toBe('/items/:id');
    expect(
      trace.spans.some(
        (s) => serviceOf(trace, s) === 'web' && s.operationName.startsWith('request handler'),
      ),
    ).toBe(true);
    expect(tagOf(serverSpan(trace, 'web')!, 'http.response.status_code')).toBe(200);
    const webProcess = Object.values(trace.processes).find((p) => p.serviceName === 'web')!;
    const tags = Object.fromEntries(webProcess.tags.map((t) => [t.key, t.value]));
    expect(tags['service.namespace']).toBe('express-calls-fastify');
    expect(tags['service.instance.id']).toMatch(/-\d+$/);

    // Both log records also left over OTLP.
    await waitFor(
      'the log records over OTLP',
      () => {
        const out = jaeger.process.stderr() + jaeger.process.stdout();
        return out.includes('Body: Str(order looked up 7)') &&
          out.includes('Body: Str(item served)')
          ? true
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
  });
});
