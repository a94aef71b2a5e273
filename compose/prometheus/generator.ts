/**
 * Generator of Prometheus's config, rule files and their promtool unit tests.
 *
 * prometheus.yml scrapes the Collector's Prometheus exporter (honor_labels: the exporter's
 * job/instance name the service, not the Collector), the Collector's own telemetry, services that
 * serve their own /metrics, and Prometheus itself; it loads every rule file under rules/.
 */
import path from 'node:path';
import type { GeneratedFile } from '../../core/writer.js';
import { SCRAPE_JOBS, STACK_HOSTS, serviceScrapeJob, stackPaths } from '../../model/conventions.js';
import type { Generator } from '../../model/generator.js';
import { generatedYaml } from '../../model/generator.js';
import type { SystemModel } from '../../model/schema.js';
import { maxPublishGapOf, sloOf } from '../../model/schema.js';
import { stackRuleTests, serviceRuleTests } from './rule-tests.js';
import {
  MAX_BURN_FACTOR,
  MIN_PUBLISH_GAP_MINUTES,
  clean,
  durationMinutes,
  serviceRules,
  stackRules,
} from './rules.js';

export interface PrometheusConfig {
  /** Host Prometheus reaches the Collector at. Default its compose service, `otel-collector`. */
  collectorHost: string;
  /** Where Prometheus scrapes itself. Default `localhost:9090`, its port inside its container. */
  selfTarget: string;
  /**
   * Host of each service that serves its own /metrics, by service name. Default: its compose
   * service (`composeService`, else the name), the host name on a network Prometheus shares.
   */
  serviceHosts: Record<string, string>;
  /** Base URL of runbooks; alerts get `runbook_url: <base>/<alertname>`. Default: none. */
  runbookBaseUrl: string | undefined;
}

/** Where each rule and test file goes, relative to the repository root. */
export function prometheusFiles(model: SystemModel) {
  const p = stackPaths(model);
  return {
    stackRules: `${p.prometheusRules}/stack.yml`,
    stackTests: `${p.prometheusTests}/stack.test.yml`,
    serviceRules: (service: string) => `${p.prometheusRules}/service-${service}.yml`,
    serviceTests: (service: string) => `${p.prometheusTests}/service-${service}.test.yml`,
  };
}

/** Path of `target` as written in a file at `from` (both relative to the repository root). */
const relative = (from: string, target: string) =>
  path.posix.relative(path.posix.dirname(from), target);

export function prometheusYml(model: SystemModel, cfg: PrometheusConfig): Record<string, unknown> {
  const p = stackPaths(model);
  const ports = model.stack.ports;
  const static_ = (target: string) => [{ targets: [target] }];
  return {
    global: {
      scrape_interval: model.stack.scrapeInterval,
      evaluation_interval: model.stack.scrapeInterval,
      external_labels: { system: model.name, environment: model.environment },
    },
    rule_files: [`${relative(p.prometheusConfig, p.prometheusRules)}/*.yml`],
    scrape_configs: [
      {
        job_name: SCRAPE_JOBS.collectorExporter,
        // Keep the job/instance the exporter derives from each service's resource.
        honor_labels: true,
        static_configs: static_(`${cfg.collectorHost}:${ports.collectorPrometheus}`),
      },
      {
        job_name: SCRAPE_JOBS.collectorSelf,
        static_configs: static_(`${cfg.collectorHost}:${ports.collectorMetrics}`),
      },
      ...model.services
        .filter((s) => s.metricsPath !== undefined && (s.metricsPort ?? s.port) !== undefined)
        .map((s) => ({
          job_name: serviceScrapeJob(s),
          metrics_path: s.metricsPath,
          // prometheus_client's start_http_server serves on a port of its own (metricsPort).
          static_configs: static_(
            `${cfg.serviceHosts[s.name] ?? s.composeService ?? s.name}:${s.metricsPort ?? s.port}`,
          ),
        })),
      { job_name: SCRAPE_JOBS.prometheus, static_configs: static_(cfg.selfTarget) },
    ],
  };
}

export const prometheusGenerator: Generator<PrometheusConfig> = {
  name: 'prometheus',
  description: 'Prometheus scrape config, recording and alert rules, and promtool rule tests',
  defaults: {
    collectorHost: STACK_HOSTS.collector,
    selfTarget: 'localhost:9090',
    serviceHosts: {},
    runbookBaseUrl: undefined,
  },

  validate(model, cfg) {
    const problems: string[] = [];
    // Below this, a 14.4x burn needs more than 100% of requests to fail: the page can never fire.
    const floor = clean(1 - 1 / MAX_BURN_FACTOR);
    for (const s of model.services) {
      const slo = sloOf(model, s);
      const where = s.slo ? `service ${s.name}: slo` : `slo (used by ${s.name})`;
      if (slo.availability <= floor) {
        problems.push(
          `${where}.availability ${slo.availability} is too low for burn-rate alerts: it must be above ${floor}`,
        );
      }
      if (slo.latencyTarget <= floor) {
        problems.push(
          `${where}.latencyTarget ${slo.latencyTarget} is too low for burn-rate alerts: it must be above ${floor}`,
        );
      }
      if (s.maxPublishGap !== undefined && !s.scheduler) {
        problems.push(
          `service ${s.name} sets maxPublishGap but is not a scheduler: only a scheduler's publishing is watched`,
        );
      } else if (s.scheduler && durationMinutes(maxPublishGapOf(s)) < MIN_PUBLISH_GAP_MINUTES) {
        problems.push(
          `service ${s.name}: maxPublishGap ${maxPublishGapOf(s)} is too short to tell a stopped scheduler from span metrics: it must be at least ${MIN_PUBLISH_GAP_MINUTES}m`,
        );
      }
      if (s.metricsPath !== undefined && (s.metricsPort ?? s.port) === undefined) {
        problems.push(`service ${s.name} serves ${s.metricsPath} but has no port to scrape`);
      }
    }
    for (const name of Object.keys(cfg.serviceHosts)) {
      if (!model.services.some((s) => s.name === name)) {
        problems.push(`serviceHosts names ${name}, which is not a service of the model`);
      }
    }
    if (cfg.runbookBaseUrl !== undefined && !/^https?:\/\/\S+$/.test(cfg.runbookBaseUrl)) {
      problems.push(
        `runbookBaseUrl must be an http(s) URL, got ${JSON.stringify(cfg.runbookBaseUrl)}`,
      );
    }
    return problems;
  },

  generate(model, cfg) {
    const p = stackPaths(model);
    const f = prometheusFiles(model);
    const opts = { runbookBaseUrl: cfg.runbookBaseUrl };
    const files: GeneratedFile[] = [
      { path: p.prometheusConfig, content: generatedYaml(prometheusYml(model, cfg)) },
    ];
    const stack = stackRules(opts);
    files.push(
      { path: f.stackRules, content: generatedYaml(stack) },
      {
        path: f.stackTests,
        content: generatedYaml(stackRuleTests(stack, relative(f.stackTests, f.stackRules))),
      },
    );
    for (const s of model.services) {
      const rules = serviceRules(model, s, opts);
      const rulesPath = f.serviceRules(s.name);
      const testsPath = f.serviceTests(s.name);
      files.push(
        { path: rulesPath, content: generatedYaml(rules) },
        {
          path: testsPath,
          content: generatedYaml(serviceRuleTests(model, s, rules, relative(testsPath, rulesPath))),
        },
      );
    }
    return { files };
  },
};
