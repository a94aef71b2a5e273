/**
 * Log evidence for the root-cause ranking: per service, error lines that are new or more frequent
 * than in the baseline logs, and where in the failing requests they start.
 *
 * 1. Each error pattern of a service is weighed by how unusual it is: its lines in excess of the
 *    baseline's rate (all of them for a pattern the service never logged before), times the
 *    confidence of a rate test against the baseline (Poisson rates over the service's lines, as
 *    `obs analyze logs` tests spikes), Bonferroni-corrected over the patterns tested.
 * 2. Error lines are placed in their traces by trace id (and span id): in a request where several
 *    services log unusual errors, the one deepest in the call tree is where the failure starts;
 *    those above it only report what they got back (as error-origin.ts does for failed spans).
 * 3. A service's score is the share of its own requests (traces with its spans) in which unusual
 *    errors start in it: an error ratio, as in RED metrics, so a small service failing every
 *    request counts as much as a busy one failing every request. Error lines that cannot be
 *    placed (no trace id, or traces not in the input) count by their share of the service's lines.
 *
 * Records without a service are given the service of the span they name, found in the traces.
 * A span id a Zipkin client and server share (B3) names the side of the record's own service,
 * else the server's (span-services.ts says why).
 *
 * With `--baseline-logs`, requests that wrote fewer log lines than usual (request-lines.ts) are
 * evidence too: where such short requests start, the code stopped before its usual lines.
 */
import { compareRates } from '../../logs/baseline.js';
import { topExceptions } from '../../logs/exceptions.js';
import type { ExceptionBaseline, ExceptionTallies } from '../../logs/exceptions.js';
import type { ExceptionCount } from '../../logs/report-types.js';
import { confidence, criticalZ, normalQuantile } from '../../stats/tests.js';
import type { AnalysisContext, AnalysisRun, TraceAnalysis } from '../analyses/analysis.js';
import { checkRange } from '../analyses/analysis.js';
import { sharedServerOf } from '../trace.js';
import type { Trace } from '../trace.js';
import type { LogEvidenceInput, LogSide, ServiceLogs, TracedError } from './read.js';
import { UNKNOWN_SERVICE, clientWrote, tally } from './read.js';
import { findShortRequests, shortRequestsText } from './request-lines.js';
import type {
  LogLevelChange,
  ShortRequestOrigin,
  ShortRequests,
  ShortRequestsResult,
} from './request-lines.js';
import { serversOfSharedIds } from './span-services.js';

export type { LogEvidenceInput } from './read.js';

export interface LogEvidenceConfig {
  /** Family-wise false-alarm rate over the error patterns tested. Default 0.05. */
  alpha: number;
  /** Fewest error lines of a pattern (per service) to count. Default 2. */
  minCount: number;
  /** Fewest baseline requests of an operation to learn how many lines it usually logs. Default 5. */
  minRequests: number;
}

export interface NewLogPattern {
  template: string;
  lines: number;
  errors: number;
  traceIds: string[];
  /**
   * The exception its lines raised most (a stack trace joined to them), in full (credentials
   * redacted), or null. Ranked as `exceptions` are.
   */
  exception: string | null;
  /**
   * The exception types its lines raised, most first (at most 3), each with one in full
   * (credentials redacted), as `obs analyze logs` lists them. Where the service's baseline logs
   * had the pattern, most above the baseline's count (scaled to the lines) first.
   */
  exceptions: ExceptionCount[];
}

export interface ServiceLogEvidence {
  service: string;
  lines: number;
  errorLines: number;
  baselineLines: number | null;
  baselineErrorLines: number | null;
  /** Error patterns the baseline logs of this service never had, most lines first. */
  newErrorPatterns: NewLogPattern[];
  /** Traces with error lines of this service, and how many of them are in the trace input. */
  errorTraces: number;
  errorTracesSeen: number;
  /** Traces in the trace input with spans of this service (its requests). */
  requests: number;
  /**
   * Of those, the requests in which unusual error lines (new, or above the baseline's rate) start
   * in this service, weighed by how unusual they are: no deeper service logs unusual errors.
   */
  errorOriginRequests: number;
  /** Requests with unusual error lines of this service that a deeper service's errors explain. */
  passedUpRequests: number;
}

export type LogFindingKind = 'logErrorOrigin' | 'logErrors' | 'newLogErrors' | 'shortRequests';

export interface LogFinding {
  service: string;
  kind: LogFindingKind;
  score: number;
  text: string;
}

export interface LogEvidenceResult {
  files: string[];
  baselineFiles: string[] | null;
  lines: number;
  baselineLines: number | null;
  /** Records that could not be given a service. */
  unknownService: number;
  malformedLines: number;
  services: ServiceLogEvidence[];
  /**
   * Operations whose requests wrote fewer log lines than usual more often than in the baseline
   * (needs `--baseline-logs` whose lines name their spans), most requests starting there first.
   */
  shortRequests: ShortRequests[];
  /** More spans were named by log lines than are kept: requests' line counts not compared. */
  tooManySpans: boolean;
  /**
   * Services whose lines at debug or trace were a real share on one side only (their log level
   * changed): their requests' line counts above compare lines at info and above only.
   */
  levelChanged: LogLevelChange[];
  evidence: LogFinding[];
}

const pct = (k: number, n: number): string =>
  n === 0 ? '-' : `${((100 * k) / n).toPrecision(2)}%`;

interface PatternTotals {
  id: string;
  template: string;
  lines: number;
  errors: number;
  traceIds: string[];
  /** The exception tallies of the pattern's refs. */
  exceptions: ExceptionTallies[];
}

/** Per pattern id: lines, errors, traces; merging references the miner settled into one. */
function byPattern(input: LogEvidenceInput, s: ServiceLogs | undefined) {
  const out = new Map<string, PatternTotals>();
  if (s === undefined) return out;
  for (const [ref, t] of s.patterns) {
    const { id, template } = input.patternOf(ref);
    const e: PatternTotals = out.get(id) ?? {
      id,
      template,
      lines: 0,
      errors: 0,
      traceIds: [],
      exceptions: [],
    };
    e.lines += t.lines;
    e.errors += t.errors;
    if (t.exceptions !== undefined) e.exceptions.push(t.exceptions);
    for (const tid of t.traceIds)
      if (e.traceIds.length < 3 && !e.traceIds.includes(tid)) e.traceIds.push(tid);
    out.set(id, e);
  }
  return out;
}

const ZERO_HALF = '0000000000000000';

/** A 128-bit trace id as its low 64 bits padded to 128, or undefined for a 64-bit one. */
function lowHalf(traceId: string): string | undefined {
  return traceId.length === 32 && !traceId.startsWith(ZERO_HALF)
    ? ZERO_HALF + traceId.slice(16)
    : undefined;
}

/** Tallies the records that waited for their span under its service, else `unknown`. */
function settle(side: LogSide, spanService: ReadonlyMap<string, string>): void {
  for (const p of side.pending) {
    const service = spanService.get(p.spanId) ?? p.fallback ?? UNKNOWN_SERVICE;
    tally(side, service, p.ref, p.error, p.traceId, p.exception);
  }
  side.pending = [];
}

/** An error line placed in its trace: which other error lines of the trace are below it. */
interface PlacedError {
  service: string;
  ref: number;
  /** Indexes (in the trace's list) of error lines of other services deeper in the call tree. */
  below: number[];
}

/** How unusual a service's error pattern is, 0..1 (see the module comment, step 1). */
type Unusual = Map<string, number>;
const key = (service: string, patternId: string) => `${service}\u0000${patternId}`;

class LogEvidenceRun implements AnalysisRun<LogEvidenceResult> {
  private readonly pendingSpans = new Set<string>();
  private readonly spanService = new Map<string, string>();
  private readonly seenTraces = new Set<string>();
  /** Service -> traces of the input with its spans. */
  private readonly requests = new Map<string, number>();
  /** Traces with error lines, as placed when the trace went past. */
  private readonly placed: PlacedError[][] = [];
  /** Trace ids of `placed`, for examples. */
  private readonly placedIds: string[] = [];

  constructor(
    private readonly cfg: LogEvidenceConfig,
    private readonly input: LogEvidenceInput | undefined,
  ) {
    if (input === undefined) return;
    for (const p of input.incident.pending) this.pendingSpans.add(p.spanId);
    for (const list of input.incident.errorsByTrace.values())
      for (const e of list)
        if (e.service === undefined && e.spanId !== undefined) this.pendingSpans.add(e.spanId);
  }

  add(t: Trace): void {
    if (this.input === undefined) return;
    this.seenTraces.add(t.traceId);
    // Logs that carry only the low 64 bits of a 128-bit id (Datadog's dd.trace_id) name it so.
    const low = lowHalf(t.traceId);
    if (low !== undefined) this.seenTraces.add(low);
    const services = new Set<string>();
    for (const s of t.spans) {
      services.add(s.service);
      if (this.pendingSpans.size > 0 && this.pendingSpans.has(s.spanId))
        this.spanService.set(s.spanId, s.service);
    }
    if (t.sharedIds > 0 && this.pendingSpans.size > 0)
      serversOfSharedIds(t, this.pendingSpans, this.spanService);
    for (const s of services) this.requests.set(s, (this.requests.get(s) ?? 0) + 1);
    const byTrace = this.input.incident.errorsByTrace;
    const errors = byTrace.get(t.traceId) ?? (low === undefined ? undefined : byTrace.get(low));
    if (errors !== undefined) {
      this.placed.push(placeErrors(t, errors, this.spanService));
      this.placedIds.push(t.traceId);
    }
  }

  finish(ctx: AnalysisContext): LogEvidenceResult | undefined {
    const input = this.input;
    if (input === undefined) return undefined;
    const inc = input.incident;
    settle(inc, this.spanService);
    // The baseline's records found their spans in the baseline's traces (span-services.ts).
    if (input.baseline !== undefined)
      settle(input.baseline, ctx.baseline?.logSpanServices ?? new Map<string, string>());
    // Step 4: requests cut short, by the lines they wrote.
    const short = findShortRequests(
      { alpha: this.cfg.alpha, minRequests: this.cfg.minRequests },
      ctx.results.requestLines,
      ctx.baseline?.requestLines,
      (ref) => input.patternOf(ref),
    );
    return this.evaluate(input, inc, input.baseline, short);
  }

  /** Step 1: how unusual each (service, error pattern) is. */
  private unusual(input: LogEvidenceInput, inc: LogSide, base: LogSide | undefined): Unusual {
    const tests: { k: string; a: number; ea: number; b: number; eb: number }[] = [];
    for (const [service, s] of inc.services) {
      if (service === UNKNOWN_SERVICE) continue;
      const b = base?.services.get(service);
      const basePatterns = byPattern(input, b);
      for (const p of byPattern(input, s).values()) {
        if (p.errors < this.cfg.minCount) continue;
        tests.push({
          k: key(service, p.id),
          a: p.errors,
          ea: s.lines,
          b: basePatterns.get(p.id)?.errors ?? 0,
          eb: b?.lines ?? 0,
        });
      }
    }
    const out: Unusual = new Map();
    const zc = criticalZ(Math.max(1, tests.length), this.cfg.alpha);
    for (const t of tests) {
      if (base === undefined) {
        // Nothing to compare with: every error pattern is a candidate, by its count.
        out.set(t.k, Math.min(1, t.a / (2 * this.cfg.minCount)));
        continue;
      }
      // A service the baseline never heard from counts as one clean line there.
      const eb = Math.max(1, t.eb);
      const { ratio, pValue } = compareRates(t.a, t.ea, t.b, eb);
      const excess = ratio === Infinity ? 1 : Math.max(0, 1 - 1 / ratio);
      const z = pValue >= 1 ? 0 : -normalQuantile(Math.max(pValue, 1e-300));
      out.set(t.k, excess * confidence(z, zc));
    }
    return out;
  }

  private evaluate(
    input: LogEvidenceInput,
    inc: LogSide,
    base: LogSide | undefined,
    short: ShortRequestsResult,
  ): LogEvidenceResult {
    const unusual = this.unusual(input, inc, base);
    const weightOf = (service: string, ref: number) =>
      unusual.get(key(service, input.patternOf(ref).id)) ?? 0;

    // Step 2: per trace, the unusual errors that start in each service and those passed up.
    const origin = new Map<string, number>();
    const originTraces = new Map<string, number>();
    const passedUp = new Map<string, number>();
    const originExample = new Map<string, { w: number; traceId: string; ref: number }>();
    /** Error lines placed in a trace of the input (the rest count by their share of lines). */
    const placedLines = new Map<string, { lines: number; weight: number }>();
    this.placed.forEach((errors, k) => {
      const w = errors.map((e) => weightOf(e.service, e.ref));
      const perService = new Map<string, { o: number; p: number; ref: number }>();
      errors.forEach((e, i) => {
        const pl = placedLines.get(e.service) ?? { lines: 0, weight: 0 };
        pl.lines++;
        pl.weight += w[i]!;
        placedLines.set(e.service, pl);
        if (w[i]! <= 0) return;
        let explained = 0;
        for (const j of e.below) explained = Math.max(explained, w[j]!);
        const o = w[i]! * (1 - explained);
        const cur = perService.get(e.service) ?? { o: 0, p: 0, ref: e.ref };
        if (o > cur.o) {
          cur.o = o;
          cur.ref = e.ref;
        }
        cur.p = Math.max(cur.p, w[i]! - o);
        perService.set(e.service, cur);
      });
      for (const [service, v] of perService) {
        origin.set(service, (origin.get(service) ?? 0) + v.o);
        if (v.o > 0) originTraces.set(service, (originTraces.get(service) ?? 0) + 1);
        passedUp.set(service, (passedUp.get(service) ?? 0) + v.p);
        const ex = originExample.get(service);
        if (ex === undefined || v.o > ex.w)
          originExample.set(service, { w: v.o, traceId: this.placedIds[k]!, ref: v.ref });
      }
    });

    const services: ServiceLogEvidence[] = [];
    const evidence: LogFinding[] = [];
    for (const [service, s] of inc.services) {
      if (service === UNKNOWN_SERVICE) continue;
      const b = base?.services.get(service);
      const nb = b?.lines ?? 0;
      const kb = b?.errors ?? 0;
      const patterns = byPattern(input, s);
      const basePatterns = byPattern(input, b);
      // A pattern's exceptions, ranked against the same pattern's in the baseline where it had it.
      const exceptionsOf = (id: string): ExceptionCount[] =>
        topExceptions(patterns.get(id)?.exceptions ?? [], againstBaseline(id));
      const againstBaseline = (id: string): ExceptionBaseline | undefined => {
        const bp = basePatterns.get(id);
        return bp === undefined || nb === 0
          ? undefined
          : { tallies: bp.exceptions, scale: s.lines / nb };
      };
      const fresh = [...patterns.values()]
        .filter((t) => t.errors >= this.cfg.minCount && !basePatterns.has(t.id))
        .sort((x, y) => y.errors - x.errors);
      const errorTraces = s.errorTraces;
      let seen = 0;
      for (const id of errorTraces) if (this.seenTraces.has(id)) seen++;
      const requests = this.requests.get(service) ?? 0;
      const o = origin.get(service) ?? 0;
      const p = passedUp.get(service) ?? 0;
      services.push({
        service,
        lines: s.lines,
        errorLines: s.errors,
        baselineLines: b === undefined ? (base === undefined ? null : 0) : nb,
        baselineErrorLines: b === undefined ? (base === undefined ? null : 0) : kb,
        newErrorPatterns: fresh.slice(0, 10).map((t) => {
          const exceptions = exceptionsOf(t.id);
          return {
            template: t.template,
            lines: t.lines,
            errors: t.errors,
            traceIds: t.traceIds,
            exception: exceptions[0]?.example ?? null,
            exceptions,
          };
        }),
        errorTraces: errorTraces.size,
        errorTracesSeen: seen,
        requests,
        errorOriginRequests: Math.round(o * 10) / 10,
        passedUpRequests: Math.round(p * 10) / 10,
      });

      // Step 3, placed lines: the share of the service's requests where unusual errors start.
      const ex = originExample.get(service);
      if (o > 0 && requests > 0 && ex !== undefined) {
        const { id, template: pattern } = input.patternOf(ex.ref);
        const raised = raisedText(patterns.get(id)?.exceptions, exceptionsOf(id));
        evidence.push({
          service,
          kind: 'logErrorOrigin',
          score: Math.min(1, o / requests),
          text: `error lines new or above the baseline's rate start here in ${originTraces.get(service) ?? 0} of its ${requests} requests${p >= 0.5 ? ` (in ${Math.round(p)} more they follow a deeper service's errors)` : ''}, e.g. "${clip(pattern)}"${raised} (trace ${ex.traceId})`,
        });
      }

      // Step 3, unplaced lines: their share of the service's lines.
      const pl = placedLines.get(service) ?? { lines: 0, weight: 0 };
      const unplacedErrors = s.errors - pl.lines;
      if (unplacedErrors <= 0) continue;
      let unplacedWeight = 0;
      for (const [ref, t] of s.patterns) unplacedWeight += t.errors * weightOf(service, ref);
      unplacedWeight = Math.max(0, unplacedWeight - pl.weight);
      if (unplacedWeight <= 0) continue;
      const top = fresh[0];
      evidence.push({
        service,
        kind: top !== undefined ? 'newLogErrors' : 'logErrors',
        score: Math.min(1, unplacedWeight / s.lines),
        text:
          top !== undefined
            ? `${unplacedErrors} error lines not tied to a trace of the input, ${fresh.reduce((a, t) => a + t.errors, 0)} of ${fresh.length} pattern${fresh.length === 1 ? '' : 's'} never logged in the baseline, e.g. "${clip(top.template)}"${raisedText(top.exceptions, exceptionsOf(top.id))}`
            : `${pct(s.errors, s.lines)} of its log lines are errors (${s.errors} of ${s.lines}${base !== undefined ? (nb === 0 ? '; no baseline lines' : `; baseline ${pct(kb, nb)}`) : ''}), ${unplacedErrors} of them not tied to a trace of the input`,
      });
    }
    services.sort((a, b) => b.errorLines - a.errorLines || a.service.localeCompare(b.service));
    return {
      files: inc.files,
      baselineFiles: base?.files ?? null,
      lines: inc.lines,
      baselineLines: base?.lines ?? null,
      unknownService: inc.services.get(UNKNOWN_SERVICE)?.lines ?? 0,
      malformedLines:
        inc.problems.count('malformedJson') + (base?.problems.count('malformedJson') ?? 0),
      services,
      shortRequests: short.shortRequests,
      levelChanged: short.levelChanged,
      tooManySpans: inc.spanLinesFull || base?.spanLinesFull === true,
      evidence: [...evidence, ...short.origins.map(shortFinding)]
        .filter((e) => e.score > 0.001)
        .sort((a, b) => b.score - a.score),
    };
  }
}

/**
 * ` raising ValueError: card declined`, for a pattern whose lines carry a stack trace: the type
 * raised most (above the baseline, where it had the pattern: `ranked`, from topExceptions). When
 * they raised several, how many of them it was, and the next types with theirs:
 * ` raising TimeoutError: bank did not answer (28 of 30; also ValueError 2)`.
 */
function raisedText(
  tallies: readonly ExceptionTallies[] | undefined,
  ranked: readonly ExceptionCount[],
): string {
  const [top, ...rest] = ranked;
  if (top === undefined) return '';
  const raised = ` raising ${clip(top.example, 100)}`;
  if (rest.length === 0) return raised;
  let total = 0;
  for (const byType of tallies ?? []) for (const e of byType.values()) total += e.count;
  return `${raised} (${top.count} of ${total}; also ${rest.map((e) => `${e.type} ${e.count}`).join(', ')})`;
}

/** Step 4's evidence for a service where short requests start, in words. */
function shortFinding({ service, score, top }: ShortRequestOrigin): LogFinding {
  const missing = top.missing === null ? '' : `; "${clip(top.missing, 100)}" missing most`;
  const trace = top.traceIds.length > 0 ? ` (trace ${top.traceIds[0]})` : '';
  return {
    service,
    kind: 'shortRequests',
    score,
    text: `${shortRequestsText(top)}, as if cut short${missing}${trace}`,
  };
}

/** A template for a reason: long ones keep their start and their end, where the exception is. */
function clip(template: string, max = 160): string {
  if (template.length <= max) return template;
  const half = Math.floor((max - 5) / 2);
  return `${template.slice(0, half)} ... ${template.slice(-half)}`;
}

/**
 * Places a trace's error lines: each line's spans (the one it names, else its service's spans in
 * the trace), and which lines of other services sit below them in the call tree.
 */
function placeErrors(
  t: Trace,
  errors: readonly TracedError[],
  spanService: ReadonlyMap<string, string>,
): PlacedError[] {
  const bySpanId = new Map<string, number>();
  t.spans.forEach((s, i) => bySpanId.set(s.spanId, i));
  const anchors = errors.map((e) => {
    let named = e.spanId === undefined ? undefined : bySpanId.get(e.spanId);
    // A client and a server sharing the id (B3): the line is its own service's, else the server's.
    const server = named !== undefined && t.sharedIds > 0 ? sharedServerOf(t, named) : -1;
    if (server >= 0 && !clientWrote(e.service, t.spans[named!]!.service, t.spans[server]!.service))
      named = server;
    if (named !== undefined) return [named];
    const service = e.service ?? (e.spanId !== undefined ? spanService.get(e.spanId) : undefined);
    const out: number[] = [];
    t.spans.forEach((s, i) => {
      if (s.service === service) out.push(i);
    });
    return out;
  });
  const serviceOf = (e: TracedError, i: number): string =>
    e.service ??
    (anchors[i]!.length > 0 ? t.spans[anchors[i]![0]!]!.service : undefined) ??
    UNKNOWN_SERVICE;
  const services = errors.map(serviceOf);
  return errors.map((e, i) => {
    const mine = new Set(anchors[i]);
    const below: number[] = [];
    errors.forEach((_, j) => {
      if (j === i || services[j] === services[i]) return;
      // Below when one of its spans has one of mine among its ancestors.
      const deeper = anchors[j]!.some((a) => {
        for (let p = t.parent[a]!; p >= 0; p = t.parent[p]!) if (mine.has(p)) return true;
        return false;
      });
      if (deeper) below.push(j);
    });
    return { service: services[i]!, ref: e.ref, below };
  });
}

export const logEvidenceAnalysis: TraceAnalysis<'logEvidence', LogEvidenceConfig> = {
  key: 'logEvidence',
  description:
    'unusual error lines per service in --logs, placed in their traces: where failing requests start',
  baseline: false,
  defaults: { alpha: 0.05, minCount: 2, minRequests: 5 },
  validate: (c) => [
    ...checkRange('alpha', c.alpha, 1e-9, 0.5),
    ...checkRange('minCount', c.minCount, 1, 1e9),
    ...checkRange('minRequests', c.minRequests, 2, 1e9),
  ],
  // Without logs there is nothing to tie to spans: no per-trace work at all.
  create: (c, env) =>
    env.logs === undefined ? { finish: () => undefined } : new LogEvidenceRun(c, env.logs),
};
