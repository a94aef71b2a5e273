/**
 * What the overview's panels need to know of a model, worked out once: its services by kind,
 * the selections of their lines, what those lines count, and how they are read against the SLOs.
 * Every panel family reads this object; none looks at the model's services again for these.
 */
import {
  SPAN_KIND_CONSUMER,
  SPAN_KIND_PRODUCER,
  SPAN_KIND_SERVER,
  SPAN_LABELS,
  workSpanKind,
} from '../../model/conventions.js';
import type { ServiceModel, SystemModel } from '../../model/schema.js';
import type { Matcher } from '../promql.js';
import { eq, re } from '../promql.js';
import { workOf } from '../service.js';
import { SVC, ownLines, workNouns } from './lines.js';
import type { SloReading } from './slo.js';
import { sloReading } from './slo.js';

/** The selections of the overview's lines, one list of matchers per kind of span counted. */
export interface Selections {
  /** Web services' server spans (every service's, when all are web services); none without. */
  readonly requests: Matcher[][];
  /** Workers' consumer spans. */
  readonly workers: Matcher[][];
  /** Schedulers' producer spans. */
  readonly schedulers: Matcher[][];
  /** Workers' and schedulers' lines, whose durations have no threshold. */
  readonly tasks: Matcher[][];
  /** Web services' and workers' lines, which count against the availability SLO. */
  readonly slo: Matcher[][];
  /** Every line: requests, then tasks. */
  readonly all: Matcher[][];
}

/**
 * What each kind of service's lines count, as sentences for descriptions (each begins with a
 * space). Said only when workers or schedulers are among them, so that a web-only overview stays
 * as it was: then each is ''.
 */
export interface LineTexts {
  readonly web: string;
  readonly workers: string;
  readonly schedulers: string;
  /** Workers' and schedulers'. */
  readonly tasks: string;
  /** Web services', workers' and schedulers'. */
  readonly all: string;
}

export interface OverviewFacts {
  readonly model: SystemModel;
  /** Services by the span kind that counts their work (workSpanKind), in model order. */
  readonly web: readonly ServiceModel[];
  readonly workers: readonly ServiceModel[];
  readonly schedulers: readonly ServiceModel[];
  /** Web services and workers, in model order: the services with an SLO. */
  readonly sloServices: readonly ServiceModel[];
  /** Every service serves HTTP: panels and texts stay as they were before workers were known. */
  readonly webOnly: boolean;
  readonly select: Selections;
  /** The span kinds of the lines shown, server before consumer before producer. */
  readonly kinds: readonly string[];
  /** What all lines count, for titles and headers, e.g. `Requests or tasks`. */
  readonly nouns: string;
  /**
   * What the workers consume: tasks, messages or both (a row's span kind cannot tell them
   * apart), as a phrase (`the tasks they run`) and as a word per row (`task or message`).
   */
  readonly consumed: { readonly text: string; readonly word: string };
  readonly what: LineTexts;
  /** The kinds beside web services, for "in the table below": `workers and schedulers`, say. */
  readonly otherKinds: string;
  /** Why task durations are not coloured by the latency threshold. */
  readonly noThresholdWhy: string;
  readonly slo: SloReading;
}

const CONSUMED_SORTS = [
  { plural: 'Tasks', word: 'task', text: 'the tasks they run' },
  { plural: 'Messages', word: 'message', text: 'the messages they consume' },
];

/** A worker's line counts the tasks it runs, the messages it consumes, or either. */
function consumedBy(workers: readonly ServiceModel[]): OverviewFacts['consumed'] {
  const plurals = new Set(workers.map((x) => workOf(x).plural));
  const sorts = CONSUMED_SORTS.filter((c) => plurals.has(c.plural));
  return {
    text: sorts.map((c) => c.text).join(' or '),
    word: sorts.map((c) => c.word).join(' or '),
  };
}

/** Each kind's own lines, when the model has that kind. */
function selections(
  web: readonly ServiceModel[],
  workers: readonly ServiceModel[],
  schedulers: readonly ServiceModel[],
  webOnly: boolean,
): Selections {
  const own = (services: readonly ServiceModel[], kind: string): Matcher[][] => {
    const names = services.map((x) => x.name);
    return names.length === 0 ? [] : [ownLines(names, kind)];
  };
  // Every service serves HTTP: the query stays as it was before workers were known.
  const requests: Matcher[][] = webOnly
    ? [[re(SVC, '$service'), eq(SPAN_LABELS.kind, SPAN_KIND_SERVER)]]
    : own(web, SPAN_KIND_SERVER);
  const workerLines = own(workers, SPAN_KIND_CONSUMER);
  const schedulerLines = own(schedulers, SPAN_KIND_PRODUCER);
  const tasks = [...workerLines, ...schedulerLines];
  return {
    requests,
    workers: workerLines,
    schedulers: schedulerLines,
    tasks,
    slo: [...requests, ...workerLines],
    all: [...requests, ...tasks],
  };
}

/** What the lines of each kind the model has count (LineTexts). */
function lineTexts(
  hasWeb: boolean,
  hasWorkers: boolean,
  hasSchedulers: boolean,
  consumed: OverviewFacts['consumed'],
): LineTexts {
  const webOnly = !hasWorkers && !hasSchedulers;
  const workers = hasWorkers ? ` Workers: ${consumed.text} (consumer spans).` : '';
  const schedulers = hasSchedulers ? ' Schedulers: the tasks they publish (producer spans).' : '';
  const web = webOnly || !hasWeb ? '' : ' Web services: the requests they serve (server spans).';
  return { web, workers, schedulers, tasks: workers + schedulers, all: web + workers + schedulers };
}

export function overviewFacts(model: SystemModel): OverviewFacts {
  const ofKind = (kind: string) => model.services.filter((x) => workSpanKind(x) === kind);
  const web = ofKind(SPAN_KIND_SERVER);
  const workers = ofKind(SPAN_KIND_CONSUMER);
  const schedulers = ofKind(SPAN_KIND_PRODUCER);
  const webOnly = workers.length + schedulers.length === 0;
  const select = selections(web, workers, schedulers, webOnly);
  const consumed = consumedBy(workers);
  const sloServices = model.services.filter((x) => !x.scheduler);
  return {
    model,
    web,
    workers,
    schedulers,
    sloServices,
    webOnly,
    select,
    kinds: [
      ...(select.requests.length === 0 ? [] : [SPAN_KIND_SERVER]),
      ...(workers.length === 0 ? [] : [SPAN_KIND_CONSUMER]),
      ...(schedulers.length === 0 ? [] : [SPAN_KIND_PRODUCER]),
    ],
    nouns: workNouns(model.services),
    consumed,
    what: lineTexts(web.length > 0, workers.length > 0, schedulers.length > 0, consumed),
    otherKinds: [
      ...(workers.length === 0 ? [] : ['workers']),
      ...(schedulers.length === 0 ? [] : ['schedulers']),
    ].join(' and '),
    // The request latency threshold is not a task's: one may rightly take minutes. A publish is
    // quick, but has no threshold of its own either.
    noThresholdWhy: `the latency SLO threshold is a request's${workers.length === 0 ? '' : ', and a task may rightly take minutes'}`,
    slo: sloReading(model, sloServices, web),
  };
}
