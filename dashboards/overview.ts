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
import { sloOf } from '../model/schema.js';
import type { DashboardSettings } from './common.js';
import { baseDashboard, externalLink, jaegerSearchUrl, kibanaDiscoverUrl } from './common.js';
import { overviewUid } from './identity.js';
import { BURN_LEVELS, FAST_BURN, budgetOf, errorLevels, latencyLevels } from './levels.js';
import type { Column } from './panels.js';
import { badAbove, goodFrom, stat, table, timeseries } from './panels.js';
import type { Matcher } from './promql.js';
import { eq, overBudget, re, selector } from './promql.js';
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

/** The table's columns with the burn columns: error budget burn after the error ratio, latency last. */
function withBurn(columns: Column[], errorBurn: Column[], latencyBurn: Column[]): Column[] {
  const at = columns.findIndex((c) => c.header === 'Error ratio') + 1;
  return [...columns.slice(0, at), ...errorBurn, ...columns.slice(at), ...latencyBurn];
}

/** Unit of a burn rate: how many times faster than its SLO allows a service spends its budget. */
const BURN_UNIT = 'suffix:x';

/** Services grouped by a key (their objective), in model order, each group once. */
function groupBy<K>(
  services: readonly ServiceModel[],
  key: (x: ServiceModel) => K,
): ServiceModel[][] {
  const groups = new Map<K, ServiceModel[]>();
  for (const x of services) groups.set(key(x), [...(groups.get(key(x)) ?? []), x]);
  return [...groups.values()];
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
  // Each line against its own service's SLO (sloOf), as its own dashboard and its alerts are. A
  // column or graph has one set of levels for all its lines: while the services it shows share
  // an objective, its levels are that objective's, and the ratios and latencies are coloured as
  // they always were (the common case: no service sets an SLO of its own). Where they differ, the
  // levels of one would misjudge another (a 0.3% error ratio is within 99.5% and over 99.9%): the
  // overview then shows each service's burn rate, its bad share over its own budget, which one
  // set of levels reads right for all (1x: on budget; FAST_BURN: the page of the burn-rate
  // alerts), and leaves the ratio or latency beside it uncoloured.
  const sloServices = model.services.filter((x) => !x.scheduler);
  const webServices = model.services.filter((x) => workSpanKind(x) === SPAN_KIND_SERVER);
  const workerServices = model.services.filter((x) => workSpanKind(x) === SPAN_KIND_CONSUMER);
  // The SLO these services share (no service: no line is coloured by it).
  const sloOfAll = (services: readonly ServiceModel[]) =>
    services[0] ? sloOf(model, services[0]) : model.slo;
  const availabilityOf = (x: ServiceModel) => sloOf(model, x).availability;
  const thresholdOf = (x: ServiceModel) => sloOf(model, x).latencyThresholdMs;
  // Error ratios: web services' and workers' share the Error ratio graph, so one decision for both.
  const errorsBurn = groupBy(sloServices, availabilityOf).length > 1;
  // Latency levels are the threshold's alone (latencyLevels): a latency target of its own does not
  // make a service's p95 read differently.
  const latencyBurn = groupBy(webServices, thresholdOf).length > 1;
  const errors = errorsBurn ? undefined : errorLevels(sloOfAll(sloServices));
  const latency = latencyBurn ? undefined : latencyLevels(sloOfAll(webServices));
  // The selections of these services' own lines, as `own` above (server spans of web services,
  // consumer spans of workers).
  const ownSelections = (services: readonly ServiceModel[]): Matcher[][] => {
    const names = (kind: string) =>
      services.filter((x) => workSpanKind(x) === kind).map((x) => x.name);
    return [SPAN_KIND_SERVER, SPAN_KIND_CONSUMER]
      .filter((kind) => names(kind).length > 0)
      .map((kind) => own(names(kind), kind));
  };
  /** Error ratio over each service's own error budget (1 - availability). */
  const errorBurn = (services: readonly ServiceModel[]) =>
    overBudget(
      groupBy(services, availabilityOf).map((g) => ({
        ratio: spanRed(...ownSelections(g)).errorRatio([SVC]),
        budget: budgetOf(availabilityOf(g[0]!)),
      })),
    );
  /** Share slower than each web service's own threshold, over its own latency budget. */
  const latencyBurnExpr = () =>
    overBudget(
      groupBy(webServices, (x) => `${thresholdOf(x)} ${sloOf(model, x).latencyTarget}`).map(
        (g) => ({
          ratio: spanRed(...ownSelections(g)).slowRatio(thresholdOf(g[0]!), [SVC]),
          budget: budgetOf(sloOf(model, g[0]!).latencyTarget),
        }),
      ),
    );
  const burnMeans = `1x spends the budget exactly as fast as the SLO allows over 30 days; orange from 1x, red from ${FAST_BURN}x (the fast burn that pages)`;
  const errorBurnColumn = (services: readonly ServiceModel[]): Column[] =>
    errorsBurn
      ? [
          {
            header: 'Error budget burn',
            expr: errorBurn(services),
            unit: BURN_UNIT,
            levels: BURN_LEVELS,
          },
        ]
      : [];
  const errorColumnsText = errorsBurn
    ? ` Error budget burn: the share that failed over the service's own error budget (1 - its availability SLO); ${burnMeans}. The error ratio is not coloured: the services' availability SLOs differ.`
    : '';
  const latencyColumnsText = latencyBurn
    ? ` Latency budget burn: the share slower than the service's own latency threshold over its latency budget (1 - its latency target); ${burnMeans}. p95/p99 are not coloured: the services' latency thresholds differ.`
    : '';
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
    sortBy: errorsBurn ? 'Error budget burn' : 'Error ratio',
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
        `Per service, now: server requests per second, share that failed, and p95/p99 latency (span metrics).${webOnly ? '' : ` Web services; ${others} in the ${tablesBelow} below.`}${errorColumnsText}${latencyColumnsText} Click a service for its traces.`,
        withBurn(
          redColumns(spanRed(...requestSelections), [SVC], { errors, latency }, 'Requests/s'),
          errorBurnColumn(webServices),
          latencyBurn
            ? [
                {
                  header: 'Latency budget burn',
                  expr: latencyBurnExpr(),
                  unit: BURN_UNIT,
                  levels: BURN_LEVELS,
                },
              ]
            : [],
        ),
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
        `Per service, now: ${workerNouns.toLowerCase()} per second, share that failed, and p95/p99 duration (span metrics).${whatWorkers}${errorColumnsText} Durations are not coloured: ${noThresholdWhy}. Click a service for its traces.`,
        withBurn(
          redColumns(spanRed(...workerSelections), [SVC], { errors }, `${workerNouns}/s`),
          errorBurnColumn(workerServices),
          [],
        ),
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
    const schedulersBeside =
      schedulers.length === 0 ? '' : ' Schedulers in the graph beside, without these levels.';
    b.withPanel(
      errorsBurn
        ? timeseries(
            'Error budget burn',
            `Share of ${webOnly ? 'server requests' : sloNouns} that failed (span status ERROR) over the service's own error budget (1 - its availability SLO), per service: the services' availability SLOs differ, and one set of levels reads every line right as a burn rate.${whatWeb}${whatWorkers}${schedulersBeside} ${burnMeans}. The error ratios are in the tables above.`,
            [{ expr: errorBurn(sloServices), legend }],
            { unit: BURN_UNIT, min: 0, levels: BURN_LEVELS, span },
          )
        : timeseries(
            'Error ratio',
            `Share of ${webOnly ? 'server requests' : sloNouns} that failed (span status ERROR), per service.${whatWeb}${whatWorkers}${schedulersBeside} Orange: the error budget of the availability SLO; red: 14.4 times it (a fast burn).`,
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
    // Thresholds that differ cannot be one line across a graph: the latencies are then drawn
    // without it, and a third graph gives each service's latency budget burn.
    const latencyColours = latencyBurn
      ? " Not coloured: the services' latency thresholds differ; the Latency budget burn graph reads each against its own."
      : ' Orange: the latency SLO threshold; red: twice it.';
    b.withPanel(
      timeseries(
        'p95 latency',
        `Server request latency, 95th percentile, per service.${durationsApart}${latencyColours}`,
        [{ expr: requests.quantile(0.95, [SVC]), legend }],
        { unit: 's', min: 0, levels: latency, ...(latencyBurn ? { span: 8 } : {}) },
      ),
    ).withPanel(
      timeseries(
        'p99 latency',
        `Server request latency, 99th percentile, per service.${durationsApart}${latencyBurn ? latencyColours : ''}`,
        [{ expr: requests.quantile(0.99, [SVC]), legend }],
        { unit: 's', min: 0, levels: latency, ...(latencyBurn ? { span: 8 } : {}) },
      ),
    );
    if (latencyBurn) {
      b.withPanel(
        timeseries(
          'Latency budget burn',
          `Share of server requests slower than the service's own latency SLO threshold, over its latency budget (1 - its latency target), per service.${durationsApart} ${burnMeans}.`,
          [{ expr: latencyBurnExpr(), legend }],
          { unit: BURN_UNIT, min: 0, levels: BURN_LEVELS, span: 8 },
        ),
      );
    }
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
