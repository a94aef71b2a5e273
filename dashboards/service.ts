/**
 * One dashboard per service: its requests by operation (span metrics and the HTTP server
 * metrics its SDK emits), the dependencies it calls, its runtime, and links to its traces and
 * logs. Rows appear only where the model says there is something to show, so that no panel waits
 * for data that will never come.
 */
import {
  ConstantVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  LOG_FIELDS,
  METRICS,
  SDK_LABELS,
  SPAN_DIMENSIONS,
  SPAN_KIND_CLIENT,
  SPAN_KIND_PRODUCER,
  SPAN_KIND_SERVER,
  SPAN_LABELS,
  sdkJob,
  workSpanKind,
} from '../model/conventions.js';
import type { DependencyModel, FrameworkName, ServiceModel, SystemModel } from '../model/schema.js';
import { sloOf } from '../model/schema.js';
import type { DashboardSettings } from './common.js';
import { baseDashboard, externalLink, jaegerSearchUrl, kibanaDiscoverUrl } from './common.js';
import { serviceUid } from './identity.js';
import { NO_SLO_FOR_SCHEDULERS, UNCOLOURED, errorLevels, latencyLevels } from './levels.js';
import type { Levels } from './panels.js';
import { stat, table, timeseries } from './panels.js';
import { eq, re, selector } from './promql.js';
import type { Red } from './queries.js';
import { httpClientRed, httpServerRed, redColumns, spanRed } from './queries.js';
import { runtimePanels } from './runtime.js';

const OP = SPAN_LABELS.operation;

/** Frameworks that serve HTTP, so the service has HTTP server metrics. */
const HTTP_SERVERS: ReadonlySet<FrameworkName> = new Set([
  'flask',
  'fastapi',
  'django',
  'aiohttp',
  'express',
  'fastify',
  'http',
]);

/** Dependencies seen through client (or producer) spans, grouped as a team thinks of them. */
const SPAN_DEPENDENCY_GROUPS = [
  {
    title: 'Databases',
    kinds: ['postgresql', 'mysql', 'sqlite', 'mongodb', 'elasticsearch'],
    label: SPAN_DIMENSIONS.dbSystem.label,
  },
  { title: 'Cache', kinds: ['redis'], label: SPAN_DIMENSIONS.dbSystem.label },
  {
    title: 'Messaging',
    kinds: ['kafka', 'rabbitmq'],
    label: SPAN_DIMENSIONS.messagingSystem.label,
  },
  { title: 'gRPC', kinds: ['grpc'], label: SPAN_DIMENSIONS.rpcSystem.label },
] as const;

/** Programs and libraries that run tasks (rather than consume messages) on a worker. */
const TASK_QUEUES: ReadonlySet<string> = new Set(['celery', 'rq', 'dramatiq']);

/**
 * How the service's own work is named: requests served (server spans), or for a worker the tasks
 * it runs or the messages it consumes (consumer spans).
 */
export interface Work {
  /** The span kind label value of its spans, e.g. `SPAN_KIND_CONSUMER`. */
  kind: string;
  /** Capitalised plural: panel and column titles. */
  plural: string;
  /** What the rate counts, in descriptions. */
  counted: string;
  /** What the latency quantiles measure. */
  latency: string;
}

/** A span kind label value as a word, for descriptions: `SPAN_KIND_CONSUMER` is `consumer`. */
export function spanKindWord(kind: string): string {
  return kind.replace(/^SPAN_KIND_/, '').toLowerCase();
}

export function workOf(service: ServiceModel): Work {
  const kind = workSpanKind(service);
  if (service.scheduler)
    return {
      kind,
      plural: 'Published tasks',
      counted: 'tasks published',
      latency: 'publish duration',
    };
  if (service.servesHttp)
    return {
      kind,
      plural: 'Requests',
      counted: 'server requests',
      latency: 'server latency',
    };
  const runsTasks =
    service.libraries.some((l) => TASK_QUEUES.has(l)) ||
    (service.command ?? []).some((w) => TASK_QUEUES.has(w.split('/').pop() ?? ''));
  return runsTasks
    ? {
        kind,
        plural: 'Tasks',
        counted: 'tasks run',
        latency: 'task duration',
      }
    : {
        kind,
        plural: 'Messages',
        counted: 'messages consumed',
        latency: 'message processing time',
      };
}

export interface ServiceDashboard {
  builder: DashboardBuilder;
  /** What the dashboard leaves out and why. */
  notes: string[];
}

function operationVariable(spanKind: string): QueryVariableBuilder {
  return new QueryVariableBuilder('operation')
    .label('Operation')
    .datasource({ type: 'prometheus', uid: '${datasource}' })
    .query(
      `label_values(${selector(METRICS.spanCalls, [eq(SPAN_LABELS.service, '$service'), eq(SPAN_LABELS.kind, spanKind)])}, ${OP})`,
    )
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' })
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/** Rate, error ratio and p95 of one source, side by side. */
function redPanels(
  b: DashboardBuilder,
  what: string,
  red: Red,
  by: readonly string[],
  legend: string,
  levels: { errors?: Levels; latency?: Levels },
  errorMeaning: string,
): void {
  b.withPanel(
    timeseries(`${what}: rate`, `${what} per second.`, [{ expr: red.rate(by), legend }], {
      unit: 'reqps',
      min: 0,
      span: 8,
    }),
  )
    .withPanel(
      timeseries(
        `${what}: error ratio`,
        `Share of ${what.toLowerCase()} that failed (${errorMeaning}).`,
        [{ expr: red.errorRatio(by), legend }],
        { unit: 'percentunit', min: 0, span: 8, levels: levels.errors },
      ),
    )
    .withPanel(
      timeseries(
        `${what}: p95 latency`,
        `95th percentile latency of ${what.toLowerCase()}.`,
        [{ expr: red.quantile(0.95, by), legend }],
        { unit: 's', min: 0, span: 8, levels: levels.latency },
      ),
    );
}

function dependencyKinds(deps: readonly DependencyModel[], kinds: readonly string[]): string[] {
  return [...new Set(deps.filter((d) => kinds.includes(d.kind)).map((d) => d.kind))].sort();
}

export function serviceDashboard(
  model: SystemModel,
  service: ServiceModel,
  s: DashboardSettings,
): ServiceDashboard {
  const slo = sloOf(model, service);
  // A scheduler has no SLO (NO_SLO_FOR_SCHEDULERS): none of its panels is coloured by the SLO's
  // levels, its publishes' error ratio included.
  const levels: { errors?: Levels; latency?: Levels } = service.scheduler
    ? {}
    : { errors: errorLevels(slo), latency: latencyLevels(slo) };
  const notes: string[] = [];
  // A worker's own work is the tasks or messages it consumes, not requests it serves.
  const work = workOf(service);
  // The latency SLO threshold is a request's: a task taking seconds or minutes may be as it
  // should. Task durations have no threshold in the model (nor alert), so they are not coloured.
  const own: { errors?: Levels; latency?: Levels } =
    work.kind === SPAN_KIND_SERVER ? levels : { errors: levels.errors };
  const server = spanRed([
    eq(SPAN_LABELS.service, '$service'),
    eq(SPAN_LABELS.kind, work.kind),
    re(OP, '$operation'),
  ]);
  const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
  const opLegend = `{{${OP}}}`;
  const lang = service.language === 'python' ? 'Python' : 'Node.js';
  const framework = service.framework ? ` (${service.framework})` : '';

  const b = baseDashboard(model, s, {
    uid: serviceUid(model, service),
    title: `${model.name} / ${service.name}`,
    description: `Service ${service.name}, ${lang}${framework}: ${work.plural.toLowerCase()} by operation, the dependencies it calls and its runtime.`,
    tags: ['service', `service:${service.name}`, service.language],
  })
    .withVariable(new ConstantVariableBuilder('service').value(service.name))
    .withVariable(new ConstantVariableBuilder('job').value(sdkJob(model, service)))
    .withVariable(operationVariable(work.kind));
  const links = [
    externalLink(
      'Traces (Jaeger)',
      jaegerSearchUrl('${service}'),
      'Jaeger: this service, this time range',
    ),
    // The threshold is a request's: a worker's tasks have none.
    ...(own.latency === undefined
      ? []
      : [
          externalLink(
            'Slow traces (Jaeger)',
            `${jaegerSearchUrl('${service}')}&minDuration=${slo.latencyThresholdMs}ms`,
            'Jaeger: traces slower than the latency SLO threshold',
          ),
        ]),
    externalLink(
      'Logs (Kibana)',
      kibanaDiscoverUrl([{ field: LOG_FIELDS.service, value: '${service}' }]),
      'Kibana Discover: this service, this time range',
    ),
    externalLink(
      'Error logs (Kibana)',
      kibanaDiscoverUrl([
        { field: LOG_FIELDS.service, value: '${service}' },
        { field: LOG_FIELDS.level, value: 'error' },
      ]),
      'Kibana Discover: error lines of this service',
    ),
  ];
  for (const link of links) b.link(link);

  // Without levels a stat is green whatever its value: a duration no threshold rates is in the
  // text colour instead.
  const noThreshold =
    own.latency === undefined ? " Not coloured: the latency SLO threshold is a request's." : '';
  b.withRow(new RowBuilder('Service'))
    .withPanel(
      stat(
        `${work.plural}/s`,
        `${capital(work.counted)} per second (span metrics).`,
        { expr: server.rate([]) },
        { unit: 'reqps' },
      ),
    )
    .withPanel(
      stat(
        'Error ratio',
        `Share of ${work.counted} that failed (span status ERROR).${own.errors === undefined ? ` ${NO_SLO_FOR_SCHEDULERS}.` : ''}`,
        { expr: server.errorRatio([]) },
        {
          unit: 'percentunit',
          // Without levels a stat is green whatever its value: in the text colour, it claims nothing.
          levels: own.errors ?? UNCOLOURED,
        },
      ),
    )
    .withPanel(
      stat(
        'p95 latency',
        `95th percentile ${work.latency}.${noThreshold}`,
        { expr: server.quantile(0.95, []) },
        { unit: 's', levels: own.latency ?? UNCOLOURED },
      ),
    )
    .withPanel(
      stat(
        'p99 latency',
        `99th percentile ${work.latency}.${noThreshold}`,
        { expr: server.quantile(0.99, []) },
        { unit: 's', levels: own.latency ?? UNCOLOURED },
      ),
    );

  b.withRow(new RowBuilder('Operations')).withPanel(
    table(
      'Operations',
      `Per operation (${spanKindWord(work.kind)} span name), now. Click one for its traces in Jaeger.`,
      redColumns(server, [OP], own, `${work.plural}/s`),
      {
        labels: [OP],
        labelHeaders: { [OP]: 'Operation' },
        sortBy: `${work.plural}/s`,
        links: [
          {
            title: 'Traces of this operation',
            url: jaegerSearchUrl('${service}', '${__data.fields.Operation:percentencode}'),
          },
        ],
      },
    ),
  );
  redPanels(b, `${work.plural} by operation`, server, [OP], opLegend, own, 'span status ERROR');
  b.withPanel(
    timeseries(
      `${work.plural} by operation: p99 latency`,
      '99th percentile latency per operation.',
      [{ expr: server.quantile(0.99, [OP]), legend: opLegend }],
      {
        unit: 's',
        min: 0,
        span: 24,
        levels: own.latency,
      },
    ),
  );

  // A Celery worker shares its Django app's framework, but serves no HTTP: the model says so.
  if (!service.servesHttp) {
    notes.push(`${service.name}: no HTTP server panels (it serves no HTTP: servesHttp is false).`);
  } else if (service.framework !== undefined && HTTP_SERVERS.has(service.framework)) {
    b.withRow(new RowBuilder('HTTP server (SDK metrics)'));
    const routeLegend = `{{${SDK_LABELS.method}}} {{${SDK_LABELS.route}}}`;
    redPanels(
      b,
      'HTTP requests by route',
      httpServerRed('$job'),
      [SDK_LABELS.method, SDK_LABELS.route],
      routeLegend,
      levels,
      'status 5xx',
    );
  } else {
    notes.push(`${service.name}: no HTTP server panels (no HTTP framework in the model).`);
  }

  const deps = service.dependencies;
  if (deps.length > 0) {
    b.withRow(new RowBuilder('Dependencies'));
    if (deps.some((d) => d.kind === 'http')) {
      redPanels(
        b,
        'HTTP calls by host',
        httpClientRed('$job'),
        [SDK_LABELS.serverAddress, SDK_LABELS.serverPort],
        `{{${SDK_LABELS.serverAddress}}}:{{${SDK_LABELS.serverPort}}}`,
        levels,
        'status 4xx/5xx or no answer',
      );
    }
    for (const group of SPAN_DEPENDENCY_GROUPS) {
      const kinds = dependencyKinds(deps, group.kinds);
      if (kinds.length === 0) continue;
      const calls = spanRed([
        eq(SPAN_LABELS.service, '$service'),
        re(SPAN_LABELS.kind, `${SPAN_KIND_CLIENT}|${SPAN_KIND_PRODUCER}`),
        re(group.label, kinds.join('|')),
      ]);
      redPanels(
        b,
        `${group.title} calls`,
        calls,
        [group.label, OP],
        `{{${group.label}}} {{${OP}}}`,
        levels,
        'span status ERROR',
      );
    }
  }

  const runtime = runtimePanels(service);
  if (runtime.panels.length > 0) {
    b.withRow(new RowBuilder(runtime.title));
    for (const p of runtime.panels) b.withPanel(p);
  }
  notes.push(...runtime.notes);
  for (const v of runtime.variables) b.withVariable(v);
  return { builder: b, notes };
}
