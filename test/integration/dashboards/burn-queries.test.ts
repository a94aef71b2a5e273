// The overview's burn-rate panels of the shop, whose order-service has an SLO of its own (99.9%,
// 99% under 250 ms; the others 99.5%, 95% under 500 ms), evaluated by the real promtool on
// synthetic span metrics: each service's error ratio and share of slow requests come out divided
// by its own budget, so that 1 is on budget for every line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDashboards } from '../../../dashboards/build.js';
import { METRICS, SPAN_LABELS } from '../../../model/conventions.js';
import { panelQueries, substitute } from '../../support/dashboard-queries.js';
import { fixtureModel } from '../../support/models.js';
import { tools } from '../../support/tools.js';
import { run } from '../stack/helpers.js';

const overview = buildDashboards(fixtureModel('shop')).dashboards.find(
  (d) => d.title === 'shop / Overview',
)!.json;

const MINUTES = 40;
const series = (name: string, labels: Record<string, string>, perMinute: number) => ({
  series: `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`,
  values: `0+${perMinute}x${MINUTES}`,
});
/** A web service's requests a minute: `failed` of them failing, `fast` within `le` seconds. */
const requests = (service: string, all: number, failed: number, le: string, fast: number) => {
  const labels = {
    [SPAN_LABELS.service]: service,
    [SPAN_LABELS.kind]: 'SPAN_KIND_SERVER',
    [SPAN_LABELS.operation]: 'GET /x',
  };
  const d = METRICS.spanDuration;
  return [
    series(
      METRICS.spanCalls,
      { ...labels, [SPAN_LABELS.status]: 'STATUS_CODE_UNSET' },
      all - failed,
    ),
    ...(failed > 0
      ? [
          series(
            METRICS.spanCalls,
            { ...labels, [SPAN_LABELS.status]: 'STATUS_CODE_ERROR' },
            failed,
          ),
        ]
      : []),
    series(`${d}_bucket`, { ...labels, le }, fast),
    series(`${d}_bucket`, { ...labels, le: '+Inf' }, all),
    series(`${d}_count`, labels, all),
  ];
};
const input = [
  // 5% failing, over a 0.5% budget: 10x; 10% slower than 500 ms, over a 5% budget: 2x.
  ...requests('gateway', 120, 6, '0.5', 108),
  // None failing, none slow: 0, not empty.
  ...requests('catalog', 60, 0, '0.5', 60),
  // 0.5% failing: on budget for the others, 5x over its own 0.1%; 2% slower than its own 250 ms
  // (all of them within 500 ms), over a 1% budget: 2x.
  ...requests('order-service', 200, 1, '0.25', 196),
  series(
    `${METRICS.spanDuration}_bucket`,
    {
      [SPAN_LABELS.service]: 'order-service',
      [SPAN_LABELS.kind]: 'SPAN_KIND_SERVER',
      [SPAN_LABELS.operation]: 'GET /x',
      le: '0.5',
    },
    200,
  ),
];

function query(panel: string): string {
  const q = panelQueries(overview).find((x) => x.panel === panel);
  if (!q) throw new Error(`the overview has no panel ${panel}`);
  return substitute(q.expr, { service: '.*', __rate_interval: '5m' });
}

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

describe('overview burn-rate queries under the real promtool', () => {
  it("divide each service's bad share by its own budget", async () => {
    const at = `${MINUTES - 5}m`;
    const samples = (values: [string, number][]) =>
      values.map(([service, value]) => ({ labels: `{service_name="${service}"}`, value }));
    const tests = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: input,
          promql_expr_test: [
            {
              expr: query('Error budget burn'),
              eval_time: at,
              exp_samples: samples([
                ['gateway', 10],
                ['catalog', 0],
                ['order-service', 5],
              ]),
            },
            {
              // 1 - 108/120 is not 0.1 in floating point: compared to the thousandth.
              expr: `round(${query('Latency budget burn')}, 0.001)`,
              eval_time: at,
              exp_samples: samples([
                ['gateway', 2],
                ['catalog', 0],
                ['order-service', 2],
              ]),
            },
          ],
        },
      ],
    };
    const dir = await mkdtemp(path.join(tmpdir(), 'obs-burn-queries-'));
    roots.push(dir);
    await writeFile(path.join(dir, 'tests.yml'), JSON.stringify(tests, null, 1));
    const r = await run(tools.promtool(), ['test', 'rules', 'tests.yml'], dir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
