// The worker panels of the generated dashboards (a Celery worker, servesHttp false) evaluated by
// the real promtool on synthetic span metrics: the worker's line counts its consumer spans only
// (not its producer or server spans), a scheduler's (celery beat) its producer spans only, and a web
// service's line its server spans only (not its own consumer spans). The native stack of panel-queries.test.ts runs no worker, so this is where those
// queries meet a real PromQL engine.
import { describe, expect, it } from 'vitest';
import { buildDashboards } from '../../../dashboards/build.js';
import { METRICS, SPAN_LABELS } from '../../../model/conventions.js';
import {
  constants,
  counterSeries,
  panelQueries,
  promtoolQueryTest,
  substitute,
} from '../../support/dashboard-queries.js';
import { fixtureModel } from '../../support/models.js';

const shop = fixtureModel('shop');
const model = {
  ...shop,
  services: shop.services.map((s) =>
    s.name === 'gateway'
      ? {
          ...s,
          servesHttp: false,
          libraries: ['celery'],
          command: ['celery', '-A', 'shop', 'worker'],
        }
      : s.name === 'order-service'
        ? {
            ...s,
            servesHttp: false,
            scheduler: true,
            command: ['celery', '-A', 'shop', 'beat'],
          }
        : s,
  ),
};
const dashboards = buildDashboards(model).dashboards;

const span = (service: string, kind: string, name: string) => ({
  [SPAN_LABELS.service]: service,
  [SPAN_LABELS.kind]: `SPAN_KIND_${kind}`,
  [SPAN_LABELS.operation]: name,
});
const calls = (labels: Record<string, string>, status: string, perMinute: number) =>
  counterSeries(METRICS.spanCalls, { ...labels, [SPAN_LABELS.status]: status }, perMinute);
/** All spans of a series under `le`, none under the bucket before (bounds in seconds). */
const buckets = (labels: Record<string, string>, below: string, le: string, perMinute: number) => [
  counterSeries(`${METRICS.spanDuration}_bucket`, { ...labels, le: below }, 0),
  counterSeries(`${METRICS.spanDuration}_bucket`, { ...labels, le }, perMinute),
  counterSeries(`${METRICS.spanDuration}_bucket`, { ...labels, le: '+Inf' }, perMinute),
];

const task = span('gateway', 'CONSUMER', 'run/send_email');
const web = span('catalog', 'SERVER', 'GET /items');
const input = [
  // The worker: 60 tasks a minute, 6 of them failing, all between 0.1s and 1s.
  calls(task, 'STATUS_CODE_UNSET', 54),
  calls(task, 'STATUS_CODE_ERROR', 6),
  ...buckets(task, '0.1', '1', 60),
  // Tasks it sends (producer spans) are not its work.
  calls(span('gateway', 'PRODUCER', 'apply_async/send_email'), 'STATUS_CODE_ERROR', 60),
  // Nor are server spans it may have (a health check), as on its own dashboard.
  calls(span('gateway', 'SERVER', 'GET /healthz'), 'STATUS_CODE_ERROR', 60),
  ...buckets(span('gateway', 'SERVER', 'GET /healthz'), '5', '10', 60),
  // A web service: 120 requests a minute under 0.1s, none failing; its own consumer spans stay out.
  calls(web, 'STATUS_CODE_UNSET', 120),
  ...buckets(web, '0.05', '0.1', 120),
  calls(span('catalog', 'CONSUMER', 'orders process'), 'STATUS_CODE_ERROR', 60),
  // The scheduler: 30 tasks published a minute, none failing, under 0.01s; it consumes none.
  calls(span('order-service', 'PRODUCER', 'apply_async/cleanup'), 'STATUS_CODE_UNSET', 30),
  ...buckets(span('order-service', 'PRODUCER', 'apply_async/cleanup'), '0.005', '0.01', 30),
];

/** A panel's first query with the variables Grafana would set ("All" services and operations). */
function query(dashboard: string, panel: string): string {
  const d = dashboards.find((x) => x.title === dashboard)!.json;
  const q = panelQueries(d).find((x) => x.panel === panel);
  if (!q) throw new Error(`${dashboard} has no panel ${panel}`);
  // A service dashboard's constant $service wins over the overview's "All".
  return substitute(q.expr, {
    service: '.*',
    ...constants(d),
    operation: '.*',
    __rate_interval: '5m',
    __range: '30m',
  });
}

describe('worker panel queries under the real promtool', () => {
  it("count a worker's consumer spans and a web service's server spans", async () => {
    const gateway = '{service_name="gateway"}';
    const catalog = '{service_name="catalog"}';
    const beat = '{service_name="order-service"}';
    const expr = (dashboard: string, panel: string, samples: [string, number][]) => ({
      expr: query(dashboard, panel),
      samples,
    });
    const r = await promtoolQueryTest(input, [
      expr('shop / Overview', 'Rate: requests, tasks or published tasks', [
        [gateway, 1],
        [catalog, 2],
        [beat, 0.5],
      ]),
      // Error ratios under the availability SLO's levels; a scheduler's, which has no SLO, apart.
      expr('shop / Overview', 'Error ratio', [
        [gateway, 0.1],
        [catalog, 0],
      ]),
      expr('shop / Overview', 'Error ratio: published tasks', [[beat, 0]]),
      // Request latency against its threshold; task and publish durations apart.
      expr('shop / Overview', 'p95 latency', [[catalog, 0.0975]]),
      expr('shop / Overview', 'p95 duration: tasks or published tasks', [
        [gateway, 0.955],
        [beat, 0.00975],
      ]),
      // Each failing operation keeps its span kind, which its Kind column shows as a word.
      expr('shop / Overview', 'Top failing operations', [
        [
          '{service_name="gateway", span_name="run/send_email", span_kind="SPAN_KIND_CONSUMER"}',
          180,
        ],
      ]),
      expr('shop / gateway', 'Tasks/s', [['{}', 1]]),
      expr('shop / gateway', 'Error ratio', [['{}', 0.1]]),
      expr('shop / gateway', 'Tasks by operation: rate', [['{span_name="run/send_email"}', 1]]),
      expr('shop / order-service', 'Published tasks/s', [['{}', 0.5]]),
      expr('shop / order-service', 'Error ratio', [['{}', 0]]),
    ]);
    expect(r.code, r.output).toBe(0);
  });
});
