/**
 * `promtool test rules` files for the generated rules: for every alert, a synthetic series that
 * must make it fire (with its exact labels and annotations) and a healthy one that must keep it
 * silent. The series are built from the same thresholds the rules use, so a rule that cannot fire
 * at its own threshold fails its test.
 */
import {
  COLLECTOR_METRICS,
  METRICS,
  SCRAPE_JOBS,
  SPAN_LABELS,
  STATUS_ERROR,
  serviceScrapeJob,
  workSpanKind,
} from '../../model/conventions.js';
import type { ServiceModel, SystemModel } from '../../model/schema.js';
import { maxPublishGapOf, sloOf } from '../../model/schema.js';
import type { AlertRule, RuleFile } from './rules.js';
import {
  ALERTS,
  BURN_RATES,
  PUBLISH_FAILURE_WINDOW,
  burnThreshold,
  durationMinutes,
} from './rules.js';

interface InputSeries {
  series: string;
  values: string;
}

interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpectedAlert[];
}

interface TestCase {
  name: string;
  interval: string;
  input_series: InputSeries[];
  alert_rule_test: AlertTest[];
}

export interface RuleTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: TestCase[];
}

/** Span status of calls that neither failed nor were marked OK (what instrumentation mostly sets). */
const STATUS_UNSET = 'STATUS_CODE_UNSET';
/** Requests per minute in the synthetic series: large, so rounded error counts stay exact enough. */
const PER_MINUTE = 10_000;

const series = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;

/** A counter growing by `perMinute` for `minutes` minutes. */
const counter = (perMinute: number, minutes: number) => `0+${perMinute}x${minutes}`;

/** `{{ $labels.x }}` filled in as Prometheus would for an alert with these labels. */
export function renderTemplate(text: string, labels: Record<string, string>): string {
  return text.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
}

function expected(rule: AlertRule, seriesLabels: Record<string, string>): ExpectedAlert {
  const labels = { ...seriesLabels, ...rule.labels };
  return {
    exp_labels: labels,
    exp_annotations: Object.fromEntries(
      Object.entries(rule.annotations).map(([k, v]) => [k, renderTemplate(v, labels)]),
    ),
  };
}

function alertsNamed(file: RuleFile, name: string): AlertRule[] {
  return file.groups.flatMap((g) =>
    g.rules.filter((r): r is AlertRule => 'alert' in r && r.alert === name),
  );
}

/** A service's span-call counter series of its own spans (`workSpanKind`) with `status`. */
function callsSeries(service: ServiceModel, status: string): string {
  return series(METRICS.spanCalls, {
    [SPAN_LABELS.service]: service.name,
    [SPAN_LABELS.kind]: workSpanKind(service),
    [SPAN_LABELS.status]: status,
  });
}

/**
 * Span-metric series of a service: `errorRatio` of its own spans (server spans, or a worker's
 * consumer spans) fail and `slowRatio` are
 * slower than the SLO threshold, for `minutes` minutes.
 */
function serviceTraffic(
  service: ServiceModel,
  leValue: string,
  errorRatio: number,
  slowRatio: number,
  minutes: number,
): InputSeries[] {
  const base = { [SPAN_LABELS.service]: service.name, [SPAN_LABELS.kind]: workSpanKind(service) };
  const errors = Math.round(errorRatio * PER_MINUTE);
  const fast = Math.round((1 - slowRatio) * PER_MINUTE);
  return [
    {
      series: callsSeries(service, STATUS_UNSET),
      values: counter(PER_MINUTE - errors, minutes),
    },
    { series: callsSeries(service, STATUS_ERROR), values: counter(errors, minutes) },
    {
      series: series(`${METRICS.spanDuration}_bucket`, { ...base, le: leValue }),
      values: counter(fast, minutes),
    },
    {
      series: series(`${METRICS.spanDuration}_count`, base),
      values: counter(PER_MINUTE, minutes),
    },
  ];
}

/** Tests for one service's rule file (`ruleFile` is the path from the test file to it). */
export function serviceRuleTests(
  model: SystemModel,
  service: ServiceModel,
  rules: RuleFile,
  ruleFile: string,
): RuleTestFile {
  const slo = sloOf(model, service);
  // Prometheus 2 (promtool here) keeps integer bounds as "1"; the rules match "1" and "1.0".
  const le = String(slo.latencyThresholdMs / 1000);
  const [fastBurn, slowBurn] = BURN_RATES;
  const svc = { [SPAN_LABELS.service]: service.name };
  // A worker's error budget burns on its tasks; it has no latency budget (see serviceRules).
  const errorAlert = service.servesHttp ? ALERTS.errorBudgetBurn : ALERTS.taskErrorBudgetBurn;
  const errorAlerts = alertsNamed(rules, errorAlert);
  const latencyAlerts = alertsNamed(rules, ALERTS.latencyBudgetBurn);
  const bySeverity = (alerts: AlertRule[], severity: string) =>
    alerts.filter((a) => a.labels.severity === severity).map((a) => expected(a, svc));

  // A ratio above the fast burn threshold, and one between the slow and the fast threshold.
  const ratios = (target: number) => {
    const fast = burnThreshold(fastBurn.factor, target);
    const slow = burnThreshold(slowBurn.factor, target);
    return { fast: (fast + 1) / 2, slow: (fast + slow) / 2 };
  };
  const errorRatios = ratios(slo.availability);
  const slowRatios = ratios(slo.latencyTarget);
  const LONG = 420; // minutes: more than the 6h window
  const SHORT = 100; // minutes: long enough for the 1h window and the `for` of both alerts

  const burns = errorAlerts.length > 0;
  const latency = latencyAlerts.length > 0;
  const down = alertsNamed(rules, ALERTS.serviceTargetDown)[0];
  // A scheduler's alerts (see serviceRules): on its producer spans, the tasks it publishes.
  const publishFailing = alertsNamed(rules, ALERTS.taskPublishFailing)[0];
  const publishStopped = alertsNamed(rules, ALERTS.taskPublishStopped)[0];
  const tests: TestCase[] = [];
  if (burns || down || publishFailing)
    tests.push({
      name: `${service.name}: healthy traffic fires nothing`,
      interval: '1m',
      input_series: [
        ...(burns || publishFailing ? serviceTraffic(service, le, 0, 0, LONG) : []),
        ...(down
          ? [
              {
                series: series('up', { job: serviceScrapeJob(service), instance: 'svc:1' }),
                values: `1x${LONG}`,
              },
            ]
          : []),
      ],
      alert_rule_test: [
        ...(burns ? [errorAlert] : []),
        ...(latency ? [ALERTS.latencyBudgetBurn] : []),
        ...(publishFailing ? [ALERTS.taskPublishFailing] : []),
        ...(publishStopped ? [ALERTS.taskPublishStopped] : []),
        ...(down ? [ALERTS.serviceTargetDown] : []),
      ].map((alertname) => ({ eval_time: `${LONG}m`, alertname, exp_alerts: [] })),
    });
  if (publishFailing) {
    const window = durationMinutes(PUBLISH_FAILURE_WINDOW);
    const published = serviceTraffic(service, le, 0, 0, SHORT)[0]!;
    const failed = callsSeries(service, STATUS_ERROR);
    // The error series is born with the first failure, at 1: `increase` alone would miss it.
    const firstAt = SHORT - window;
    tests.push(
      {
        name: `${service.name}: failed publishes are reported`,
        interval: '1m',
        input_series: serviceTraffic(service, le, 0.01, 0, SHORT),
        alert_rule_test: [
          {
            eval_time: `${SHORT}m`,
            alertname: ALERTS.taskPublishFailing,
            exp_alerts: [expected(publishFailing, svc)],
          },
        ],
      },
      {
        name: `${service.name}: a first failed publish is reported, and clears after ${PUBLISH_FAILURE_WINDOW}`,
        interval: '1m',
        input_series: [
          published,
          { series: failed, values: `_x${firstAt} 1x${SHORT - firstAt + window}` },
        ],
        alert_rule_test: [
          {
            eval_time: `${firstAt + 1}m`,
            alertname: ALERTS.taskPublishFailing,
            exp_alerts: [expected(publishFailing, svc)],
          },
          {
            eval_time: `${firstAt + window + 2}m`,
            alertname: ALERTS.taskPublishFailing,
            exp_alerts: [],
          },
        ],
      },
    );
  }
  if (burns)
    tests.push(
      {
        name: `${service.name}: a fast error budget burn pages (and tickets)`,
        interval: '1m',
        input_series: serviceTraffic(service, le, errorRatios.fast, 0, SHORT),
        alert_rule_test: [
          {
            eval_time: `${SHORT}m`,
            alertname: errorAlert,
            exp_alerts: [
              ...bySeverity(errorAlerts, 'critical'),
              ...bySeverity(errorAlerts, 'warning'),
            ],
          },
          ...(latency
            ? [{ eval_time: `${SHORT}m`, alertname: ALERTS.latencyBudgetBurn, exp_alerts: [] }]
            : []),
        ],
      },
      {
        name: `${service.name}: a slow error budget burn tickets only`,
        interval: '1m',
        input_series: serviceTraffic(service, le, errorRatios.slow, 0, LONG),
        alert_rule_test: [
          {
            eval_time: `${LONG}m`,
            alertname: errorAlert,
            exp_alerts: bySeverity(errorAlerts, 'warning'),
          },
        ],
      },
    );
  if (latency)
    tests.push(
      {
        name: `${service.name}: a fast latency budget burn pages (and tickets)`,
        interval: '1m',
        input_series: serviceTraffic(service, le, 0, slowRatios.fast, SHORT),
        alert_rule_test: [
          {
            eval_time: `${SHORT}m`,
            alertname: ALERTS.latencyBudgetBurn,
            exp_alerts: [
              ...bySeverity(latencyAlerts, 'critical'),
              ...bySeverity(latencyAlerts, 'warning'),
            ],
          },
          { eval_time: `${SHORT}m`, alertname: ALERTS.errorBudgetBurn, exp_alerts: [] },
        ],
      },
      {
        name: `${service.name}: a slow latency budget burn tickets only`,
        interval: '1m',
        input_series: serviceTraffic(service, le, 0, slowRatios.slow, LONG),
        alert_rule_test: [
          {
            eval_time: `${LONG}m`,
            alertname: ALERTS.latencyBudgetBurn,
            exp_alerts: bySeverity(latencyAlerts, 'warning'),
          },
        ],
      },
    );
  if (publishStopped) {
    const gap = durationMinutes(maxPublishGapOf(service));
    const pending = durationMinutes(publishStopped.for);
    const published = callsSeries(service, STATUS_UNSET);
    // Publishes every `every` minutes for `periods` periods: `n` held for `every` samples each.
    const sparse = (every: number, periods: number) =>
      Array.from({ length: periods }, (_, i) => `${i}x${every - 1}`).join(' ');
    // A rightly sparse schedule: one publish per 4/5 of the gap.
    const every = Math.max(1, Math.floor((gap * 4) / 5));
    const periods = Math.ceil((3 * gap) / every) + 2;
    const stopAt = 30;
    tests.push(
      {
        name: `${service.name}: publishing once per ${every}m (within its ${maxPublishGapOf(service)} gap) fires nothing`,
        interval: '1m',
        input_series: [{ series: published, values: sparse(every, periods) }],
        alert_rule_test: [
          {
            eval_time: `${every * periods - 1}m`,
            alertname: ALERTS.taskPublishStopped,
            exp_alerts: [],
          },
        ],
      },
      {
        name: `${service.name}: a scheduler that stops publishing is reported`,
        interval: '1m',
        input_series: [
          {
            series: published,
            values: `${counter(10, stopAt)} ${10 * stopAt}x${gap + pending + 10}`,
          },
        ],
        alert_rule_test: [
          {
            eval_time: `${stopAt + gap - 1}m`,
            alertname: ALERTS.taskPublishStopped,
            exp_alerts: [],
          },
          {
            eval_time: `${stopAt + gap + pending + 5}m`,
            alertname: ALERTS.taskPublishStopped,
            exp_alerts: [expected(publishStopped, svc)],
          },
        ],
      },
      {
        name: `${service.name}: a scheduler that never published is reported`,
        interval: '1m',
        input_series: [
          {
            series: series('up', { job: 'prometheus', instance: 'localhost:9090' }),
            values: `1x${gap + pending + 10}`,
          },
        ],
        alert_rule_test: [
          {
            eval_time: `${gap + pending + 5}m`,
            alertname: ALERTS.taskPublishStopped,
            exp_alerts: [expected(publishStopped, svc)],
          },
        ],
      },
    );
  }
  if (down) {
    const labels = { job: serviceScrapeJob(service), instance: 'svc:1' };
    tests.push({
      name: `${service.name}: a target that stops answering is reported`,
      interval: '1m',
      input_series: [{ series: series('up', labels), values: '0x20' }],
      alert_rule_test: [
        {
          eval_time: '20m',
          alertname: ALERTS.serviceTargetDown,
          exp_alerts: [expected(down, labels)],
        },
      ],
    });
  }
  return { rule_files: [ruleFile], evaluation_interval: '1m', tests };
}

/** Tests for the stack rules: each alert fires on its failure and stays silent when healthy. */
export function stackRuleTests(rules: RuleFile, ruleFile: string): RuleTestFile {
  const one = (name: string) => {
    const rule = alertsNamed(rules, name)[0];
    if (!rule) throw new Error(`stack rules have no alert ${name}`);
    return rule;
  };
  const M = COLLECTOR_METRICS;
  const collector = { job: SCRAPE_JOBS.collectorSelf, instance: 'otel-collector:8888' };
  const exporterJob = { job: SCRAPE_JOBS.collectorExporter, instance: 'otel-collector:8889' };
  const receiver = { receiver: 'otlp', transport: 'grpc' };
  const exporter = { exporter: 'otlp_grpc/jaeger', data_type: 'traces' };
  const minutes = 30;
  const inputs = (healthy: boolean): InputSeries[] => [
    { series: series('up', collector), values: `${healthy ? 1 : 0}x${minutes}` },
    { series: series('up', exporterJob), values: `1x${minutes}` },
    { series: series(M.refusedSpans, receiver), values: counter(healthy ? 0 : 10, minutes) },
    { series: series(M.failedSpans, exporter), values: counter(healthy ? 0 : 10, minutes) },
    { series: series(M.queueSize, exporter), values: `${healthy ? 10 : 900}x${minutes}` },
    { series: series(M.queueCapacity, exporter), values: `1000x${minutes}` },
  ];
  const at = `${minutes}m`;
  const cases: [string, Record<string, string>][] = [
    [ALERTS.targetDown, collector],
    [ALERTS.collectorRefusing, { receiver: receiver.receiver }],
    [ALERTS.collectorExportFailing, { exporter: exporter.exporter }],
    [ALERTS.collectorQueueFull, { exporter: exporter.exporter }],
  ];
  return {
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: [
      {
        name: 'stack: a healthy Collector fires nothing',
        interval: '1m',
        input_series: inputs(true),
        alert_rule_test: cases.map(([alertname]) => ({ eval_time: at, alertname, exp_alerts: [] })),
      },
      {
        name: 'stack: a Collector that is down, refuses, drops and queues is reported',
        interval: '1m',
        input_series: inputs(false),
        alert_rule_test: cases.map(([alertname, labels]) => ({
          eval_time: at,
          alertname,
          exp_alerts: [expected(one(alertname), labels)],
        })),
      },
    ],
  };
}
