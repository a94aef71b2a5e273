/**
 * Recording and alert rules, following the monitoring-mixin conventions: CamelCase alert names,
 * `severity` critical|warning|info, `summary` and `description` annotations, `runbook_url` when a
 * runbook base URL is configured.
 *
 * Per service that serves HTTP (from span metrics of its SERVER spans): the error ratio and the
 * share of requests slower than the SLO threshold, recorded over 5m/30m/1h/6h, and multi-window
 * multi-burn-rate alerts on both (SRE workbook, chapter 5: 14.4x over 1h and 5m pages, 6x over
 * 6h and 30m tickets). Per worker (servesHttp false), the same on the error ratio of its CONSUMER
 * spans (the tasks and messages it consumes) against its availability SLO; the latency SLO, a
 * request threshold, does not apply to tasks. Per scheduler (celery beat), whose work is the
 * tasks it publishes (PRODUCER spans): an alert on any publish that failed, and one when it has
 * published nothing for its maxPublishGap. For the stack: scrape targets down and the Collector
 * refusing or failing to export data.
 */
import { durationMs } from '../../core/duration.js';
import {
  COLLECTOR_METRICS,
  METRICS,
  SCRAPE_JOBS,
  SPAN_LABELS,
  STATUS_ERROR,
  leMatcher,
  serviceScrapeJob,
  workSpanKind,
} from '../../model/conventions.js';
import type { ServiceModel, SloModel, SystemModel } from '../../model/schema.js';
import { maxPublishGapOf, sloOf } from '../../model/schema.js';

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertRule;

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

/** Windows the recording rules cover: the short and long window of each burn-rate alert. */
export const WINDOWS = ['5m', '30m', '1h', '6h'] as const;
export type Window = (typeof WINDOWS)[number];

/** SRE workbook burn rates for a 30-day SLO: how fast, over which windows, how loud. */
export const BURN_RATES = [
  {
    factor: 14.4,
    long: '1h',
    short: '5m',
    for: '2m',
    severity: 'critical',
    budgetGoneIn: '2 days',
  },
  { factor: 6, long: '6h', short: '30m', for: '15m', severity: 'warning', budgetGoneIn: '5 days' },
] as const satisfies readonly {
  factor: number;
  long: Window;
  short: Window;
  for: string;
  severity: string;
  budgetGoneIn: string;
}[];

/** Largest burn factor: an SLO whose budget times this exceeds 1 can never page. */
export const MAX_BURN_FACTOR = Math.max(...BURN_RATES.map((b) => b.factor));

/** Names of the recorded series (level:metric:operations). */
export const RECORDED = {
  requests: (w: Window) => `service_name:obs_server_requests:rate${w}`,
  errorRatio: (w: Window) => `service_name:obs_server_errors:ratio_rate${w}`,
  slowRatio: (w: Window) => `service_name:obs_server_slow_requests:ratio_rate${w}`,
  /** A worker's consumer spans: the tasks and messages it consumes. */
  consumed: (w: Window) => `service_name:obs_consumer_spans:rate${w}`,
  consumedErrorRatio: (w: Window) => `service_name:obs_consumer_errors:ratio_rate${w}`,
} as const;

export const ALERTS = {
  errorBudgetBurn: 'ServiceErrorBudgetBurn',
  latencyBudgetBurn: 'ServiceLatencyBudgetBurn',
  taskErrorBudgetBurn: 'ServiceTaskErrorBudgetBurn',
  taskPublishFailing: 'ServiceTaskPublishFailing',
  taskPublishStopped: 'ServiceTaskPublishStopped',
  serviceTargetDown: 'ServiceTargetDown',
  targetDown: 'TargetDown',
  collectorRefusing: 'OtelCollectorRefusingData',
  collectorExportFailing: 'OtelCollectorExportFailing',
  collectorQueueFull: 'OtelCollectorExporterQueueNearlyFull',
} as const;

/** A float without binary noise (14.4 * 0.005 is 0.07200000000000001). */
export const clean = (x: number) => Number.parseFloat(x.toPrecision(10));
const pct = (x: number) => `${clean(x * 100)}%`;

/** The threshold a burn-rate alert compares a ratio with. */
export const burnThreshold = (factor: number, target: number) => clean(factor * (1 - target));

export interface RuleOptions {
  /** Base URL of runbooks; alerts get `<base>/<alertname>`. */
  runbookBaseUrl: string | undefined;
}

function annotate(
  alert: string,
  summary: string,
  description: string,
  opts: RuleOptions,
): Record<string, string> {
  return {
    summary,
    description,
    ...(opts.runbookBaseUrl
      ? { runbook_url: `${opts.runbookBaseUrl.replace(/\/+$/, '')}/${alert.toLowerCase()}` }
      : {}),
  };
}

/** The service's own spans: server spans, or a worker's consumer spans. */
function workSelector(service: ServiceModel, extra = ''): string {
  return `${SPAN_LABELS.service}="${service.name}",${SPAN_LABELS.kind}="${workSpanKind(service)}"${extra}`;
}

function recordingRules(service: ServiceModel, slo: SloModel): RecordingRule[] {
  const by = `sum by (${SPAN_LABELS.service})`;
  const calls = (w: Window, extra = '') =>
    `${by} (rate(${METRICS.spanCalls}{${workSelector(service, extra)}}[${w}]))`;
  const rules: RecordingRule[] = [];
  const http = service.servesHttp;
  for (const w of WINDOWS) {
    rules.push({ record: (http ? RECORDED.requests : RECORDED.consumed)(w), expr: calls(w) });
    // `or ... * 0`: a service without errors has a ratio of 0, not no ratio at all.
    rules.push({
      record: (http ? RECORDED.errorRatio : RECORDED.consumedErrorRatio)(w),
      expr:
        `(${calls(w, `,${SPAN_LABELS.status}="${STATUS_ERROR}"`)} or ${calls(w)} * 0)` +
        ` / ${calls(w)}`,
    });
    if (!http) continue;
    const fast = `${by} (rate(${METRICS.spanDuration}_bucket{${workSelector(service, `,${leMatcher(slo.latencyThresholdMs)}`)}}[${w}]))`;
    const all = `${by} (rate(${METRICS.spanDuration}_count{${workSelector(service)}}[${w}]))`;
    rules.push({ record: RECORDED.slowRatio(w), expr: `1 - ${fast} / ${all}` });
  }
  return rules;
}

function burnRateAlerts(service: ServiceModel, slo: SloModel, opts: RuleOptions): AlertRule[] {
  const sel = `{${SPAN_LABELS.service}="${service.name}"}`;
  // A worker's tasks burn its availability budget; their durations have no SLO threshold.
  const taskBudget = {
    alert: ALERTS.taskErrorBudgetBurn,
    slo: 'availability',
    budget: 'error budget',
    target: slo.availability,
    ratio: RECORDED.consumedErrorRatio,
    bad: 'failed',
  } as const;
  // The two SLOs of a service: what counts against each budget, and how it is recorded.
  const httpBudgets = [
    {
      alert: ALERTS.errorBudgetBurn,
      slo: 'availability',
      budget: 'error budget',
      target: slo.availability,
      ratio: RECORDED.errorRatio,
      bad: 'failed',
    },
    {
      alert: ALERTS.latencyBudgetBurn,
      slo: 'latency',
      budget: 'latency budget',
      target: slo.latencyTarget,
      ratio: RECORDED.slowRatio,
      bad: `took longer than ${slo.latencyThresholdMs}ms`,
    },
  ] as const;
  const budgets = service.servesHttp ? httpBudgets : [taskBudget];
  const what = service.servesHttp
    ? `requests ${service.name} served`
    : `tasks and messages ${service.name} consumed (consumer spans)`;
  return budgets.flatMap((s) =>
    BURN_RATES.map((b) => {
      const threshold = burnThreshold(b.factor, s.target);
      return {
        alert: s.alert,
        expr:
          `${s.ratio(b.long)}${sel} > ${threshold}` +
          ` and ${s.ratio(b.short)}${sel} > ${threshold}`,
        for: b.for,
        labels: { severity: b.severity, slo: s.slo, window: b.long },
        annotations: annotate(
          s.alert,
          `${service.name} is burning its ${s.budget} ${b.factor} times too fast.`,
          `More than ${pct(threshold)} of the ${what} over the last ` +
            `${b.long} and ${b.short} ${s.bad}; its SLO allows ${pct(1 - s.target)}. At this ` +
            `rate the 30-day ${s.budget} is gone in ${b.budgetGoneIn}.`,
          opts,
        ),
      };
    }),
  );
}

/**
 * Window a failed publish of a scheduler stays alerting for. A failed publish is an event (a
 * periodic task that does not run this time), not a rate: its alert fires at once (`for: 0m`)
 * and resolves this long after the last one.
 */
export const PUBLISH_FAILURE_WINDOW = '15m';

/**
 * Spans of a service counted over `w`, by service: `increase`, plus the whole count of series
 * born inside the window. `increase` needs two samples and so skips a series' first one, and a
 * span-metrics series is born with its first span: a scheduler's first failed publish (the error
 * series appears at 1) would go unseen, and for a schedule that publishes rarely that may be the
 * only one.
 */
function spansOver(selector: string, w: string): string {
  const calls = `${METRICS.spanCalls}{${selector}}`;
  return (
    `sum by (${SPAN_LABELS.service}) ` +
    `((${calls} unless ${calls} offset ${w}) or increase(${calls}[${w}]))`
  );
}

/** A scheduler's alert on the tasks it failed to publish (its producer spans with status error). */
function publishFailing(service: ServiceModel, opts: RuleOptions): AlertRule {
  const w = PUBLISH_FAILURE_WINDOW;
  return {
    alert: ALERTS.taskPublishFailing,
    expr: `${spansOver(workSelector(service, `,${SPAN_LABELS.status}="${STATUS_ERROR}"`), w)} > 0`,
    for: '0m',
    labels: { severity: 'warning' },
    annotations: annotate(
      ALERTS.taskPublishFailing,
      `${service.name} failed to publish tasks.`,
      `${service.name} failed to publish tasks (producer spans with status error) in the last ` +
        `${w}: each is a scheduled task that does not run this time. Check that the broker is ` +
        `up and reachable from ${service.name}, and its traces for the error.`,
      opts,
    ),
  };
}

/** Minutes in a maxPublishGap (`90m`, `1h`, `2d`; the schema checked its form). */
export function durationMinutes(d: string): number {
  const ms = durationMs(d);
  if (ms === undefined) throw new Error(`not a duration in m, h or d: ${d}`);
  return ms / 60_000;
}

/**
 * Shortest maxPublishGap: span metrics arrive every flush interval and scrape (15s each by
 * default), and `increase` needs several samples in its window to see a publish.
 */
export const MIN_PUBLISH_GAP_MINUTES = 5;

/**
 * A scheduler's alert when it publishes nothing for its maxPublishGap: beat's loop stuck (a lock
 * another beat holds, a crashed loop) while the process lives, or beat not running. Its span
 * series stay exported at their last value (the connector keeps them), hence `== 0`; when it has
 * none at all (never published since the Collector started), `absent_over_time`. The gap is the
 * model's, as only the user knows how sparse the schedule rightly is; `for` lets a publish that
 * lands right at the edge of the window count.
 */
function publishStopped(service: ServiceModel, opts: RuleOptions): AlertRule {
  const w = maxPublishGapOf(service);
  const calls = `${METRICS.spanCalls}{${workSelector(service)}}`;
  return {
    alert: ALERTS.taskPublishStopped,
    expr:
      `${spansOver(workSelector(service), w)} == 0` +
      ` or sum by (${SPAN_LABELS.service}) (absent_over_time(${calls}[${w}]))`,
    for: '5m',
    labels: { severity: 'warning' },
    annotations: annotate(
      ALERTS.taskPublishStopped,
      `${service.name} has stopped publishing tasks.`,
      `${service.name} has published no task (producer spans) for ${w}: its scheduler loop is ` +
        `stuck (a lock, a crashed loop) or it is not running, and scheduled tasks do not run. ` +
        `If its schedule rightly leaves longer gaps, raise its maxPublishGap in obs.yaml.`,
      opts,
    ),
  };
}

function serviceTargetDown(service: ServiceModel, opts: RuleOptions): AlertRule {
  return {
    alert: ALERTS.serviceTargetDown,
    expr: `up{job="${serviceScrapeJob(service)}"} == 0`,
    for: '5m',
    labels: { severity: 'warning' },
    annotations: annotate(
      ALERTS.serviceTargetDown,
      `Prometheus cannot scrape ${service.name}.`,
      `${service.name} has not answered on ${service.metricsPath ?? '/metrics'} at ` +
        `{{ $labels.instance }} for 5 minutes: it is down or unreachable from Prometheus.`,
      opts,
    ),
  };
}

/**
 * Rules of one service: recording rules, then its alerts. A service that serves no HTTP has no
 * server spans: its rules record and alert on its consumer spans instead. A scheduler gets neither:
 * it alerts on the tasks it failed to publish and when it stops publishing (and ServiceTargetDown
 * when it serves metrics).
 */
export function serviceRules(
  model: SystemModel,
  service: ServiceModel,
  opts: RuleOptions,
): RuleFile {
  const slo = sloOf(model, service);
  // A scheduler (celery beat) serves and consumes nothing: no SLO of the model is about what it
  // does, and rules on consumer spans would wait for series that never come. What it does is
  // publish tasks: each one that fails is a scheduled run lost, and so is every run of a beat
  // that stopped publishing.
  const alerts = service.scheduler
    ? [publishFailing(service, opts), publishStopped(service, opts)]
    : burnRateAlerts(service, slo, opts);
  if (service.metricsPath) alerts.push(serviceTargetDown(service, opts));
  const recording = service.scheduler ? [] : recordingRules(service, slo);
  return {
    groups: [
      ...(recording.length === 0
        ? []
        : [{ name: `${service.name}-slo-recording`, rules: recording }]),
      { name: `${service.name}-alerts`, rules: alerts },
    ],
  };
}

/** `a > 0 or b > 0 or c > 0` over the same grouping: one alert for any signal. */
function anySignal(metrics: string[], by: string): string {
  return metrics.map((m) => `sum by (${by}) (rate(${m}[5m])) > 0`).join(' or ');
}

/** Rules for the stack itself: its scrape targets and the Collector's pipelines. */
export function stackRules(opts: RuleOptions): RuleFile {
  const stackJobs = [SCRAPE_JOBS.collectorSelf, SCRAPE_JOBS.collectorExporter];
  const M = COLLECTOR_METRICS;
  return {
    groups: [
      {
        name: 'obs-stack-alerts',
        rules: [
          {
            alert: ALERTS.targetDown,
            expr: `up{job=~"${stackJobs.join('|')}"} == 0`,
            for: '5m',
            labels: { severity: 'critical' },
            annotations: annotate(
              ALERTS.targetDown,
              'Prometheus cannot scrape the OpenTelemetry Collector ({{ $labels.job }}).',
              'Target {{ $labels.instance }} of job {{ $labels.job }} has been down for 5 minutes: ' +
                'span metrics and service metrics are not arriving and the SLO alerts are blind.',
              opts,
            ),
          },
          {
            alert: ALERTS.collectorRefusing,
            expr: anySignal(
              [M.refusedSpans, M.refusedMetricPoints, M.refusedLogRecords],
              'receiver',
            ),
            for: '5m',
            labels: { severity: 'warning' },
            annotations: annotate(
              ALERTS.collectorRefusing,
              'The Collector is refusing telemetry on receiver {{ $labels.receiver }}.',
              'Receiver {{ $labels.receiver }} has refused data for 5 minutes, usually because the ' +
                'memory_limiter is over its limit: services lose spans, metrics or logs. Give the ' +
                'Collector more memory or lower the load.',
              opts,
            ),
          },
          {
            alert: ALERTS.collectorExportFailing,
            expr: anySignal([M.failedSpans, M.failedMetricPoints, M.failedLogRecords], 'exporter'),
            for: '5m',
            labels: { severity: 'warning' },
            annotations: annotate(
              ALERTS.collectorExportFailing,
              'The Collector is dropping data it cannot send through {{ $labels.exporter }}.',
              'Exporter {{ $labels.exporter }} has failed to send data for 5 minutes; what it ' +
                'could not send after retries is dropped. Check that its backend is up and ' +
                'reachable from the Collector.',
              opts,
            ),
          },
          {
            alert: ALERTS.collectorQueueFull,
            expr: `max by (exporter) (${M.queueSize} / ${M.queueCapacity}) > 0.8`,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: annotate(
              ALERTS.collectorQueueFull,
              'The sending queue of exporter {{ $labels.exporter }} is over 80% full.',
              'Exporter {{ $labels.exporter }} cannot keep up with its backend; once the queue is ' +
                'full, new data is dropped.',
              opts,
            ),
          },
        ],
      },
    ],
  };
}
