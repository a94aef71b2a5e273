/**
 * The latency and duration graphs. The latency threshold is drawn across a whole graph, whatever
 * its lines: it belongs to the web services' requests, so their latencies are graphed apart from
 * the workers' and schedulers' durations, which are graphed without it (and on their own scale:
 * minutes, maybe).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { BURN_LEVELS } from '../levels.js';
import { timeseries } from '../panels.js';
import { spanRed } from '../queries.js';
import type { OverviewFacts } from './facts.js';
import { LEGEND, SVC, workNouns } from './lines.js';
import { BURN_MEANS, BURN_UNIT, latencyBurnExpr } from './slo.js';

/**
 * Web services' p95 and p99 latency. Thresholds that differ cannot be one line across a graph:
 * the latencies are then drawn without it, and a third graph gives each service's latency budget
 * burn.
 */
function latencyGraphs(f: OverviewFacts): cog.Builder<dashboard.Panel>[] {
  const requests = spanRed(...f.select.requests);
  const { latencyBurn } = f.slo;
  const durationsApart = f.webOnly
    ? ''
    : ` Web services; ${f.otherKinds} in the graphs below, without the threshold.`;
  const latencyColours = latencyBurn
    ? " Not coloured: the services' latency thresholds differ; the Latency budget burn graph reads each against its own."
    : ' Orange: the latency SLO threshold; red: twice it.';
  const options = {
    unit: 's',
    min: 0,
    levels: f.slo.latencyLevels,
    ...(latencyBurn ? { span: 8 } : {}),
  };
  return [
    timeseries(
      'p95 latency',
      `Server request latency, 95th percentile, per service.${durationsApart}${latencyColours}`,
      [{ expr: requests.quantile(0.95, [SVC]), legend: LEGEND }],
      options,
    ),
    timeseries(
      'p99 latency',
      `Server request latency, 99th percentile, per service.${durationsApart}${latencyBurn ? latencyColours : ''}`,
      [{ expr: requests.quantile(0.99, [SVC]), legend: LEGEND }],
      options,
    ),
    ...(latencyBurn
      ? [
          timeseries(
            'Latency budget burn',
            `Share of server requests slower than the service's own latency SLO threshold, over its latency budget (1 - its latency target), per service.${durationsApart} ${BURN_MEANS}.`,
            [{ expr: latencyBurnExpr(f.model, f.web), legend: LEGEND }],
            { unit: BURN_UNIT, min: 0, levels: BURN_LEVELS, span: 8 },
          ),
        ]
      : []),
  ];
}

/** Workers' and schedulers' p95 and p99 durations, without a threshold. */
function taskDurationGraphs(f: OverviewFacts): cog.Builder<dashboard.Panel>[] {
  const tasks = spanRed(...f.select.tasks);
  const nouns = workNouns([...f.workers, ...f.schedulers]).toLowerCase();
  return (
    [
      [0.95, '95'],
      [0.99, '99'],
    ] as const
  ).map(([q, nth]) =>
    timeseries(
      `p${nth} duration: ${nouns}`,
      `Duration, ${nth}th percentile, per service (span metrics).${f.what.tasks} No threshold: ${f.noThresholdWhy}.`,
      [{ expr: tasks.quantile(q, [SVC]), legend: LEGEND }],
      { unit: 's', min: 0 },
    ),
  );
}

export function latencyAndDurationGraphs(f: OverviewFacts): cog.Builder<dashboard.Panel>[] {
  return [
    ...(f.select.requests.length > 0 ? latencyGraphs(f) : []),
    ...(f.select.tasks.length > 0 ? taskDurationGraphs(f) : []),
  ];
}
