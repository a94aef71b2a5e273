/**
 * The health tables, one row per service, now: rate, share failed, p95/p99, and burn rates where
 * the services' SLOs differ. Grafana colours a table by column, not by row: the request latency
 * threshold would colour a worker's task durations too, which have none (a task may rightly take
 * minutes), and workers' failures count against the availability SLO, schedulers' against none.
 * So web services, workers and schedulers each get a table of their own.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { ServiceModel } from '../../model/schema.js';
import { jaegerSearchUrl } from '../common.js';
import { BURN_LEVELS } from '../levels.js';
import type { Column, TableOptions } from '../panels.js';
import { table } from '../panels.js';
import { redColumns, spanRed } from '../queries.js';
import type { OverviewFacts } from './facts.js';
import { SVC, workNouns } from './lines.js';
import { BURN_MEANS, BURN_UNIT, SCHEDULER_NO_SLO, errorBurnExpr, latencyBurnExpr } from './slo.js';

/** The table's columns with the burn columns: error budget burn after the error ratio, latency last. */
function withBurn(columns: Column[], errorBurn: Column[], latencyBurn: Column[]): Column[] {
  const at = columns.findIndex((c) => c.header === 'Error ratio') + 1;
  return [...columns.slice(0, at), ...errorBurn, ...columns.slice(at), ...latencyBurn];
}

/** What every health table shares: a row per service, worst first, linked to its traces. */
function healthOptions(f: OverviewFacts): TableOptions {
  return {
    labels: [SVC],
    labelHeaders: { [SVC]: 'Service' },
    sortBy: f.slo.errorsBurn ? 'Error budget burn' : 'Error ratio',
    links: [
      {
        title: 'Traces of ${__data.fields.Service}',
        url: jaegerSearchUrl('${__data.fields.Service}'),
      },
    ],
  };
}

/** A burn rate column: one unit and one set of levels for every service's own budget. */
const burnColumn = (header: string, expr: string): Column => ({
  header,
  expr,
  unit: BURN_UNIT,
  levels: BURN_LEVELS,
});

/** The Error budget burn column of these services, while errors burn. */
function errorBurnColumns(f: OverviewFacts, services: readonly ServiceModel[]): Column[] {
  return f.slo.errorsBurn
    ? [burnColumn('Error budget burn', errorBurnExpr(f.model, services))]
    : [];
}

/** What the burn columns are and why the ratio or latency beside them is not coloured. */
function burnColumnsText(f: OverviewFacts, latency: boolean): string {
  const errors = f.slo.errorsBurn
    ? ` Error budget burn: the share that failed over the service's own error budget (1 - its availability SLO); ${BURN_MEANS}. The error ratio is not coloured: the services' availability SLOs differ.`
    : '';
  const latencies =
    latency && f.slo.latencyBurn
      ? ` Latency budget burn: the share slower than the service's own latency threshold over its latency budget (1 - its latency target); ${BURN_MEANS}. p95/p99 are not coloured: the services' latency thresholds differ.`
      : '';
  return errors + latencies;
}

function serviceHealth(f: OverviewFacts): cog.Builder<dashboard.Panel> {
  const { errorLevels: errors, latencyLevels: latency } = f.slo;
  const tablesBelow = f.workers.length > 0 && f.schedulers.length > 0 ? 'tables' : 'table';
  const othersBelow = f.webOnly
    ? ''
    : ` Web services; ${f.otherKinds} in the ${tablesBelow} below.`;
  return table(
    'Service health',
    `Per service, now: server requests per second, share that failed, and p95/p99 latency (span metrics).${othersBelow}${burnColumnsText(f, true)} Click a service for its traces.`,
    withBurn(
      redColumns(spanRed(...f.select.requests), [SVC], { errors, latency }, 'Requests/s'),
      errorBurnColumns(f, f.web),
      f.slo.latencyBurn ? [burnColumn('Latency budget burn', latencyBurnExpr(f.model, f.web))] : [],
    ),
    healthOptions(f),
  );
}

function workerHealth(f: OverviewFacts): cog.Builder<dashboard.Panel> {
  const nouns = workNouns(f.workers);
  return table(
    'Worker health',
    `Per service, now: ${nouns.toLowerCase()} per second, share that failed, and p95/p99 duration (span metrics).${f.what.workers}${burnColumnsText(f, false)} Durations are not coloured: ${f.noThresholdWhy}. Click a service for its traces.`,
    withBurn(
      redColumns(spanRed(...f.select.workers), [SVC], { errors: f.slo.errorLevels }, `${nouns}/s`),
      errorBurnColumns(f, f.workers),
      [],
    ),
    healthOptions(f),
  );
}

function schedulerHealth(f: OverviewFacts): cog.Builder<dashboard.Panel> {
  return table(
    'Scheduler health',
    `Per service, now: published tasks per second, share that failed, and p95/p99 duration (span metrics).${f.what.schedulers} ${SCHEDULER_NO_SLO} Click a service for its traces.`,
    redColumns(spanRed(...f.select.schedulers), [SVC], {}, 'Published tasks/s'),
    healthOptions(f),
  );
}

/** A table per kind of service the model has: web services, workers, schedulers. */
export function healthTables(f: OverviewFacts): cog.Builder<dashboard.Panel>[] {
  return [
    ...(f.select.requests.length > 0 ? [serviceHealth(f)] : []),
    ...(f.select.workers.length > 0 ? [workerHealth(f)] : []),
    ...(f.select.schedulers.length > 0 ? [schedulerHealth(f)] : []),
  ];
}
