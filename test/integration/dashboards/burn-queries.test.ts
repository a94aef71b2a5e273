// The overview's burn-rate panels of the shop, whose order-service has an SLO of its own (99.9%,
// 99% under 250 ms; the others 99.5%, 95% under 500 ms), evaluated by the real promtool on
// synthetic span metrics: each service's error ratio and share of slow requests come out divided
// by its own budget, so that 1 is on budget for every line.
import { describe, expect, it } from 'vitest';
import { buildDashboards } from '../../../dashboards/build.js';
import { METRICS, SPAN_LABELS } from '../../../model/conventions.js';
import {
  counterSeries,
  panelQueries,
  promtoolQueryTest,
  substitute,
} from '../../support/dashboard-queries.js';
import { fixtureModel } from '../../support/models.js';

const overview = buildDashboards(fixtureModel('shop')).dashboards.find(
  (d) => d.title === 'shop / Overview',
)!.json;

/** A web service's requests a minute: `failed` of them failing, `fast` within `le` seconds. */
const requests = (service: string, all: number, failed: number, le: string, fast: number) => {
  const labels = {
    [SPAN_LABELS.service]: service,
    [SPAN_LABELS.kind]: 'SPAN_KIND_SERVER',
    [SPAN_LABELS.operation]: 'GET /x',
  };
  const d = METRICS.spanDuration;
  return [
    counterSeries(
      METRICS.spanCalls,
      { ...labels, [SPAN_LABELS.status]: 'STATUS_CODE_UNSET' },
      all - failed,
    ),
    ...(failed > 0
      ? [
          counterSeries(
            METRICS.spanCalls,
            { ...labels, [SPAN_LABELS.status]: 'STATUS_CODE_ERROR' },
            failed,
          ),
        ]
      : []),
    counterSeries(`${d}_bucket`, { ...labels, le }, fast),
    counterSeries(`${d}_bucket`, { ...labels, le: '+Inf' }, all),
    counterSeries(`${d}_count`, labels, all),
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
  counterSeries(
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

describe('overview burn-rate queries under the real promtool', () => {
  it("divide each service's bad share by its own budget", async () => {
    const of = (service: string) => `{service_name="${service}"}`;
    const r = await promtoolQueryTest(input, [
      {
        expr: query('Error budget burn'),
        samples: [
          [of('gateway'), 10],
          [of('catalog'), 0],
          [of('order-service'), 5],
        ],
      },
      {
        // 1 - 108/120 is not 0.1 in floating point: compared to the thousandth.
        expr: `round(${query('Latency budget burn')}, 0.001)`,
        samples: [
          [of('gateway'), 2],
          [of('catalog'), 0],
          [of('order-service'), 2],
        ],
      },
    ]);
    expect(r.code, r.output).toBe(0);
  });
});
