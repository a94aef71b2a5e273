/**
 * Requests that wrote fewer log lines than usual: the log side of "cut short". A request to a
 * service (its entry span and the spans of the same service under it) that usually logs a few
 * lines and now logs fewer stopped before the code that writes them: an exception thrown and
 * turned into an error answer, an early return. Spans may carry no error status at all (an
 * exception handler that answers 200, or instrumentation that does not record it), so this can
 * be the only trace of the fault. The idea is log invariant mining (Lou et al., USENIX ATC
 * 2010: counts of log lines that go together in normal runs, broken in a failing one), applied
 * per operation, with the spans telling which lines belong to which request.
 *
 * 1. Per side, for every request in a trace the logs saw: its operation (service and entry span
 *    name) and how many non-error lines name its spans. Error lines are the error evidence's
 *    (evidence.ts); counting them here would read an error path that logs more as no change.
 *    The logs saw a trace that some line names, and one that no line names but that lies within
 *    the time the named ones cover: a request stopped before its first line, in a trace where no
 *    other service logs, is the plainest short request. A trace before or after them may lie
 *    outside the logs' time range, and says nothing. The range is read from the traces, not the
 *    lines' own times, which may be in another zone or missing. Lines at debug and trace are
 *    counted apart too: a service whose lines at debug are a real share on one side only changed
 *    its log level, not its requests; its operations are compared by their lines at info and
 *    above, on both sides (and the report says so). Where both sides log it at debug, every line
 *    counts, as they may be the very lines a request cut short did not write.
 * 2. Per operation, the usual count is the fewest lines 95% of its baseline requests wrote;
 *    requests below it are short. A one-sided two-proportion test compares the share of short
 *    requests with the baseline's, Bonferroni-corrected over the operations tested. The usual
 *    count is chosen on the baseline's own requests, which makes their short share low by
 *    construction (none below the least of 5); a new request from the same distribution falls
 *    below the (k+1)-th least of n with chance (k+1)/(n+1), so the baseline counts one short
 *    request more in one request more.
 * 3. The incident's short requests are placed in their traces: a short request with a short
 *    request below it in the call tree follows that one (it got an error back, and stopped), as
 *    evidence.ts places error lines. A service's score is the share of its
 *    requests that start a short chain, weighed by the excess over the baseline's share and the
 *    test's confidence.
 */
import { confidence, criticalZ, proportionIncreaseZ } from '../../stats/tests.js';
import type { AnalysisRun, TraceAnalysis } from '../analyses/analysis.js';
import { sharedClientOf } from '../trace.js';
import type { Trace } from '../trace.js';
import { spanLineCount, writtenByClient } from './read.js';
import type { LogEvidenceInput, LogSide, SpanLines } from './read.js';

/** Per operation: how many requests wrote how many lines, and which patterns they wrote. */
export interface OperationLines {
  service: string;
  operation: string;
  requests: number;
  /** Non-error lines written per request -> requests. */
  lines: Map<number, number>;
  /** The same, of lines at info or above (or of unknown level): without debug and trace. */
  infoLines: Map<number, number>;
  /** Pattern reference (`~ref` for lines at debug or trace) -> requests with a line of it. */
  refs: Map<number, number>;
}

/** The incident's requests in input order, to place the short ones in their traces. */
export interface PlacedRequests {
  /** Index into `RequestLines.operations` per request. */
  operation: number[];
  lines: number[];
  /** The same at info or above; undefined while no request wrote a line at debug or trace. */
  infoLines: number[] | undefined;
  /** The request it was made for (the nearest enclosing request of the trace), or -1. */
  parent: number[];
  /** Index into `traceIds`. */
  trace: number[];
  traceIds: string[];
}

export interface RequestLines {
  operations: OperationLines[];
  /** Requests per service, all operations. */
  services: Map<string, number>;
  /** Per service, the lines its requests wrote, and how many of them at debug or trace. */
  levels: Map<string, { lines: number; debug: number }>;
  /** Incident only. */
  placed: PlacedRequests | undefined;
}

/** One operation whose requests were short more often than in the baseline. */
export interface ShortRequests {
  service: string;
  operation: string;
  /** The fewest lines 95% of its baseline requests wrote: fewer is short. */
  usualLines: number;
  baselineRequests: number;
  baselineShort: number;
  requests: number;
  short: number;
  /** Short requests under which no request was short (those that start a short chain). */
  firstShort: number;
  /** The test's z (positive: short more often than in the baseline). */
  z: number;
  /** Short requests not explained by a short request below them, weighed (step 3). */
  originRequests: number;
  /** The usual line whose share of requests fell most, or null. */
  missing: string | null;
  traceIds: string[];
}

/** A service where short chains start: its score, and its operation with the most of them. */
export interface ShortRequestOrigin {
  service: string;
  score: number;
  top: ShortRequests;
}

/**
 * `26 of 53 requests to GET /x wrote no log line (baseline 1 of 36)`, or `fewer than 3 log
 * lines`: for the reasons and the reports' log sections, counts written by `count`.
 */
export function shortRequestsText(s: ShortRequests, count: (n: number) => string = String): string {
  const wrote = s.usualLines <= 1 ? 'no log line' : `fewer than ${s.usualLines} log lines`;
  return `${count(s.short)} of ${count(s.requests)} requests to ${s.operation} wrote ${wrote} (baseline ${count(s.baselineShort)} of ${count(s.baselineRequests)})`;
}

/** Share of baseline requests the usual count must cover. */
const USUAL_SHARE = 0.95;
/** Trace ids kept per operation, for examples. */
const EXAMPLES = 3;
/** Incident requests kept for placing, at most: beyond, the comparison covers the first ones. */
const MAX_PLACED = 2_000_000;

const opKey = (service: string, name: string) => `${service}\u0000${name}`;

/** Requests of traces no line names, held until the end tells whether the logs saw them. */
interface Unnamed {
  traceIds: string[];
  /** Per trace: first span start and last span end, and its first request in the lists below. */
  start: number[];
  end: number[];
  first: number[];
  service: string[];
  operation: string[];
  /** Index of the request it was made for, within its trace, or -1. */
  parent: number[];
}

class RequestLinesRun implements AnalysisRun<RequestLines> {
  private readonly ops = new Map<string, number>();
  private readonly operations: OperationLines[] = [];
  private readonly services = new Map<string, number>();
  private readonly levels = new Map<string, { lines: number; debug: number }>();
  private readonly placed: PlacedRequests | undefined;
  /** The time the traces some line names cover, epoch ms. */
  private namedStart = Infinity;
  private namedEnd = -Infinity;
  private readonly unnamed: Unnamed = {
    traceIds: [],
    start: [],
    end: [],
    first: [],
    service: [],
    operation: [],
    parent: [],
  };

  constructor(
    private readonly side: LogSide,
    place: boolean,
  ) {
    this.placed = place
      ? { operation: [], lines: [], infoLines: undefined, parent: [], trace: [], traceIds: [] }
      : undefined;
  }

  add(t: Trace): void {
    const spans = t.spans;
    const n = spans.length;
    const logged: (SpanLines | undefined)[] = new Array<SpanLines | undefined>(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const refs = this.side.spanLines.get(spans[i]!.spanId);
      logged[i] = refs;
      if (refs !== undefined) any = true;
    }
    // Rare: ids two writers logged under, or a client and a server share (B3).
    const extra =
      t.sharedIds > 0 || this.side.otherSpanLines.size > 0 ? this.shared(t, logged) : undefined;
    if (extra !== undefined && extra.size > 0) any = true;
    if (this.placed !== undefined && this.placed.lines.length >= MAX_PLACED) return;
    let start = Infinity;
    let end = -Infinity;
    for (const s of spans) {
      if (s.start < start) start = s.start;
      if (s.end > end) end = s.end;
    }
    if (any) {
      if (start < this.namedStart) this.namedStart = start;
      if (end > this.namedEnd) this.namedEnd = end;
    } else if (this.unnamed.service.length >= MAX_PLACED) return;
    // Each span's request: the nearest ancestor-or-self that is an entry into its service
    // (-1: not known yet; a walk up stops at the first span whose request is, and fills the path).
    const request = new Int32Array(n).fill(-1);
    const entries: number[] = [];
    const path: number[] = [];
    for (let i = 0; i < n; i++) {
      let r = i;
      while (request[r] === -1) {
        const p = t.parent[r]!;
        const s = spans[r]!;
        if (
          p < 0 ||
          spans[p]!.service !== s.service ||
          s.kind === 'server' ||
          s.kind === 'consumer'
        ) {
          request[r] = r;
          entries.push(r);
          break;
        }
        path.push(r);
        r = p;
      }
      for (const q of path) request[q] = request[r]!;
      path.length = 0;
    }
    entries.sort((a, b) => a - b);
    if (!any) {
      this.hold(t, start, end, entries, request);
      return;
    }
    const lines = new Map<number, number>();
    const debug = new Map<number, number>();
    const refs = new Map<number, Set<number>>();
    for (const e of entries) {
      lines.set(e, 0);
      debug.set(e, 0);
      refs.set(e, new Set());
    }
    const tallyLines = (i: number, l: SpanLines) => {
      const r = request[i]!;
      lines.set(r, lines.get(r)! + spanLineCount(l));
      const set = refs.get(r)!;
      let d = 0;
      for (let k = 1; k < l.length; k++) {
        const ref = l[k]!;
        if (ref < 0) d++;
        set.add(ref);
      }
      if (d > 0) debug.set(r, debug.get(r)! + d);
    };
    for (let i = 0; i < n; i++) {
      const l = logged[i];
      if (l !== undefined) tallyLines(i, l);
    }
    if (extra !== undefined) for (const [i, list] of extra) for (const l of list) tallyLines(i, l);
    const placed = this.placed;
    // Global request index of each entry span, for its callees' `parent`.
    const index = new Map<number, number>();
    if (placed !== undefined) {
      placed.traceIds.push(t.traceId);
      const first = placed.lines.length;
      entries.forEach((e, k) => index.set(e, first + k));
    }
    for (const e of entries) {
      const s = spans[e]!;
      const up = t.parent[e]!;
      this.count(
        s.service,
        s.name,
        lines.get(e)!,
        debug.get(e)!,
        refs.get(e)!,
        up < 0 ? -1 : index.get(request[up]!)!,
      );
    }
  }

  /** A request of a trace no line names: its place in the trace, until `finish`. */
  private hold(t: Trace, start: number, end: number, entries: number[], request: Int32Array): void {
    const u = this.unnamed;
    u.traceIds.push(t.traceId);
    u.start.push(start);
    u.end.push(end);
    u.first.push(u.service.length);
    const local = new Map<number, number>();
    entries.forEach((e, k) => local.set(e, k));
    for (const e of entries) {
      const s = t.spans[e]!;
      const up = t.parent[e]!;
      u.service.push(s.service);
      u.operation.push(s.name);
      u.parent.push(up < 0 ? -1 : local.get(request[up]!)!);
    }
  }

  /**
   * One request, which wrote `written` lines, `debug` of them at debug or trace: its operation's
   * tallies and, in the incident, its place (`parent` a global request index; the trace the last
   * one in `placed.traceIds`).
   */
  private count(
    service: string,
    name: string,
    written: number,
    debug: number,
    refs: ReadonlySet<number>,
    parent: number,
  ): void {
    const k = opKey(service, name);
    let o = this.ops.get(k);
    if (o === undefined) {
      o = this.operations.length;
      this.ops.set(k, o);
      this.operations.push({
        service,
        operation: name,
        requests: 0,
        lines: new Map(),
        infoLines: new Map(),
        refs: new Map(),
      });
    }
    const op = this.operations[o]!;
    const info = written - debug;
    op.requests++;
    op.lines.set(written, (op.lines.get(written) ?? 0) + 1);
    op.infoLines.set(info, (op.infoLines.get(info) ?? 0) + 1);
    for (const ref of refs) op.refs.set(ref, (op.refs.get(ref) ?? 0) + 1);
    this.services.set(service, (this.services.get(service) ?? 0) + 1);
    const lv = this.levels.get(service);
    if (lv === undefined) this.levels.set(service, { lines: written, debug });
    else {
      lv.lines += written;
      lv.debug += debug;
    }
    const placed = this.placed;
    if (placed !== undefined) {
      placed.operation.push(o);
      if (debug > 0 && placed.infoLines === undefined) placed.infoLines = placed.lines.slice();
      placed.infoLines?.push(info);
      placed.lines.push(written);
      placed.parent.push(parent);
      placed.trace.push(placed.traceIds.length - 1);
    }
  }

  /**
   * The lines of ids named by more than one writer, and of ids a client and a server share,
   * given to their spans: those of a shared id to the span of their writer's service, else the
   * server's (`writtenByClient`). Takes them out of `logged` where they move; returns span index
   * -> the further lines it gets.
   */
  private shared(t: Trace, logged: (SpanLines | undefined)[]): Map<number, SpanLines[]> {
    const out = new Map<number, SpanLines[]>();
    const give = (i: number, l: SpanLines) => {
      const list = out.get(i);
      if (list === undefined) out.set(i, [l]);
      else list.push(l);
    };
    const spans = t.spans;
    const others = this.side.otherSpanLines;
    if (others.size > 0)
      for (let i = 0; i < spans.length; i++)
        for (const l of others.get(spans[i]!.spanId) ?? []) give(i, l);
    if (t.sharedIds === 0) return out;
    for (let i = 0; i < spans.length; i++) {
      const c = sharedClientOf(t, i);
      if (c < 0) continue;
      const all = out.get(c) ?? [];
      out.delete(c);
      const own = logged[c];
      if (own !== undefined) all.unshift(own);
      logged[c] = undefined;
      const client = spans[c]!.service;
      const server = spans[i]!.service;
      for (const l of all) give(writtenByClient(this.side, l[0]!, client, server) ? c : i, l);
    }
    return out;
  }

  finish(): RequestLines {
    // The held traces within the time the named ones cover: their requests wrote no line.
    const u = this.unnamed;
    const none: ReadonlySet<number> = new Set();
    for (let k = 0; k < u.traceIds.length; k++) {
      if (u.start[k]! < this.namedStart || u.end[k]! > this.namedEnd) continue;
      const placed = this.placed;
      if (placed !== undefined && placed.lines.length >= MAX_PLACED) break;
      const base = placed?.lines.length ?? 0;
      placed?.traceIds.push(u.traceIds[k]!);
      const last = k + 1 < u.first.length ? u.first[k + 1]! : u.service.length;
      for (let j = u.first[k]!; j < last; j++) {
        const up = u.parent[j]!;
        this.count(u.service[j]!, u.operation[j]!, 0, 0, none, up < 0 ? -1 : base + up);
      }
    }
    return {
      operations: this.operations,
      services: this.services,
      levels: this.levels,
      placed: this.placed,
    };
  }
}

/** The fewest lines `USUAL_SHARE` of the requests wrote, and how many wrote fewer. */
function usualLines(hist: ReadonlyMap<number, number>, requests: number) {
  const sorted = [...hist].sort((a, b) => a[0] - b[0]);
  const skip = Math.floor((1 - USUAL_SHARE) * requests);
  let below = 0;
  for (const [lines, count] of sorted) {
    if (below + count > skip) return { usual: lines, short: below };
    below += count;
  }
  return { usual: 0, short: 0 };
}

function shortOf(hist: ReadonlyMap<number, number>, usual: number): number {
  let k = 0;
  for (const [lines, count] of hist) if (lines < usual) k += count;
  return k;
}

/**
 * A service whose lines at debug or trace are a real share on one side and not on the other:
 * its log level changed between the two (raised from debug to info, say). Its requests' lines
 * at debug and trace are then left out of the counts on both sides.
 */
export interface LogLevelChange {
  service: string;
  /** The side that wrote lines at debug or trace. */
  debugIn: 'baseline' | 'incident';
}

/**
 * A side logs a service at debug when at least this share of its requests' lines, and at least
 * `DEBUG_LINES` of them, are at debug or trace: a few lines a library writes at debug whatever
 * the level (or a trickle among millions) say nothing about the service's level.
 */
const DEBUG_SHARE = 0.05;
const DEBUG_LINES = 20;

function levelChanges(incident: RequestLines, baseline: RequestLines): LogLevelChange[] {
  const atDebug = (l: { lines: number; debug: number } | undefined) =>
    l !== undefined && l.debug >= DEBUG_LINES && l.debug >= DEBUG_SHARE * l.lines;
  const out: LogLevelChange[] = [];
  for (const [service, l] of incident.levels) {
    const b = baseline.levels.get(service);
    if (b === undefined || atDebug(l) === atDebug(b)) continue;
    out.push({ service, debugIn: atDebug(l) ? 'incident' : 'baseline' });
  }
  return out.sort((a, b) => a.service.localeCompare(b.service));
}

interface Tested {
  incident: number;
  /** Lines at info or above only (the service's log level changed). */
  info: boolean;
  baseline: OperationLines;
  usual: number;
  baselineShort: number;
  /** The baseline's short share out of sample (step 2): one short request more in one more. */
  baselineRate: number;
  short: number;
  z: number;
  /** Weight of each short request: the excess share over the baseline's, times confidence. */
  weight: number;
}

export interface ShortRequestsConfig {
  alpha: number;
  /** Fewest baseline requests of an operation to learn its usual count from. */
  minRequests: number;
}

/**
 * Steps 2 and 3: operations whose requests were short more often than in the baseline, and the
 * services where the short chains start.
 */
export function findShortRequests(
  cfg: ShortRequestsConfig,
  incident: RequestLines | undefined,
  baseline: RequestLines | undefined,
  patternOf: LogEvidenceInput['patternOf'],
): ShortRequestsResult {
  if (incident?.placed === undefined || baseline === undefined)
    return { shortRequests: [], origins: [], levelChanged: [] };
  const base = new Map<string, OperationLines>();
  for (const o of baseline.operations) base.set(opKey(o.service, o.operation), o);
  // A service's debug lines on one side only would make its requests look short (or whole) by
  // its log level: count its lines at info and above, on both sides.
  const levelChanged = levelChanges(incident, baseline);
  const infoOnly = new Set(levelChanged.map((c) => c.service));
  const tested: Tested[] = [];
  incident.operations.forEach((o, i) => {
    const b = base.get(opKey(o.service, o.operation));
    if (b === undefined || b.requests < cfg.minRequests) return;
    const info = infoOnly.has(o.service);
    const { usual, short } = usualLines(info ? b.infoLines : b.lines, b.requests);
    if (usual < 1) return;
    const k = shortOf(info ? o.infoLines : o.lines, usual);
    tested.push({
      incident: i,
      info,
      baseline: b,
      usual,
      baselineShort: short,
      baselineRate: (short + 1) / (b.requests + 1),
      short: k,
      z: proportionIncreaseZ(short + 1, b.requests + 1, k, o.requests),
      weight: 0,
    });
  });
  const zc = criticalZ(Math.max(1, tested.length), cfg.alpha);
  const byOperation = new Map<number, Tested>();
  for (const t of tested) {
    const o = incident.operations[t.incident]!;
    const pi = t.short / o.requests;
    if (t.z <= 0 || pi <= t.baselineRate) continue;
    t.weight = ((pi - t.baselineRate) / pi) * confidence(t.z, zc);
    byOperation.set(t.incident, t);
  }

  // Step 3: each short request's weight, less the most a deeper short request explains.
  const p = incident.placed;
  const n = p.lines.length;
  const weight = new Float64Array(n);
  const below = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const t = byOperation.get(p.operation[j]!);
    if (t === undefined) continue;
    const written = t.info && p.infoLines !== undefined ? p.infoLines[j]! : p.lines[j]!;
    if (written >= t.usual) continue;
    weight[j] = t.weight;
    for (let a = p.parent[j]!; a >= 0; a = p.parent[a]!) below[a] = Math.max(below[a]!, t.weight);
  }
  const origin = new Map<number, { mass: number; first: number; traces: string[] }>();
  for (let j = 0; j < n; j++) {
    if (weight[j]! <= 0) continue;
    const o = weight[j]! * (1 - below[j]!);
    const e = origin.get(p.operation[j]!) ?? { mass: 0, first: 0, traces: [] };
    e.mass += o;
    if (below[j] === 0) e.first++;
    const tid = p.traceIds[p.trace[j]!]!;
    if (o > 0 && e.traces.length < EXAMPLES && !e.traces.includes(tid)) e.traces.push(tid);
    origin.set(p.operation[j]!, e);
  }

  const shortRequests: ShortRequests[] = [];
  const perService = new Map<string, { mass: number; top: ShortRequests; topMass: number }>();
  for (const [i, t] of byOperation) {
    const o = incident.operations[i]!;
    const e = origin.get(i) ?? { mass: 0, first: 0, traces: [] };
    const s: ShortRequests = {
      service: o.service,
      operation: o.operation,
      usualLines: t.usual,
      baselineRequests: t.baseline.requests,
      baselineShort: t.baselineShort,
      requests: o.requests,
      short: t.short,
      firstShort: e.first,
      z: Math.round(t.z * 100) / 100,
      originRequests: Math.round(e.mass * 10) / 10,
      missing: missingLine(o, t.baseline, patternOf, t.info),
      traceIds: e.traces,
    };
    shortRequests.push(s);
    const cur = perService.get(o.service);
    if (cur === undefined) perService.set(o.service, { mass: e.mass, top: s, topMass: e.mass });
    else {
      cur.mass += e.mass;
      if (e.mass > cur.topMass) {
        cur.top = s;
        cur.topMass = e.mass;
      }
    }
  }
  shortRequests.sort(
    (a, b) =>
      b.originRequests - a.originRequests ||
      a.service.localeCompare(b.service) ||
      a.operation.localeCompare(b.operation),
  );

  const origins: ShortRequestOrigin[] = [];
  for (const [service, v] of perService) {
    const requests = incident.services.get(service) ?? 0;
    if (v.mass <= 0 || requests === 0) continue;
    origins.push({ service, score: Math.min(1, v.mass / requests), top: v.top });
  }
  return { shortRequests, origins, levelChanged };
}

export interface ShortRequestsResult {
  shortRequests: ShortRequests[];
  origins: ShortRequestOrigin[];
  /** Services whose lines at debug and trace were left out of the counts, and why. */
  levelChanged: LogLevelChange[];
}

/**
 * The pattern whose share of the operation's requests fell most from the baseline, by the
 * patterns' final ids (the miner may have split one log statement into several refs).
 */
function missingLine(
  o: OperationLines,
  b: OperationLines,
  patternOf: LogEvidenceInput['patternOf'],
  infoOnly: boolean,
): string | null {
  const share = (op: OperationLines) => {
    const out = new Map<string, { template: string; requests: number }>();
    for (const [r, k] of op.refs) {
      if (r < 0 && infoOnly) continue;
      const { id, template } = patternOf(r < 0 ? ~r : r);
      const e = out.get(id) ?? { template, requests: 0 };
      e.requests += k;
      out.set(id, e);
    }
    return out;
  };
  const now = share(o);
  let best: { template: string; drop: number } | null = null;
  for (const [id, e] of share(b)) {
    const drop = e.requests / b.requests - (now.get(id)?.requests ?? 0) / o.requests;
    if (drop > 0 && (best === null || drop > best.drop)) best = { template: e.template, drop };
  }
  return best?.template ?? null;
}

export const requestLinesAnalysis: TraceAnalysis<'requestLines', object> = {
  key: 'requestLines',
  description:
    'log lines written per request (entry span and its service’s spans below), for the log evidence',
  baseline: true,
  defaults: {},
  validate: () => [],
  // Only when both sides' log records name their spans: without the baseline's there is no
  // usual count to compare with.
  create: (_c, env) => {
    const side = env.input === 'baseline' ? env.logs?.baseline : env.logs?.incident;
    const other = env.input === 'baseline' ? env.logs?.incident : env.logs?.baseline;
    const named = (s: LogSide | undefined) => s !== undefined && s.spanLines.size > 0;
    if (!named(side) || !named(other) || side!.spanLinesFull || other!.spanLinesFull)
      return { finish: () => undefined };
    return new RequestLinesRun(side!, env.input !== 'baseline');
  },
};
