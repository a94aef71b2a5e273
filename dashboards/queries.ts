/**
 * The PromQL behind every panel, built from the names in model/conventions.ts. A query source is
 * "RED" shaped: a request rate, an error ratio (0, not empty, when there are no errors) and
 * latency quantiles, each grouped by the labels a panel asks for.
 */
import {
  COLLECTOR_METRICS,
  METRICS,
  SDK_LABELS,
  SPAN_LABELS,
  STATUS_ERROR,
  leBound,
} from '../model/conventions.js';
import type { Column, Levels } from './panels.js';
import type { Matcher } from './promql.js';
import { eq, histogramQuantile, ne, rate, ratioOrZero, re, selector, sumBy } from './promql.js';

export interface Red {
  /** Requests (or calls) per second. */
  rate(by: readonly string[]): string;
  /** Share of requests that failed, 0..1. */
  errorRatio(by: readonly string[]): string;
  /** Latency quantile in seconds. */
  quantile(q: number, by: readonly string[]): string;
  /**
   * Share of requests slower than `thresholdMs`, 0..1, from the histogram's bucket at it (a bucket
   * boundary: spanDurationBucketsMs adds every SLO threshold), as the latency recording rules.
   */
  slowRatio(thresholdMs: number, by: readonly string[]): string;
  /** Failed requests counted over a window (for "top failing" tables). */
  errorsIncrease(by: readonly string[], window: string): string;
}

/**
 * RED from a counter of calls with an error label value, and a latency histogram. Each entry of
 * `selections` (matchers) selects series; several are joined with `or` before summing, so that one
 * query can take different spans per service (server spans of web services, consumer spans of
 * workers). `errors` are the matchers that mark a failure.
 */
function red(
  counter: string,
  histogram: string,
  selections: readonly (readonly Matcher[])[],
  errors: readonly Matcher[],
): Red {
  const union = (metric: string, extra: readonly Matcher[], over: (sel: string) => string) =>
    selections.map((m) => over(selector(metric, [...m, ...extra]))).join(' or ');
  const rated = (sel: string) => rate(sel);
  const all = union(counter, [], rated);
  const failed = union(counter, errors, rated);
  const buckets = union(`${histogram}_bucket`, [], rated);
  const le = (ms: number) => {
    const b = leBound(ms);
    return b.regex ? re('le', b.value) : eq('le', b.value);
  };
  return {
    rate: (by) => sumBy(by, all),
    errorRatio: (by) => ratioOrZero(sumBy(by, failed), sumBy(by, all)),
    quantile: (q, by) => histogramQuantile(q, buckets, by),
    slowRatio: (ms, by) =>
      `1 - ${sumBy(by, union(`${histogram}_bucket`, [le(ms)], rated))} / ${sumBy(by, union(`${histogram}_count`, [], rated))}`,
    errorsIncrease: (by, window) =>
      sumBy(
        by,
        union(counter, errors, (sel) => `increase(${sel}[${window}])`),
      ),
  };
}

/**
 * The columns of a RED summary table: rate (headed `rateHeader`), error ratio, p95 and p99, per
 * `by` labels; a column without levels is not coloured.
 */
export function redColumns(
  red: Red,
  by: readonly string[],
  levels: { errors?: Levels; latency?: Levels },
  rateHeader = 'Requests/s',
): Column[] {
  return [
    { header: rateHeader, expr: red.rate(by), unit: 'reqps' },
    { header: 'Error ratio', expr: red.errorRatio(by), unit: 'percentunit', levels: levels.errors },
    { header: 'p95', expr: red.quantile(0.95, by), unit: 's', levels: levels.latency },
    { header: 'p99', expr: red.quantile(0.99, by), unit: 's', levels: levels.latency },
  ];
}

/**
 * Spans from the spanmetrics connector, e.g. a service's server spans; with several selections,
 * the spans any of them selects.
 */
export function spanRed(...selections: readonly (readonly Matcher[])[]): Red {
  return red(METRICS.spanCalls, METRICS.spanDuration, selections, [
    eq(SPAN_LABELS.status, STATUS_ERROR),
  ]);
}

/** Requests a service served, from the HTTP server duration histogram its SDK emits; 5xx fail. */
export function httpServerRed(job: string): Red {
  return red(
    `${METRICS.httpServerDuration}_count`,
    METRICS.httpServerDuration,
    [[eq(SDK_LABELS.job, job)]],
    [re(SDK_LABELS.status, '5..')],
  );
}

/**
 * Requests a service made over HTTP, from the HTTP client duration histogram. A client call fails
 * on 4xx, 5xx or no answer; the stable conventions put each of these in `error.type`.
 */
export function httpClientRed(job: string): Red {
  return red(
    `${METRICS.httpClientDuration}_count`,
    METRICS.httpClientDuration,
    [[eq(SDK_LABELS.job, job)]],
    [ne(SDK_LABELS.errorType, '')],
  );
}

/** Spans and metric points in and out of the Collector, and what it refused or failed to send. */
export const collectorQueries = {
  up: (jobs: readonly string[]) => sumBy(['job'], selector('up', [re('job', jobs.join('|'))])),
  accepted: (metric: string) => sumBy(['receiver'], rate(metric)),
  /** Refused or failed items per second; 0 while the counter has none. */
  lost: (metric: string, sibling: string, by: string) =>
    `${sumBy([by], rate(metric))} or ${sumBy([by], rate(sibling))} * 0`,
  queueUsage: () =>
    `max by (exporter) (${COLLECTOR_METRICS.queueSize} / ${COLLECTOR_METRICS.queueCapacity})`,
};

/**
 * Alerts Prometheus has active now, firing or pending (its ALERTS series): a pending alert is one
 * whose condition holds but whose `for` has not yet run out.
 */
export function activeAlerts(): string {
  return selector('ALERTS', [re('alertstate', 'firing|pending')]);
}
