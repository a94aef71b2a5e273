/**
 * The system overview: how every service is doing (rate, errors, latency), what is failing, the
 * Collector that carries the telemetry, and the alerts firing now.
 */
import {
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  COLLECTOR_METRICS,
  METRICS,
  SCRAPE_JOBS,
  SPAN_KIND_CONSUMER,
  SPAN_KIND_PRODUCER,
  SPAN_KIND_SERVER,
  SPAN_LABELS,
  workSpanKind,
} from '../model/conventions.js';
import type { ServiceModel, SystemModel } from '../model/schema.js';
import type { DashboardSettings } from './common.js';
import { baseDashboard, externalLink, jaegerSearchUrl, kibanaDiscoverUrl } from './common.js';
import { overviewUid } from './identity.js';
import { errorLevels, latencyLevels } from './levels.js';
import { badAbove, goodFrom, stat, table, timeseries } from './panels.js';
import type { Matcher } from './promql.js';
import { eq, re, selector } from './promql.js';
import { activeAlerts, collectorQueries, redColumns, spanRed } from './queries.js';
import { workOf } from './service.js';

const SVC = SPAN_LABELS.service;
const OP = SPAN_LABELS.operation;
const KIND = SPAN_LABELS.kind;

/**
 * The `$service` variable: services that report server spans (or consumer spans, when the model
 * has workers, and producer spans, when it has schedulers), limited to the model's.
 */
function serviceVariable(model: SystemModel, kinds: readonly string[]): QueryVariableBuilder {
  const names = model.services.map((s) => s.name).join('|');
  const kind =
    kinds.length === 1 ? eq(SPAN_LABELS.kind, kinds[0]!) : re(SPAN_LABELS.kind, kinds.join('|'));
  return new QueryVariableBuilder('service')
    .label('Service')
    .datasource({ type: 'prometheus', uid: '${datasource}' })
    .query(`label_values(${selector(METRICS.spanCalls, [kind])}, ${SVC})`)
    .regex(`/^(${names})$/`)
    .multi(true)
    .includeAll(true)
    .current({ text: 'All', value: '$__all' })
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/**
 * What the lines of these services count, for headers and titles: `Requests` for web services;
 * else what each kind of service does, e.g. `Requests or tasks`, since one column or panel cannot
 * change its header per line.
 */
function workNouns(services: readonly ServiceModel[]): string {
  const counted = new Set(services.map((x) => workOf(x).plural));
  const nouns = ['Requests', 'Tasks', 'Messages', 'Published tasks'].filter((n) => counted.has(n));
  const last = nouns.pop()!;
  const text = nouns.length === 0 ? last : `${nouns.join(', ')} or ${last.toLowerCase()}`;
  return text.charAt(0) + text.slice(1).toLowerCase();
}

export function overviewDashboard(model: SystemModel, s: DashboardSettings): DashboardBuilder {
  // A worker (servesHttp false) serves no requests: its line counts the tasks or messages it
  // consumes, a scheduler's the tasks it publishes, as their own dashboards do. Other services'
  // consumer and producer spans (a web app's own Kafka consumer, the tasks it sends) stay out, and
  // so do a worker's server spans (a health check, a monitoring endpoint).
  const namesOf = (kind: string) =>
    model.services.filter((x) => workSpanKind(x) === kind).map((x) => x.name);
  const web = namesOf(SPAN_KIND_SERVER);
  const workers = namesOf(SPAN_KIND_CONSUMER);
  const schedulers = namesOf(SPAN_KIND_PRODUCER);
  const webOnly = workers.length + schedulers.length === 0;
  const own = (names: readonly string[], kind: string): Matcher[] => [
    re(SVC, '$service'),
    re(SVC, names.join('|')),
    eq(SPAN_LABELS.kind, kind),
  ];
  // Every service serves HTTP: the query stays as it was before workers were known.
  const requestSelections: Matcher[][] = webOnly
    ? [[re(SVC, '$service'), eq(SPAN_LABELS.kind, SPAN_KIND_SERVER)]]
    : web.length === 0
      ? []
      : [own(web, SPAN_KIND_SERVER)];
  const workerSelections: Matcher[][] =
    workers.length === 0 ? [] : [own(workers, SPAN_KIND_CONSUMER)];
  const schedulerSelections: Matcher[][] =
    schedulers.length === 0 ? [] : [own(schedulers, SPAN_KIND_PRODUCER)];
  const taskSelections: Matcher[][] = [...workerSelections, ...schedulerSelections];
  const kinds: string[] = [
    ...(requestSelections.length === 0 ? [] : [SPAN_KIND_SERVER]),
    ...(workers.length === 0 ? [] : [SPAN_KIND_CONSUMER]),
    ...(schedulers.length === 0 ? [] : [SPAN_KIND_PRODUCER]),
  ];
  const work = spanRed(...requestSelections, ...taskSelections);
  const nouns = workNouns(model.services);
  // What the workers consume: tasks, messages or both. A worker's line counts the tasks it runs,
  // the messages it consumes, or either; a consumer span is a task or a message (both, when the
  // workers are of both sorts: a row's span kind cannot tell them apart).
  const consumed = new Set(
    model.services
      .filter((x) => workSpanKind(x) === SPAN_KIND_CONSUMER)
      .map((x) => workOf(x).plural),
  );
  const consumedSorts = [
    { plural: 'Tasks', word: 'task', text: 'the tasks they run' },
    { plural: 'Messages', word: 'message', text: 'the messages they consume' },
  ].filter((c) => consumed.has(c.plural));
  const consumedText = consumedSorts.map((c) => c.text).join(' or ');
  const consumedWord = consumedSorts.map((c) => c.word).join(' or ');
  // What each kind of service's lines count, said only when workers or schedulers are among them,
  // so that a web-only overview stays as it was.
  const whatWorkers = workers.length === 0 ? '' : ` Workers: ${consumedText} (consumer spans).`;
  const whatSchedulers =
    schedulers.length === 0 ? '' : ' Schedulers: the tasks they publish (producer spans).';
  const whatTasks = whatWorkers + whatSchedulers;
  const whatWeb =
    webOnly || web.length === 0 ? '' : ' Web services: the requests they serve (server spans).';
  const whatAll = whatWeb + whatTasks;
  // A scheduler has no SLO (it serves nothing and consumes nothing), so its lines are not coloured
  // by the availability SLO's levels: a failed publish is a scheduled run lost, for which
  // ServiceTaskPublishFailing fires at the first one. Web services and workers have the SLO.
  const noSlo =
    'Not coloured: a scheduler has no SLO, and ServiceTaskPublishFailing fires at its first failed publish (see Active alerts).';
  // The request latency threshold is not a task's: one may rightly take minutes. A publish is
  // quick, but has no threshold of its own either.
  const noThresholdWhy = `the latency SLO threshold is a request's${workers.length === 0 ? '' : ', and a task may rightly take minutes'}`;
  const taskNouns =
    taskSelections.length === 0
      ? ''
      : workNouns(model.services.filter((x) => workSpanKind(x) !== SPAN_KIND_SERVER));
  const failedHeader = `Failed ${nouns.toLowerCase()}`;
  // What one span of each kind is, as a word per row.
  const kindWords: Record<string, string> = {
    [SPAN_KIND_SERVER]: 'request',
    [SPAN_KIND_CONSUMER]: consumedWord,
    [SPAN_KIND_PRODUCER]: 'published task',
  };
  const kindTexts: Record<string, string> = {
    [SPAN_KIND_SERVER]: 'request (server spans of web services)',
    [SPAN_KIND_CONSUMER]: `${kindWords[SPAN_KIND_CONSUMER]} (consumer spans of workers)`,
    [SPAN_KIND_PRODUCER]: 'published task (producer spans of schedulers)',
  };
  const errors = errorLevels(model.slo);
  const latency = latencyLevels(model.slo);
  const legend = `{{${SVC}}}`;
  const jobs = [SCRAPE_JOBS.collectorSelf, SCRAPE_JOBS.collectorExporter];

  const b = baseDashboard(model, s, {
    uid: overviewUid(model),
    title: `${model.name} / Overview`,
    description: webOnly
      ? `Every service of ${model.name}: request rate, errors and latency from span metrics, failing operations, the Collector and active alerts.`
      : `Every service of ${model.name}: the rate, errors and duration of its ${nouns.toLowerCase()} from span metrics, failing operations, the Collector and active alerts.`,
    tags: ['overview'],
  })
    .withVariable(serviceVariable(model, kinds))
    .link(
      externalLink(
        'Traces (Jaeger)',
        jaegerSearchUrl('${service}'),
        'Jaeger search, this time range',
      ),
    )
    .link(
      externalLink(
        'Error logs (Kibana)',
        kibanaDiscoverUrl([{ field: 'log.level', value: 'error' }]),
        'Kibana Discover: error log lines, this time range',
      ),
    )

    .withRow(new RowBuilder('Services'));

  // Grafana colours a table by column, not by row: the request latency threshold would colour a
  // worker's task durations too, which have none (a task may rightly take minutes). So workers
  // and schedulers get a table of their own, whose durations are not coloured.
  const health = {
    labels: [SVC],
    labelHeaders: { [SVC]: 'Service' },
    sortBy: 'Error ratio',
    links: [
      {
        title: 'Traces of ${__data.fields.Service}',
        url: jaegerSearchUrl('${__data.fields.Service}'),
      },
    ],
  };
  const others = [
    ...(workers.length === 0 ? [] : ['workers']),
    ...(schedulers.length === 0 ? [] : ['schedulers']),
  ].join(' and ');
  const tablesBelow = workers.length > 0 && schedulers.length > 0 ? 'tables' : 'table';
  if (requestSelections.length > 0) {
    b.withPanel(
      table(
        'Service health',
        `Per service, now: server requests per second, share that failed, and p95/p99 latency (span metrics).${webOnly ? '' : ` Web services; ${others} in the ${tablesBelow} below.`} Click a service for its traces.`,
        redColumns(spanRed(...requestSelections), [SVC], { errors, latency }, 'Requests/s'),
        health,
      ),
    );
  }
  // Workers' failures count against the availability SLO, schedulers' against none: as a column is
  // coloured for every row, each gets a table of its own.
  if (workerSelections.length > 0) {
    const workerNouns = workNouns(
      model.services.filter((x) => workSpanKind(x) === SPAN_KIND_CONSUMER),
    );
    b.withPanel(
      table(
        'Worker health',
        `Per service, now: ${workerNouns.toLowerCase()} per second, share that failed, and p95/p99 duration (span metrics).${whatWorkers} Durations are not coloured: ${noThresholdWhy}. Click a service for its traces.`,
        redColumns(spanRed(...workerSelections), [SVC], { errors }, `${workerNouns}/s`),
        health,
      ),
    );
  }
  if (schedulerSelections.length > 0) {
    b.withPanel(
      table(
        'Scheduler health',
        `Per service, now: published tasks per second, share that failed, and p95/p99 duration (span metrics).${whatSchedulers} ${noSlo} Click a service for its traces.`,
        redColumns(spanRed(...schedulerSelections), [SVC], {}, 'Published tasks/s'),
        health,
      ),
    );
  }

  // The SLO's levels are drawn across a whole graph: schedulers' error ratios, which have no SLO,
  // are graphed apart, and the rate and the two error ratios then share a line.
  const sloSelections = [...requestSelections, ...workerSelections];
  const span = sloSelections.length > 0 && schedulerSelections.length > 0 ? 8 : 12;
  b.withPanel(
    timeseries(
      webOnly ? 'Request rate' : `Rate: ${nouns.toLowerCase()}`,
      webOnly
        ? 'Server requests per second, per service.'
        : `${nouns} per second, per service.${whatAll}`,
      [{ expr: work.rate([SVC]), legend }],
      {
        unit: 'reqps',
        min: 0,
        span,
      },
    ),
  );
  if (sloSelections.length > 0) {
    const sloNouns = workNouns(
      model.services.filter((x) => workSpanKind(x) !== SPAN_KIND_PRODUCER),
    ).toLowerCase();
    b.withPanel(
      timeseries(
        'Error ratio',
        `Share of ${webOnly ? 'server requests' : sloNouns} that failed (span status ERROR), per service.${whatWeb}${whatWorkers}${schedulers.length === 0 ? '' : ' Schedulers in the graph beside, without these levels.'} Orange: the error budget of the availability SLO; red: 14.4 times it (a fast burn).`,
        [{ expr: spanRed(...sloSelections).errorRatio([SVC]), legend }],
        { unit: 'percentunit', min: 0, levels: errors, span },
      ),
    );
  }
  if (schedulerSelections.length > 0) {
    b.withPanel(
      timeseries(
        'Error ratio: published tasks',
        `Share of published tasks that failed (span status ERROR), per service.${whatSchedulers} ${noSlo}`,
        [{ expr: spanRed(...schedulerSelections).errorRatio([SVC]), legend }],
        { unit: 'percentunit', min: 0, span },
      ),
    );
  }

  // The latency threshold is drawn across a whole graph, whatever its lines: it belongs to the
  // web services' requests, so their latencies are graphed apart from the workers' and
  // schedulers' durations, which are graphed without it (and on their own scale: minutes, maybe).
  if (requestSelections.length > 0) {
    const requests = spanRed(...requestSelections);
    const durationsApart = webOnly
      ? ''
      : ` Web services; ${others} in the graphs below, without the threshold.`;
    b.withPanel(
      timeseries(
        'p95 latency',
        `Server request latency, 95th percentile, per service.${durationsApart} Orange: the latency SLO threshold; red: twice it.`,
        [{ expr: requests.quantile(0.95, [SVC]), legend }],
        { unit: 's', min: 0, levels: latency },
      ),
    ).withPanel(
      timeseries(
        'p99 latency',
        `Server request latency, 99th percentile, per service.${durationsApart}`,
        [{ expr: requests.quantile(0.99, [SVC]), legend }],
        { unit: 's', min: 0, levels: latency },
      ),
    );
  }
  if (taskSelections.length > 0) {
    const tasks = spanRed(...taskSelections);
    const noThreshold = ` No threshold: ${noThresholdWhy}.`;
    for (const [q, nth] of [
      [0.95, '95'],
      [0.99, '99'],
    ] as const) {
      b.withPanel(
        timeseries(
          `p${nth} duration: ${taskNouns.toLowerCase()}`,
          `Duration, ${nth}th percentile, per service (span metrics).${whatTasks}${noThreshold}`,
          [{ expr: tasks.quantile(q, [SVC]), legend }],
          { unit: 's', min: 0 },
        ),
      );
    }
  }

  // One list, ranked by failures whatever their kind, as the question is what fails most now (two
  // lists would each hide how the other's worst compares). With workers or schedulers, a Kind
  // column (the span kind, grouped by) says what each row is, as an operation's name may not: a
  // Kafka consumer's `orders process` is a message, not a request. A web-only list stays as it was.
  const failing: {
    by: string[];
    description: string;
    labelTexts: Record<string, Record<string, string>>;
  } = webOnly
    ? {
        by: [SVC, OP],
        description: `The ten operations with the most failed server spans in the time range.`,
        labelTexts: {},
      }
    : {
        by: [SVC, OP, KIND],
        description: `The ten operations with the most failed spans in the time range, ranked together whatever their kind. Kind: ${kinds.map((k) => kindTexts[k]!).join(', ')}.`,
        labelTexts: { [KIND]: Object.fromEntries(kinds.map((k) => [k, kindWords[k]!])) },
      };

  return b
    .withRow(new RowBuilder('Failures'))
    .withPanel(
      table(
        'Top failing operations',
        `${failing.description} Click one for its failed traces.`,
        [
          {
            header: failedHeader,
            expr: `topk(10, ${work.errorsIncrease(failing.by, '$__range')} > 0)`,
            unit: 'short',
          },
        ],
        {
          labels: failing.by,
          labelHeaders: {
            [SVC]: 'Service',
            [OP]: 'Operation',
            ...(webOnly ? {} : { [KIND]: 'Kind' }),
          },
          labelTexts: failing.labelTexts,
          sortBy: failedHeader,
          span: 12,
          links: [
            {
              title: 'Failed traces',
              url: `${jaegerSearchUrl('${__data.fields.Service}', '${__data.fields.Operation:percentencode}')}&tags=%7B%22error%22%3A%22true%22%7D`,
            },
          ],
        },
      ),
    )
    .withPanel(
      table(
        'Active alerts',
        'Alerts firing now, and pending ones whose condition holds but has not lasted long enough yet (the ALERTS series of the alert rules).',
        [{ header: 'Active', expr: activeAlerts(), unit: 'short' }],
        { labels: [], allLabelsBut: ['__name__'], sortBy: 'alertstate', span: 12 },
      ),
    )

    .withRow(new RowBuilder('Collector'))
    .withPanel(
      stat(
        'Telemetry targets up',
        "Whether Prometheus reaches the Collector's own metrics and its Prometheus exporter (1 = up).",
        { expr: collectorQueries.up(jobs), legend: '{{job}}' },
        { unit: 'none', levels: goodFrom(1), span: 6, decimals: 0 },
      ),
    )
    .withPanel(
      timeseries(
        'Spans received',
        'Spans per second the Collector accepted, and refused (0 while none are).',
        [
          {
            expr: collectorQueries.accepted(COLLECTOR_METRICS.acceptedSpans),
            legend: 'accepted {{receiver}}',
          },
          {
            expr: collectorQueries.lost(
              COLLECTOR_METRICS.refusedSpans,
              COLLECTOR_METRICS.acceptedSpans,
              'receiver',
            ),
            legend: 'refused {{receiver}}',
          },
        ],
        { unit: 'short', min: 0, span: 9 },
      ),
    )
    .withPanel(
      timeseries(
        'Metric points received',
        'Metric points per second the Collector accepted, and refused (0 while none are).',
        [
          {
            expr: collectorQueries.accepted(COLLECTOR_METRICS.acceptedMetricPoints),
            legend: 'accepted {{receiver}}',
          },
          {
            expr: collectorQueries.lost(
              COLLECTOR_METRICS.refusedMetricPoints,
              COLLECTOR_METRICS.acceptedMetricPoints,
              'receiver',
            ),
            legend: 'refused {{receiver}}',
          },
        ],
        { unit: 'short', min: 0, span: 9 },
      ),
    )
    .withPanel(
      timeseries(
        'Export failures',
        'Spans and metric points per second an exporter failed to send (0 while none fail): a backend is down or refusing data.',
        [
          {
            expr: collectorQueries.lost(
              COLLECTOR_METRICS.failedSpans,
              COLLECTOR_METRICS.sentSpans,
              'exporter',
            ),
            legend: 'spans {{exporter}}',
          },
          {
            expr: collectorQueries.lost(
              COLLECTOR_METRICS.failedMetricPoints,
              COLLECTOR_METRICS.sentMetricPoints,
              'exporter',
            ),
            legend: 'metric points {{exporter}}',
          },
        ],
        { unit: 'short', min: 0, span: 12, levels: badAbove(0.001, 1) },
      ),
    )
    .withPanel(
      timeseries(
        'Exporter queue usage',
        "How full each exporter's sending queue is; near 100% the Collector starts dropping data.",
        [{ expr: collectorQueries.queueUsage(), legend: '{{exporter}}' }],
        { unit: 'percentunit', min: 0, max: 1, span: 12, levels: badAbove(0.5, 0.8) },
      ),
    );
}
