/**
 * The generated Python instrumentation in a real Django service, exporting to a real Jaeger:
 * first under gunicorn, as the compose file starts it, then with `manage.py runserver`, as a
 * developer starts it after changing the server and command in obs.yaml. Checks the server spans (service
 * name, route), and under gunicorn that the JSON log lines carry the trace's id.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInit } from '../../../init/pipeline.js';
import { LOG_FIELDS } from '../../../model/conventions.js';
import {
  editModel,
  jsonLines,
  readmeRun,
  serverSpan,
  startFromReadme,
  tagOf,
  traceWith,
} from '../../support/instrumented.js';
import type { JaegerTrace } from '../../support/instrumented.js';
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
let PATH: string;
const running: Running[] = [];

beforeAll(async () => {
  PATH = `${path.dirname(tools.venvBin('gunicorn'))}:${process.env.PATH ?? ''}`;
  jaeger = await startJaeger();
  repo = await copyRepo('django-gunicorn');
  await runInit({ dir: repo.dir });
}, 120_000);

afterAll(async () => {
  for (const r of running) await r.stop();
  await jaeger?.stop();
  await repo?.remove();
});

/** Points the stack at Jaeger and sets what starts the app, as a user edits obs.yaml. */
async function useCommand(server: string, command: string[]): Promise<void> {
  await editModel(repo.dir, (doc, index) => {
    doc.setIn(['stack', 'ports', 'otlpHttp'], jaeger.otlpHttp);
    doc.setIn(['services', index('accounts'), 'server'], server);
    doc.setIn(['services', index('accounts'), 'command'], doc.createNode(command));
  });
  const again = await runInit({ dir: repo.dir });
  expect(again.model.source).toBe('loaded');
}

/** The newest trace of `accounts` in Jaeger whose server span served `route`. */
function traceOfRoute(route: string): Promise<JaegerTrace> {
  return waitFor(
    `a trace of accounts serving ${route} in Jaeger`,
    async () => {
      const got = await httpGet(`${jaeger.queryUrl}/api/traces?service=accounts&limit=20`);
      const traces = got === undefined ? [] : (JSON.parse(got) as { data: JaegerTrace[] }).data;
      return traces.find((t) => {
        const s = serverSpan(t, 'accounts');
        return s !== undefined && tagOf(s, 'http.route') === route;
      });
    },
    { timeoutMs: 30_000 },
  );
}

describe('generated Python instrumentation in Django', () => {
  it('under gunicorn: server spans with the route, JSON log lines with the trace id', async () => {
    const [port] = (await freePorts(1)) as [number];
    await useCommand('gunicorn', [
      'gunicorn',
      '--no-control-socket',
      '--bind',
      `127.0.0.1:${port}`,
      '--workers',
      '2',
      'accounts_site.wsgi:application',
    ]);
    const proc = await startFromReadme(repo.dir, 'accounts', { PATH });
    running.push(proc);
    await waitFor('accounts', () => httpGet(`http://127.0.0.1:${port}/healthz`), {
      procs: [proc],
    });

    const body = await httpGet(`http://127.0.0.1:${port}/accounts/7/`);
    expect(JSON.parse(body!)).toEqual({ id: 7 });
    const line = await waitFor('the accounts log line', () =>
      jsonLines(proc.stdout()).find((l) => l[LOG_FIELDS.message] === 'account looked up'),
    );
    expect(line[LOG_FIELDS.service]).toBe('accounts');
    expect(line.account_id).toBe(7);
    const traceId = line[LOG_FIELDS.traceId] as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const trace = await traceWith(jaeger.queryUrl, traceId, ['accounts']);
    const server = serverSpan(trace, 'accounts')!;
    expect(tagOf(server, 'http.route')).toBe('accounts/<int:account_id>/');
    expect(tagOf(server, 'http.response.status_code')).toBe(200);
    expect(trace.spans.some((s) => s.spanID === line[LOG_FIELDS.spanId])).toBe(true);
    await proc.stop();
  });

  it('with manage.py runserver, started as its README says after obs.yaml changed', async () => {
    const [port] = (await freePorts(1)) as [number];
    await useCommand('django', ['python', 'manage.py', 'runserver', `127.0.0.1:${port}`]);
    const run = await readmeRun(repo.dir, 'accounts');
    // The README's command runs the development server without its reloader, under the wrapper.
    expect(run.command.slice(0, 3)).toEqual(['opentelemetry-instrument', 'python', 'manage.py']);
    expect(run.command).toContain('--noreload');
    const proc = await startFromReadme(repo.dir, 'accounts', { PATH });
    running.push(proc);
    await waitFor('accounts', () => httpGet(`http://127.0.0.1:${port}/healthz`), {
      procs: [proc],
    });

    const body = await httpGet(`http://127.0.0.1:${port}/accounts/8/`);
    expect(JSON.parse(body!)).toEqual({ id: 8 });
    const trace = await traceOfRoute('accounts/<int:account_id>/');
    expect(tagOf(serverSpan(trace, 'accounts')!, 'http.response.status_code')).toBe(200);
    const process = Object.values(trace.processes).find((p) => p.serviceName === 'accounts')!;
    const tags = Object.fromEntries(process.tags.map((t) => [t.key, t.value]));
    expect(tags['service.namespace']).toBe('django-gunicorn');
    await proc.stop();
  });
});
