import type { PrometheusConfig } from '../../../compose/prometheus/generator.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prometheusFiles, prometheusGenerator } from '../../../compose/prometheus/generator.js';
import { ALERTS, RECORDED } from '../../../compose/prometheus/rules.js';
import type { AlertRule, RuleFile } from '../../../compose/prometheus/rules.js';
import { SCRAPE_JOBS, stackPaths } from '../../../model/conventions.js';
import { runGenerator } from '../../../model/generator.js';
import type { SystemModel } from '../../../model/schema.js';
import { validationError } from '../../support/generators.js';
import { fixtureModel } from '../../support/models.js';

const shop = fixtureModel('shop');

interface ScrapeConfig {
  job_name: string;
  honor_labels?: boolean;
  metrics_path?: string;
  static_configs: { targets: string[] }[];
}

function generate(model: SystemModel, config: Partial<PrometheusConfig> = {}) {
  const { files } = runGenerator(prometheusGenerator, model, config);
  const read = (path: string) => {
    const f = files.find((x) => x.path === path);
    if (!f) throw new Error(`no ${path}`);
    return f.content;
  };
  return { files, read };
}

const alerts = (file: RuleFile): AlertRule[] =>
  file.groups.flatMap((g) => g.rules.filter((r): r is AlertRule => 'alert' in r));

const problem = (model: SystemModel, config: Partial<PrometheusConfig> = {}) =>
  validationError(prometheusGenerator, model, config);

describe('prometheus.yml', () => {
  const yml = parse(generate(shop).read(stackPaths(shop).prometheusConfig)) as {
    rule_files: string[];
    scrape_configs: ScrapeConfig[];
  };
  const job = (name: string) => yml.scrape_configs.find((s) => s.job_name === name);

  it('scrapes the Collector exporter keeping the job and instance it derives per service', () => {
    expect(job(SCRAPE_JOBS.collectorExporter)).toEqual({
      job_name: SCRAPE_JOBS.collectorExporter,
      honor_labels: true,
      static_configs: [{ targets: [`otel-collector:${shop.stack.ports.collectorPrometheus}`] }],
    });
  });

  it("scrapes the Collector's own telemetry, Prometheus, and services that serve /metrics", () => {
    expect(job(SCRAPE_JOBS.collectorSelf)?.static_configs[0]?.targets).toEqual([
      `otel-collector:${shop.stack.ports.collectorMetrics}`,
    ]);
    expect(job(SCRAPE_JOBS.prometheus)?.static_configs[0]?.targets).toEqual(['localhost:9090']);
    expect(job('order-service')).toMatchObject({
      metrics_path: '/metrics',
      static_configs: [{ targets: ['order-service:3001'] }],
    });
    expect(job('gateway')).toBeUndefined();
    expect(yml.rule_files).toEqual(['rules/*.yml']);
  });

  it('scrapes a service at its compose service, the host name on the compose network', () => {
    const m: SystemModel = {
      ...shop,
      services: shop.services.map((s) =>
        s.name === 'order-service' ? { ...s, composeService: 'Orders.Api' } : s,
      ),
    };
    const renamed = parse(generate(m).read(stackPaths(m).prometheusConfig)) as typeof yml;
    expect(
      renamed.scrape_configs.find((s) => s.job_name === 'order-service')?.static_configs,
    ).toEqual([{ targets: ['Orders.Api:3001'] }]);
  });

  it('scrapes a metrics endpoint on a port of its own (prometheus_client start_http_server)', () => {
    const m: SystemModel = {
      ...shop,
      services: shop.services.map((s) =>
        s.name === 'catalog' ? { ...s, metricsPath: '/metrics', metricsPort: 9100 } : s,
      ),
    };
    const own = parse(generate(m).read(stackPaths(m).prometheusConfig)) as typeof yml;
    expect(own.scrape_configs.find((s) => s.job_name === 'catalog')?.static_configs).toEqual([
      { targets: ['catalog:9100'] },
    ]);
  });
});

describe('rules', () => {
  const rulesOf = (service: string, config = {}) =>
    parse(generate(shop, config).read(prometheusFiles(shop).serviceRules(service))) as RuleFile;

  it('follow the mixin conventions', () => {
    const { files } = generate(shop);
    const ruleFiles = files.filter((f) => f.path.includes('/rules/'));
    expect(ruleFiles.map((f) => f.path.split('/').at(-1)).sort()).toEqual([
      'service-catalog.yml',
      'service-gateway.yml',
      'service-order-service.yml',
      'stack.yml',
    ]);
    for (const f of ruleFiles) {
      for (const a of alerts(parse(f.content) as RuleFile)) {
        expect(a.alert).toMatch(/^[A-Z][A-Za-z]+$/);
        expect(['critical', 'warning', 'info']).toContain(a.labels.severity);
        expect(Object.keys(a.annotations)).toEqual(['summary', 'description']);
      }
    }
  });

  it('page on a 14.4x burn over 1h and 5m and ticket on a 6x burn over 6h and 30m', () => {
    const burn = alerts(rulesOf('gateway')).filter((a) => a.alert === ALERTS.errorBudgetBurn);
    expect(burn.map((a) => [a.labels.severity, a.for, a.expr])).toEqual([
      [
        'critical',
        '2m',
        `${RECORDED.errorRatio('1h')}{service_name="gateway"} > 0.072 and ${RECORDED.errorRatio('5m')}{service_name="gateway"} > 0.072`,
      ],
      [
        'warning',
        '15m',
        `${RECORDED.errorRatio('6h')}{service_name="gateway"} > 0.03 and ${RECORDED.errorRatio('30m')}{service_name="gateway"} > 0.03`,
      ],
    ]);
  });

  it("use a service's own SLO over the system's", () => {
    const latency = alerts(rulesOf('order-service')).filter(
      (a) => a.alert === ALERTS.latencyBudgetBurn,
    );
    expect(latency[0]?.expr).toContain('> 0.144');
    const recording = rulesOf('order-service').groups[0]!.rules;
    expect(JSON.stringify(recording)).toContain('le=\\"0.25\\"');
  });

  it('match integer second thresholds as Prometheus 2 ("1") and 3 ("1.0") store them', () => {
    const m: SystemModel = { ...shop, slo: { ...shop.slo, latencyThresholdMs: 1000 } };
    const file = parse(generate(m).read(prometheusFiles(m).serviceRules('gateway'))) as RuleFile;
    const slow = file.groups[0]!.rules.find(
      (r) => 'record' in r && r.record === RECORDED.slowRatio('5m'),
    );
    // PromQL string "1(\\.0)?" is the regex 1(\.0)?
    expect(slow?.expr).toContain(String.raw`le=~"1(\\.0)?"`);
  });

  it('alert when a service serving its own /metrics cannot be scraped', () => {
    expect(alerts(rulesOf('order-service')).map((a) => a.alert)).toContain(
      ALERTS.serviceTargetDown,
    );
    expect(alerts(rulesOf('gateway')).map((a) => a.alert)).not.toContain(ALERTS.serviceTargetDown);
  });

  it('give a worker (serves no HTTP) a task error budget burn alert on its consumer spans, and tests to match', () => {
    const m: SystemModel = {
      ...shop,
      services: shop.services.map((s) => ({ ...s, servesHttp: false })),
    };
    const f = prometheusFiles(m);
    const { read } = generate(m);
    const rulesOfWorker = (name: string) => parse(read(f.serviceRules(name))) as RuleFile;
    const testNames = (name: string) =>
      (parse(read(f.serviceTests(name))) as { tests: { name: string }[] }).tests.map((t) => t.name);
    const gateway = rulesOfWorker('gateway');
    const recorded = gateway.groups[0]!.rules.map((r) => ('record' in r ? r.record : ''));
    expect(recorded).toContain(RECORDED.consumedErrorRatio('5m'));
    expect(recorded).not.toContain(RECORDED.errorRatio('5m'));
    for (const r of gateway.groups[0]!.rules)
      expect(r.expr).toContain('span_kind="SPAN_KIND_CONSUMER"');
    // Its availability SLO (0.995) sets the thresholds; task durations have no latency budget.
    expect(alerts(gateway).map((a) => [a.alert, a.labels.severity, a.expr])).toEqual([
      [
        ALERTS.taskErrorBudgetBurn,
        'critical',
        `${RECORDED.consumedErrorRatio('1h')}{service_name="gateway"} > 0.072 and ${RECORDED.consumedErrorRatio('5m')}{service_name="gateway"} > 0.072`,
      ],
      [
        ALERTS.taskErrorBudgetBurn,
        'warning',
        `${RECORDED.consumedErrorRatio('6h')}{service_name="gateway"} > 0.03 and ${RECORDED.consumedErrorRatio('30m')}{service_name="gateway"} > 0.03`,
      ],
    ]);
    expect(testNames('gateway')).toEqual([
      'gateway: healthy traffic fires nothing',
      'gateway: a fast error budget burn pages (and tickets)',
      'gateway: a slow error budget burn tickets only',
    ]);
    // With /metrics, its scrape target is still watched.
    const orders = rulesOfWorker('order-service');
    expect(alerts(orders).map((a) => a.alert)).toEqual([
      ALERTS.taskErrorBudgetBurn,
      ALERTS.taskErrorBudgetBurn,
      ALERTS.serviceTargetDown,
    ]);
    expect(testNames('order-service')).toEqual([
      'order-service: healthy traffic fires nothing',
      'order-service: a fast error budget burn pages (and tickets)',
      'order-service: a slow error budget burn tickets only',
      'order-service: a target that stops answering is reported',
    ]);
  });

  it('give a scheduler (celery beat) no SLO rules but an alert on the tasks it fails to publish', () => {
    const m: SystemModel = {
      ...shop,
      services: shop.services.map((s) => ({ ...s, servesHttp: false, scheduler: true })),
    };
    const f = prometheusFiles(m);
    const { read } = generate(m);
    const rules = (name: string) => parse(read(f.serviceRules(name))) as RuleFile;
    const testNames = (name: string) =>
      (parse(read(f.serviceTests(name))) as { tests: { name: string }[] }).tests.map((t) => t.name);
    // It consumes no tasks: no recording rules or burn-rate alerts.
    expect(rules('gateway').groups.map((g) => g.name)).toEqual(['gateway-alerts']);
    // Any failed publish (producer span with status error) in 15m, the first one of a new
    // error series included (`increase` alone skips a series' first sample).
    const failed =
      'traces_span_metrics_calls_total{service_name="gateway",span_kind="SPAN_KIND_PRODUCER",status_code="STATUS_CODE_ERROR"}';
    // And none at all for maxPublishGap (1h by default), though the series stay at their last
    // value, or no series at all.
    const published =
      'traces_span_metrics_calls_total{service_name="gateway",span_kind="SPAN_KIND_PRODUCER"}';
    expect(
      alerts(rules('gateway')).map((a) => [a.alert, a.labels.severity, a.for, a.expr]),
    ).toEqual([
      [
        ALERTS.taskPublishFailing,
        'warning',
        '0m',
        `sum by (service_name) ((${failed} unless ${failed} offset 15m) or increase(${failed}[15m])) > 0`,
      ],
      [
        ALERTS.taskPublishStopped,
        'warning',
        '5m',
        `sum by (service_name) ((${published} unless ${published} offset 1h) or increase(${published}[1h])) == 0` +
          ` or sum by (service_name) (absent_over_time(${published}[1h]))`,
      ],
    ]);
    expect(testNames('gateway')).toEqual([
      'gateway: healthy traffic fires nothing',
      'gateway: failed publishes are reported',
      'gateway: a first failed publish is reported, and clears after 15m',
      'gateway: publishing once per 48m (within its 1h gap) fires nothing',
      'gateway: a scheduler that stops publishing is reported',
      'gateway: a scheduler that never published is reported',
    ]);
    // Its scrape target stays watched.
    expect(alerts(rules('order-service')).map((a) => a.alert)).toEqual([
      ALERTS.taskPublishFailing,
      ALERTS.taskPublishStopped,
      ALERTS.serviceTargetDown,
    ]);
    expect(testNames('order-service')).toEqual([
      'order-service: healthy traffic fires nothing',
      'order-service: failed publishes are reported',
      'order-service: a first failed publish is reported, and clears after 15m',
      'order-service: publishing once per 48m (within its 1h gap) fires nothing',
      'order-service: a scheduler that stops publishing is reported',
      'order-service: a scheduler that never published is reported',
      'order-service: a target that stops answering is reported',
    ]);
  });

  it("wait a scheduler's own maxPublishGap for a sparse schedule before saying it stopped", () => {
    const m: SystemModel = {
      ...shop,
      services: shop.services.map((s) =>
        s.name === 'gateway'
          ? { ...s, servesHttp: false, scheduler: true, maxPublishGap: '25h' }
          : s,
      ),
    };
    const f = prometheusFiles(m);
    const { read } = generate(m);
    const stopped = alerts(parse(read(f.serviceRules('gateway'))) as RuleFile).find(
      (a) => a.alert === ALERTS.taskPublishStopped,
    );
    expect(stopped?.expr).toContain('offset 25h) or increase(');
    expect(stopped?.expr).toContain('[25h])) == 0 or sum by (service_name) (absent_over_time(');
    expect(stopped?.annotations.description).toContain(
      'has published no task (producer spans) for 25h',
    );
    const tests = parse(read(f.serviceTests('gateway'))) as { tests: { name: string }[] };
    expect(tests.tests.map((t) => t.name)).toContain(
      'gateway: publishing once per 1200m (within its 25h gap) fires nothing',
    );
  });

  it('link runbooks when a base URL is configured', () => {
    const a = alerts(rulesOf('gateway', { runbookBaseUrl: 'https://runbooks.example/obs/' }))[0];
    expect(a?.annotations.runbook_url).toBe('https://runbooks.example/obs/serviceerrorbudgetburn');
  });

  it('come with a promtool test file per rule file, pointing at it', () => {
    const f = prometheusFiles(shop);
    const tests = parse(generate(shop).read(f.serviceTests('gateway'))) as {
      rule_files: string[];
      tests: { name: string }[];
    };
    expect(tests.rule_files).toEqual(['../rules/service-gateway.yml']);
    expect(tests.tests.map((t) => t.name)).toEqual([
      'gateway: healthy traffic fires nothing',
      'gateway: a fast error budget burn pages (and tickets)',
      'gateway: a slow error budget burn tickets only',
      'gateway: a fast latency budget burn pages (and tickets)',
      'gateway: a slow latency budget burn tickets only',
    ]);
  });
});

describe('prometheus validate()', () => {
  it('refuses an SLO too loose for a 14.4x burn to ever page', () => {
    const m: SystemModel = { ...shop, slo: { ...shop.slo, availability: 0.9 } };
    expect(problem(m)).toBe(
      'prometheus: slo (used by gateway).availability 0.9 is too low for burn-rate alerts: it must be above 0.9305555556',
    );
  });

  it('refuses a service that serves metrics without a port', () => {
    const services = shop.services.map((s) =>
      s.name === 'order-service' ? { ...s, port: undefined } : s,
    );
    expect(problem({ ...shop, services })).toBe(
      'prometheus: service order-service serves /metrics but has no port to scrape',
    );
  });

  it('refuses a publish gap on a service that is not a scheduler, or one too short to judge', () => {
    const withGap = (scheduler: boolean, maxPublishGap: string): SystemModel => ({
      ...shop,
      services: shop.services.map((s) =>
        s.name === 'gateway' ? { ...s, servesHttp: false, scheduler, maxPublishGap } : s,
      ),
    });
    expect(problem(withGap(false, '2h'))).toBe(
      "prometheus: service gateway sets maxPublishGap but is not a scheduler: only a scheduler's publishing is watched",
    );
    expect(problem(withGap(true, '2m'))).toBe(
      'prometheus: service gateway: maxPublishGap 2m is too short to tell a stopped scheduler from span metrics: it must be at least 5m',
    );
    expect(() => generate(withGap(true, '5m'))).not.toThrow();
  });

  it('refuses hosts for services the model does not have', () => {
    expect(problem(shop, { serviceHosts: { billing: '10.0.0.1' } })).toBe(
      'prometheus: serviceHosts names billing, which is not a service of the model',
    );
  });
});
