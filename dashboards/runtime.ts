/**
 * Runtime panels per language, from the metrics that actually reach Prometheus for it:
 * - Python: opentelemetry-instrumentation-system-metrics through the Collector (job = sdkJob).
 * - Node.js: prom-client's default metrics, when the service serves its own /metrics
 *   (metricsPath); scraped as job = serviceScrapeJob. Without it nothing reports a Node runtime,
 *   so there is no row rather than a row of empty panels.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ConstantVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { RUNTIME_METRICS, serviceScrapeJob } from '../model/conventions.js';
import type { ServiceModel } from '../model/schema.js';
import { badAbove, timeseries } from './panels.js';
import { eq, rate, selector, sumBy } from './promql.js';

export interface RuntimePanels {
  title: string;
  panels: cog.Builder<dashboard.Panel>[];
  variables: cog.Builder<dashboard.VariableModel>[];
  notes: string[];
}

function python(): RuntimePanels {
  const m = RUNTIME_METRICS.python;
  const job = [eq('job', '$job')];
  return {
    title: 'Runtime (Python)',
    variables: [],
    notes: [],
    panels: [
      timeseries(
        'CPU',
        'CPU time per second, user and system, summed over the processes (1 = one core).',
        [
          {
            expr: sumBy([m.cpuTimeModeLabel], rate(selector(m.cpuTime, job))),
            legend: `{{${m.cpuTimeModeLabel}}}`,
          },
        ],
        { unit: 'percentunit', min: 0, span: 6 },
      ),
      timeseries(
        'Memory (RSS)',
        'Resident memory per process (each gunicorn worker is one instance).',
        [{ expr: sumBy(['instance'], selector(m.memoryRss, job)), legend: '{{instance}}' }],
        { unit: 'bytes', min: 0, span: 6 },
      ),
      timeseries(
        'Threads',
        'Threads per process.',
        [{ expr: sumBy(['instance'], selector(m.threads, job)), legend: '{{instance}}' }],
        { unit: 'short', min: 0, span: 6 },
      ),
      timeseries(
        'GC collections',
        'Garbage collections per second by generation, summed over the processes.',
        [
          {
            expr: sumBy([m.gcGenerationLabel], rate(selector(m.gcCollections, job))),
            legend: `gen {{${m.gcGenerationLabel}}}`,
          },
        ],
        { unit: 'short', min: 0, span: 6 },
      ),
    ],
  };
}

function nodePromClient(service: ServiceModel): RuntimePanels {
  const m = RUNTIME_METRICS.nodePromClient;
  const job = [eq('job', '$scrape_job')];
  return {
    title: 'Runtime (Node.js, prom-client)',
    variables: [new ConstantVariableBuilder('scrape_job').value(serviceScrapeJob(service))],
    notes: [],
    panels: [
      timeseries(
        'CPU',
        'CPU time per second (1 = one core).',
        [{ expr: sumBy(['instance'], rate(selector(m.cpuTime, job))), legend: '{{instance}}' }],
        { unit: 'percentunit', min: 0, span: 6 },
      ),
      timeseries(
        'Memory',
        'Resident memory, and V8 heap used and total.',
        [
          { expr: sumBy(['instance'], selector(m.memoryRss, job)), legend: 'rss {{instance}}' },
          {
            expr: sumBy(['instance'], selector(m.heapUsed, job)),
            legend: 'heap used {{instance}}',
          },
          {
            expr: sumBy(['instance'], selector(m.heapTotal, job)),
            legend: 'heap total {{instance}}',
          },
        ],
        { unit: 'bytes', min: 0, span: 6 },
      ),
      timeseries(
        'Event loop lag (p99)',
        'How late the event loop runs callbacks, 99th percentile: high values mean blocking work.',
        [
          {
            expr: `max by (instance) (${selector(m.eventLoopLagP99, job)})`,
            legend: '{{instance}}',
          },
        ],
        { unit: 's', min: 0, span: 6, levels: badAbove(0.1, 0.5) },
      ),
      timeseries(
        'GC time',
        'Seconds spent in garbage collection per second, by kind.',
        [
          {
            expr: sumBy([m.gcKindLabel], rate(selector(`${m.gcDuration}_sum`, job))),
            legend: `{{${m.gcKindLabel}}}`,
          },
        ],
        { unit: 'percentunit', min: 0, span: 6 },
      ),
    ],
  };
}

export function runtimePanels(service: ServiceModel): RuntimePanels {
  if (service.language === 'python') return python();
  if (service.metricsPath !== undefined) return nodePromClient(service);
  return {
    title: 'Runtime',
    panels: [],
    variables: [],
    notes: [
      `${service.name}: no runtime panels: a Node service reports its runtime through prom-client's /metrics; set metricsPath in obs.yaml once it serves one.`,
    ],
  };
}
