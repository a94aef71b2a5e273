/**
 * Runtime panels per language, from the metrics that actually reach Prometheus for it:
 * - Python: opentelemetry-instrumentation-system-metrics through the Collector (job = sdkJob).
 * - Node.js: the OpenTelemetry Node SDK's runtime metrics (event loop, heap, GC; job = sdkJob),
 *   and, when the service serves its own /metrics (metricsPath, scraped as job =
 *   serviceScrapeJob), prom-client's process CPU and resident memory, which the SDK lacks.
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

/** Event loop, heap and GC from the OpenTelemetry Node SDK's runtime instrumentation. */
function nodeOtelPanels(): cog.Builder<dashboard.Panel>[] {
  const m = RUNTIME_METRICS.nodeOtel;
  const job = [eq('job', '$job')];
  return [
    timeseries(
      'Event loop delay (p99)',
      'How late the event loop runs callbacks, 99th percentile: high values mean blocking work.',
      [
        {
          expr: `max by (instance) (${selector(m.eventLoopDelayP99, job)})`,
          legend: '{{instance}}',
        },
      ],
      { unit: 's', min: 0, span: 6, levels: badAbove(0.1, 0.5) },
    ),
    timeseries(
      'Event loop utilization',
      'Share of time the event loop is busy; near 100% the process cannot keep up.',
      [
        {
          expr: `max by (instance) (${selector(m.eventLoopUtilization, job)})`,
          legend: '{{instance}}',
        },
      ],
      { unit: 'percentunit', min: 0, max: 1, span: 6, levels: badAbove(0.7, 0.9) },
    ),
    timeseries(
      'Heap used',
      'V8 heap in use by heap space, summed over the processes.',
      [
        {
          expr: sumBy([m.heapSpaceLabel], selector(m.heapUsed, job)),
          legend: `{{${m.heapSpaceLabel}}}`,
        },
      ],
      { unit: 'bytes', min: 0, span: 6 },
    ),
    timeseries(
      'GC time',
      'Seconds spent in garbage collection per second, by kind.',
      [
        {
          expr: sumBy([m.gcTypeLabel], rate(selector(`${m.gcDuration}_sum`, job))),
          legend: `{{${m.gcTypeLabel}}}`,
        },
      ],
      { unit: 'percentunit', min: 0, span: 6 },
    ),
  ];
}

/** Process CPU and resident memory, which only prom-client's default metrics report for Node. */
function nodePromClientPanels(): cog.Builder<dashboard.Panel>[] {
  const m = RUNTIME_METRICS.nodePromClient;
  const job = [eq('job', '$scrape_job')];
  return [
    timeseries(
      'CPU',
      'CPU time per second (1 = one core), from prom-client.',
      [{ expr: sumBy(['instance'], rate(selector(m.cpuTime, job))), legend: '{{instance}}' }],
      { unit: 'percentunit', min: 0, span: 12 },
    ),
    timeseries(
      'Memory',
      'Resident memory and V8 heap total, from prom-client.',
      [
        { expr: sumBy(['instance'], selector(m.memoryRss, job)), legend: 'rss {{instance}}' },
        {
          expr: sumBy(['instance'], selector(m.heapTotal, job)),
          legend: 'heap total {{instance}}',
        },
      ],
      { unit: 'bytes', min: 0, span: 12 },
    ),
  ];
}

function node(service: ServiceModel): RuntimePanels {
  if (service.metricsPath === undefined) {
    return {
      title: 'Runtime (Node.js)',
      variables: [],
      panels: nodeOtelPanels(),
      notes: [
        `${service.name}: no CPU or resident-memory panels: the OpenTelemetry Node SDK does not report them; serving prom-client's /metrics (metricsPath in obs.yaml) adds them.`,
      ],
    };
  }
  return {
    title: 'Runtime (Node.js)',
    variables: [new ConstantVariableBuilder('scrape_job').value(serviceScrapeJob(service))],
    panels: [...nodeOtelPanels(), ...nodePromClientPanels()],
    notes: [],
  };
}

export function runtimePanels(service: ServiceModel): RuntimePanels {
  return service.language === 'python' ? python() : node(service);
}
