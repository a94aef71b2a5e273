/** The Collector row: whether Prometheus reaches it, what it receives, and what it fails to send. */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { COLLECTOR_METRICS, SCRAPE_JOBS } from '../../model/conventions.js';
import { badAbove, goodFrom, stat, timeseries } from '../panels.js';
import { collectorQueries } from '../queries.js';

/** What a receiver accepted and refused, per second. */
function received(title: string, what: string, accepted: string, refused: string) {
  return timeseries(
    title,
    `${what} per second the Collector accepted, and refused (0 while none are).`,
    [
      { expr: collectorQueries.accepted(accepted), legend: 'accepted {{receiver}}' },
      {
        expr: collectorQueries.lost(refused, accepted, 'receiver'),
        legend: 'refused {{receiver}}',
      },
    ],
    { unit: 'short', min: 0, span: 9 },
  );
}

export function collectorPanels(): cog.Builder<dashboard.Panel>[] {
  const jobs = [SCRAPE_JOBS.collectorSelf, SCRAPE_JOBS.collectorExporter];
  return [
    stat(
      'Telemetry targets up',
      "Whether Prometheus reaches the Collector's own metrics and its Prometheus exporter (1 = up).",
      { expr: collectorQueries.up(jobs), legend: '{{job}}' },
      { unit: 'none', levels: goodFrom(1), span: 6, decimals: 0 },
    ),
    received(
      'Spans received',
      'Spans',
      COLLECTOR_METRICS.acceptedSpans,
      COLLECTOR_METRICS.refusedSpans,
    ),
    received(
      'Metric points received',
      'Metric points',
      COLLECTOR_METRICS.acceptedMetricPoints,
      COLLECTOR_METRICS.refusedMetricPoints,
    ),
    timeseries(
      'Export failures',
      'Spans and metric points per second an exporter failed to send (0 while none fail): a backend is down or refusing data.',
      [
        {
          expr: collectorQueries.lost(
            COLLECTOR_METRICS.failedSpans,
            COLLECTOR_METRICS.sentSpans,
            'exporter',
          ),
          legend: 'spans {{exporter}}',
        },
        {
          expr: collectorQueries.lost(
            COLLECTOR_METRICS.failedMetricPoints,
            COLLECTOR_METRICS.sentMetricPoints,
            'exporter',
          ),
          legend: 'metric points {{exporter}}',
        },
      ],
      { unit: 'short', min: 0, span: 12, levels: badAbove(0.001, 1) },
    ),
    timeseries(
      'Exporter queue usage',
      "How full each exporter's sending queue is; near 100% the Collector starts dropping data.",
      [{ expr: collectorQueries.queueUsage(), legend: '{{exporter}}' }],
      { unit: 'percentunit', min: 0, max: 1, span: 12, levels: badAbove(0.5, 0.8) },
    ),
  ];
}
