// Every panel query of every generated dashboard, with Grafana's variables substituted, is run
// against a real Prometheus that scraped real telemetry: a real Collector's span metrics and
// Prometheus exporter, fed by real instrumented Flask, FastAPI and Express services under load,
// and the Express service's own prom-client /metrics. A query must be valid PromQL (the API
// answers 400 otherwise) and must return numbers for the services it names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboards } from '../../../dashboards/build.js';
import { ALERTS } from '../../../compose/prometheus/rules.js';
import { SPAN_LABELS } from '../../../model/conventions.js';
import type { CheckedQuery } from '../../support/dashboard-queries.js';
import {
  checkPanelQueries,
  constants,
  queryProblems,
  queryReport,
  substitute,
} from '../../support/dashboard-queries.js';
import { instantQuery } from '../../support/prometheus-api.js';
import type { NativeStack } from './native-stack.js';
import { driveLoad, nativeModel, startNativeStack } from './native-stack.js';

const LOAD_SECONDS = 75;

describe('dashboard queries against a real Prometheus fed by a real Collector and instrumented services', () => {
  let stack: NativeStack;
  let loadStart = 0;
  let checked: CheckedQuery[] = [];

  beforeAll(async () => {
    stack = await startNativeStack(await nativeModel());
    loadStart = Date.now() / 1000;
    const sent = await driveLoad(stack.gateway, LOAD_SECONDS);
    expect(sent).toBeGreaterThan(100);
    // One more flush of span metrics and SDK metrics, and one more scrape.
    await new Promise((r) => setTimeout(r, 12_000));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('the harness can fail: invalid PromQL is a 400, an unknown metric is empty', async () => {
    const bad = await instantQuery(stack.prometheus, 'sum(rate(x[5m]) by');
    expect(bad.http).toBe(400);
    const empty = await instantQuery(stack.prometheus, 'no_such_metric_total');
    expect(empty.series).toEqual([]);
  });

  it('every panel query is valid and returns data', async () => {
    checked = await checkPanelQueries(
      stack.prometheus,
      stack.model,
      buildDashboards(stack.model).dashboards,
      {
        start: Math.ceil(loadStart) + 30,
        end: Math.floor(Date.now() / 1000),
        rangeStart: loadStart,
      },
    );
    console.log(`${checked.length} panel queries checked:\n${queryReport(checked)}`);
    expect(checked.length).toBeGreaterThan(50);
    expect(queryProblems(checked)).toEqual([]);
  });

  it('the alerts panel shows the generated error-budget alert of the failing service', async () => {
    const q = checked.find((c) => c.panel === 'Active alerts');
    expect(q?.problem).toBeUndefined();
    const r = await instantQuery(stack.prometheus, q!.substituted);
    const alerts = r.series.map(
      (s) => `${s.metric.alertname} ${s.metric[SPAN_LABELS.service] ?? ''}`,
    );
    expect(alerts).toContain(`${ALERTS.errorBudgetBurn} orders`);
  });

  it("a service dashboard's Jaeger link finds that service's traces in the time range", async () => {
    const d = buildDashboards(stack.model).dashboards.find((x) => x.title.endsWith('/ orders'))!;
    const link = (d.json.links as { title: string; url?: string }[]).find(
      (l) => l.title === 'Traces (Jaeger)',
    )!;
    const to = Date.now();
    const url = substitute(link.url!, {
      ...constants(d.json),
      jaeger_url: stack.jaeger,
      __from: String(Math.floor(loadStart * 1000)),
      __to: String(to),
    });
    // The UI's search page takes the parameters of the query API it calls.
    const r = (await (await fetch(url.replace('/search?', '/api/traces?'))).json()) as {
      data: { processes: Record<string, { serviceName: string }> }[];
    };
    expect(r.data.length).toBeGreaterThan(0);
    expect(Object.values(r.data[0]!.processes).map((p) => p.serviceName)).toContain('orders');
  });

  it('traces reached Jaeger for every service (the dashboards link there)', async () => {
    const r = (await (await fetch(`${stack.jaeger}/api/services`)).json()) as { data: string[] };
    expect(r.data).toEqual(expect.arrayContaining(stack.model.services.map((s) => s.name)));
  });
});
