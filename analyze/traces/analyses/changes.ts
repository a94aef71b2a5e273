/**
 * Baseline comparison: what changed between `--baseline` and the input under study, per
 * operation, call and call-graph edge, each change with a significance test and an effect size.
 *
 * Every finding is a two-sample test (so a small baseline counts for less) with an effect size,
 * and the critical z is Bonferroni-corrected for the number of comparisons made:
 *
 * - slower work / slower calls: two tests, the stronger finding standing for the change. The
 *   share of spans (or calls) above a threshold taken from the baseline: its quantile n/(n+1)
 *   (capped at p99), and at least a practical change above the baseline median (`minDeltaMs`,
 *   `minRelative`); effect: the share of requests newly slow. And a rank test of all of them
 *   against the baseline's shifted by that practical change (a slowdown of every request that
 *   stays within the tail a baseline already had); effect: Cliff's delta.
 * - more errors: the share of spans where an error starts (see error-origin.ts).
 * - cut short: a parent ending right after a child more often than it used to: the child is
 *   the last thing that happened before the request gave up. Weighed by the work the parent
 *   lost, less the part lost inside children it still called: a request that ends after its
 *   error handler because a child ended early is that child's doing, not the handler's.
 * - less work: the spans below one request of an operation, mean against mean (Welch), less
 *   the part lost inside the children it still called (that loss is theirs).
 * - calls vanished / appeared: parents that stopped (or started) calling an operation.
 * - more calls: calls per request that makes them (Poisson rates): retries, repeated work.
 */
import type { Histogram } from '../../stats/histogram.js';
import { confidence, criticalZ, proportionIncreaseZ, shiftedRankTest } from '../../stats/tests.js';
import type { AnalysisContext, TraceAnalysis } from './analysis.js';
import { checkRange } from './analysis.js';
import type { Profile } from './profile.js';

export interface ChangesConfig {
  /** Family-wise false-alarm rate over all comparisons. Default 0.05. */
  alpha: number;
  /** Fewest baseline samples (spans, calls, parents) to compare against. Default 5. */
  minSamples: number;
  /** Smallest latency change that counts, ms above the baseline median. Default 1. */
  minDeltaMs: number;
  /** Smallest latency change that counts, relative to the baseline median. Default 0.2. */
  minRelative: number;
}

export type ChangeKind =
  | 'slowerWork'
  | 'slowerCall'
  | 'moreErrors'
  | 'cutShort'
  | 'lessWork'
  | 'callVanished'
  | 'callAppeared'
  | 'moreCalls';

export interface ChangeSide {
  /** Samples compared (spans, calls or parent spans). */
  n: number;
  /** Samples with the property (slow, failed, calling, last). */
  k: number;
  /** Median and 95th percentile, ms, for latency changes. */
  p50?: number;
  p95?: number;
}

export interface Change {
  kind: ChangeKind;
  /** The service this change is evidence against. */
  service: string;
  /** The operation concerned (the child's for structure changes, the callee's for calls). */
  operation: string;
  /** For calls: the calling service. For structure changes: the parent operation. */
  caller?: string;
  parent?: string;
  baseline: ChangeSide;
  incident: ChangeSide;
  /** Share of requests newly affected, 0..1. */
  effect: number;
  /** Two-proportion test statistic (positive: the change is real in the stated direction). */
  z: number;
  /**
   * Latency changes: the test that found it. `tail`: more samples above the baseline's tail
   * (some requests much slower); `shift`: a rank test of all samples against the baseline's
   * shifted by the smallest change that counts (most requests slower), `effect` is then
   * Cliff's delta.
   */
  test?: 'tail' | 'shift';
  /** `effect` weighted by how far `z` clears the critical z: 0..1. */
  score: number;
  /** Latency changes: extra ms per trace this change costs (mean shift x calls per trace). */
  extraMsPerTrace?: number;
  /**
   * How much the change matters, 0..1: for latency, the extra time per trace that reaches the
   * operation against the baseline's mean trace duration (0.5 when it doubles such a trace); for
   * structure, the share of the parent's work (spans) that is lost, gone or new.
   */
  weight: number;
  /**
   * Slower calls: the share of the blame on the callee (the rest is the caller's), from how
   * far the callee's other calls and own work are slow too, against the caller's.
   */
  calleeShare?: number;
  /** Calls appeared: the operation was never seen in the baseline at all. */
  novel?: boolean;
  /**
   * Calls vanished: the share of the parent's work (spans below it) lost in all, 0..1. Calls
   * replaced by others doing as much are a change of path, not lost work.
   */
  parentLoss?: number;
  /** Latency changes: incident mean minus baseline mean, ms per span or call. */
  meanShiftMs?: number;
  text: string;
}

export interface ChangesResult {
  /** Comparisons made (the Bonferroni family). */
  comparisons: number;
  /** The z a change had to reach for a score of 0.5. */
  criticalZ: number;
  /** Changes with a score of at least 0.001, highest score first. */
  changes: Change[];
}

const fmtMs = (v: number): string =>
  !Number.isFinite(v) ? '-' : v >= 100 ? `${Math.round(v)} ms` : `${v.toPrecision(2)} ms`;
const pct = (k: number, n: number): string => (n === 0 ? '-' : `${Math.round((100 * k) / n)}%`);

/** How a latency change shows, by the test that found it (see `Change.test`). */
const slowIn = (c: Change, T: number, what: string): string =>
  c.test === 'shift'
    ? `longer across most ${what} (Cliff's delta ${c.effect.toFixed(2)} beyond the smallest change that counts)`
    : `above ${fmtMs(T)} in ${pct(c.incident.k, c.incident.n)} of ${what} (baseline ${pct(c.baseline.k, c.baseline.n)})`;

/**
 * A `moreErrors` change in words. `where` the errors start is `here` in the list of the change's
 * own service (its `text`); root-causes.ts, moving the change among another service's reasons,
 * names the service instead (`in orders`).
 */
export const moreErrorsText = (c: Change, where: string): string =>
  `${c.operation}: errors start ${where} in ${pct(c.incident.k, c.incident.n)} of spans (baseline ${pct(c.baseline.k, c.baseline.n)})`;

interface Raw extends Omit<Change, 'score' | 'text'> {
  /** The change in words, as said among its service's reasons. */
  describe: (c: Change) => string;
  /** Latency changes: the rank test, taken instead when it is the stronger finding. */
  shift?: { effect: number; z: number };
}

interface Scale {
  /** Traces in the input under study. */
  traces: number;
  /** Mean duration of a baseline trace (its roots), ms. */
  traceMs: number;
}

interface LatencyChange {
  /** The threshold above which a sample counts as slow, ms. */
  T: number;
  base: ChangeSide;
  inc: ChangeSide;
  z: number;
  effect: number;
  extra: number;
  shift: number;
  weight: number;
  /** The rank test for a shift of the whole distribution (see `Change.test`). */
  shiftTest: { effect: number; z: number };
}

function latency(
  cfg: ChangesConfig,
  scale: Scale,
  b: Histogram,
  i: Histogram,
): LatencyChange | undefined {
  if (b.count < cfg.minSamples || i.count === 0) return undefined;
  const q = Math.min(0.99, b.count / (b.count + 1));
  const med = b.quantile(0.5);
  const delta = Math.max(cfg.minDeltaMs, cfg.minRelative * med);
  const T = Math.max(b.quantile(q), med + delta);
  const kb = b.countAbove(T);
  const ki = i.countAbove(T);
  const pb = kb / b.count;
  const pi = ki / i.count;
  const effect = pb >= 1 ? 0 : Math.max(0, (pi - pb) / (1 - pb));
  const shift = Math.max(0, i.mean - b.mean);
  const extra = (shift * i.count) / Math.max(1, scale.traces);
  // Weighed in the requests that reach it (at least one call each), not diluted by the traffic
  // that never does: a fault in a rarely used service hurts the requests that use it as much.
  const perReached = shift * Math.max(1, i.count / Math.max(1, scale.traces));
  return {
    T,
    base: { n: b.count, k: kb, p50: med, p95: b.quantile(0.95) },
    inc: { n: i.count, k: ki, p50: i.quantile(0.5), p95: i.quantile(0.95) },
    z: proportionIncreaseZ(kb, b.count, ki, i.count),
    effect,
    extra,
    shift,
    weight: perReached / (perReached + scale.traceMs),
    shiftTest: shiftedRankTest(b.entries(), i.entries(), delta),
  };
}

/** The fields every latency change has, from the comparison. */
function latencyFields(l: LatencyChange) {
  return {
    baseline: l.base,
    incident: l.inc,
    effect: l.effect,
    z: l.z,
    test: 'tail' as const,
    shift: l.shiftTest,
    extraMsPerTrace: l.extra,
    meanShiftMs: l.shift,
    weight: l.weight,
  };
}

function meanTraceMs(p: Profile): number {
  let sum = 0;
  let n = 0;
  for (const r of p.roots.values()) {
    sum += r.duration.sum;
    n += r.duration.count;
  }
  return n > 0 && sum > 0 ? sum / n : 1;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

export function compareProfiles(cfg: ChangesConfig, base: Profile, inc: Profile): ChangesResult {
  const raw: Raw[] = [];
  let comparisons = 0;
  const scale: Scale = { traces: inc.traces, traceMs: meanTraceMs(base) };

  for (const [key, o] of inc.ops) {
    const bo = base.ops.get(key);
    if (bo === undefined) continue;
    const l = latency(cfg, scale, bo.work, o.work);
    if (l !== undefined) {
      comparisons += 2;
      raw.push({
        kind: 'slowerWork',
        service: o.service,
        operation: o.name,
        ...latencyFields(l),
        describe: (c) =>
          `${c.operation}: own work ${slowIn(c, l.T, 'spans')}; median ${fmtMs(c.baseline.p50!)} -> ${fmtMs(c.incident.p50!)}, p95 ${fmtMs(c.baseline.p95!)} -> ${fmtMs(c.incident.p95!)}`,
      });
    }
    if (bo.count >= cfg.minSamples) {
      // Errors that start here: a span failing only because its callee failed is not news.
      const kb = bo.errorOrigins;
      const ki = o.errorOrigins;
      comparisons++;
      raw.push({
        kind: 'moreErrors',
        service: o.service,
        operation: o.name,
        baseline: { n: bo.count, k: kb },
        incident: { n: o.count, k: ki },
        effect:
          kb >= bo.count ? 0 : Math.max(0, (ki / o.count - kb / bo.count) / (1 - kb / bo.count)),
        z: proportionIncreaseZ(kb, bo.count, ki, o.count),
        weight: 1,
        describe: (c) => moreErrorsText(c, 'here'),
      });
    }
  }

  for (const [key, c] of inc.calls) {
    const bc = base.calls.get(key);
    if (bc === undefined) continue;
    const l = latency(cfg, scale, bc.gap, c.gap);
    if (l === undefined) continue;
    comparisons += 2;
    raw.push({
      kind: 'slowerCall',
      service: c.callee,
      operation: c.operation,
      caller: c.caller,
      ...latencyFields(l),
      describe: (ch) =>
        `calls from ${ch.caller} to ${ch.operation}: time outside ${ch.service} ${slowIn(ch, l.T, 'calls')}; median ${fmtMs(ch.baseline.p50!)} -> ${fmtMs(ch.incident.p50!)}`,
    });
  }

  for (const [pk, bp] of base.structure) {
    const ip = inc.structure.get(pk);
    if (ip === undefined) continue;
    const nb = bp.parents;
    const ni = ip.parents;
    if (bp.spans < cfg.minSamples || ip.spans < cfg.minSamples) continue;
    // The work below one request (spans in its subtree), mean against mean. Work lost inside
    // the children that were still called is theirs (it propagates up to every ancestor): only
    // the rest, calls no longer made, is this operation's own loss.
    const mb = ratio(bp.subtreeSpans, bp.spans);
    const mi = ratio(ip.subtreeSpans, ip.spans);
    let inChildren = 0;
    for (const [ck, cs] of ip.children) {
      const cb = base.structure.get(ck);
      const ci = inc.structure.get(ck);
      if (cb === undefined || ci === undefined || cb.spans === 0 || ci.spans === 0) continue;
      const lost = ratio(cb.subtreeSpans, cb.spans) - ratio(ci.subtreeSpans, ci.spans);
      if (lost > 0) inChildren += (cs.calls / ip.spans) * lost;
    }
    const own = Math.max(0, mb - mi - inChildren);
    // The share of the lost work that is lost inside children: requests that end early because
    // a child ended early do not end because of the child they happened to end after.
    const explainedLoss = mb - mi > 0 ? Math.min(1, inChildren / (mb - mi)) : 0;
    if (bp.parents > 0) {
      // Welch's test on the subtree sizes.
      const vb = Math.max(0, ratio(bp.subtreeSq, bp.spans) - mb * mb);
      const vi = Math.max(0, ratio(ip.subtreeSq, ip.spans) - mi * mi);
      const se = Math.sqrt(vb / bp.spans + vi / ip.spans);
      comparisons++;
      raw.push({
        kind: 'lessWork',
        service: bp.service,
        operation: bp.name,
        baseline: { n: bp.spans, k: Math.round(mb * 10) / 10 },
        incident: { n: ip.spans, k: Math.round(mi * 10) / 10 },
        effect: mb > 0 ? own / mb : 0,
        z: se > 0 ? own / se : own > 0 ? 10 : 0,
        weight: 1,
        describe: (c) =>
          `${c.operation} does ${Math.round(c.effect * 100)}% less work per request itself (calls it no longer makes): ${c.incident.k} spans below it on average, baseline ${c.baseline.k}`,
      });
    }
    const parentLoss = Math.max(
      0,
      1 - ratio(ratio(ip.subtreeSpans, ip.spans), ratio(bp.subtreeSpans, bp.spans)),
    );
    // Which children, and which one last: only between parents on both sides.
    if (nb < cfg.minSamples || ni < cfg.minSamples) continue;
    const keys = new Set([...bp.children.keys(), ...ip.children.keys()]);
    for (const ck of keys) {
      const child = inc.structure.get(ck) ?? base.structure.get(ck);
      if (child === undefined) continue;
      const none = { present: 0, last: 0, calls: 0, lastParentSpans: 0, childSpans: 0 };
      const b = bp.children.get(ck) ?? none;
      const i = ip.children.get(ck) ?? none;
      // Work lost when requests end after this child: their size against the usual size.
      const lost = Math.max(
        0,
        1 - ratio(ratio(i.lastParentSpans, i.last), ratio(bp.parentSpans, nb)),
      );
      const other =
        child.target !== bp.service && !child.name.includes(' -> ') ? ` (${child.target})` : '';
      comparisons += 3;
      raw.push({
        kind: 'cutShort',
        service: child.target,
        operation: child.name,
        parent: bp.name,
        baseline: { n: nb, k: b.last },
        incident: { n: ni, k: i.last },
        effect: b.last >= nb ? 0 : Math.max(0, (i.last / ni - b.last / nb) / (1 - b.last / nb)),
        z: proportionIncreaseZ(b.last, nb, i.last, ni),
        weight: lost * (1 - explainedLoss),
        describe: (c) =>
          `${c.parent} ends right after ${c.operation} in ${pct(c.incident.k, c.incident.n)} of requests (baseline ${pct(c.baseline.k, c.baseline.n)}), doing ${Math.round(lost * 100)}% less work: requests stop there`,
      });
      raw.push({
        kind: 'callVanished',
        service: bp.service,
        operation: child.name,
        parent: bp.name,
        baseline: { n: nb, k: b.present },
        incident: { n: ni, k: i.present },
        effect:
          b.present === 0 ? 0 : Math.max(0, (b.present / nb - i.present / ni) / (b.present / nb)),
        z: proportionIncreaseZ(i.present, ni, b.present, nb),
        weight: Math.min(parentLoss, ratio(b.childSpans, bp.parentSpans)),
        parentLoss,
        describe: (c) =>
          `${c.parent} calls ${c.operation}${other} in ${pct(c.incident.k, c.incident.n)} of requests (baseline ${pct(c.baseline.k, c.baseline.n)})`,
      });
      raw.push({
        kind: 'callAppeared',
        service: bp.service,
        operation: child.name,
        parent: bp.name,
        novel: !base.structure.has(ck),
        baseline: { n: nb, k: b.present },
        incident: { n: ni, k: i.present },
        effect:
          b.present >= nb
            ? 0
            : Math.max(0, (i.present / ni - b.present / nb) / (1 - b.present / nb)),
        z: proportionIncreaseZ(b.present, nb, i.present, ni),
        weight: Math.min(1, ratio(i.childSpans, ip.parentSpans)),
        describe: (c) =>
          `${c.parent} newly calls ${c.operation}${other} in ${pct(c.incident.k, c.incident.n)} of requests (baseline ${pct(c.baseline.k, c.baseline.n)})${c.novel ? '; never seen in the baseline' : ''}`,
      });
      if (b.present > 0 && i.present > 0) {
        // Calls per request that makes them (retries, loops): rates compared as Poisson counts.
        const rb = b.calls / b.present;
        const ri = i.calls / i.present;
        const se = Math.sqrt(ri / i.present + rb / b.present);
        comparisons++;
        raw.push({
          kind: 'moreCalls',
          service: child.target,
          operation: child.name,
          parent: bp.name,
          baseline: { n: b.present, k: b.calls },
          incident: { n: i.present, k: i.calls },
          effect: ri > 0 ? Math.max(0, (ri - rb) / ri) : 0,
          z: se > 0 ? (ri - rb) / se : 0,
          weight: Math.min(1, ratio(i.childSpans, ip.parentSpans)),
          describe: (c) =>
            `${c.parent} calls ${c.operation}${other} ${ri.toFixed(1)} times per request (baseline ${rb.toFixed(1)}): retries or repeated work`,
        });
      }
    }
  }

  const zc = criticalZ(comparisons, cfg.alpha);
  for (const r of raw) {
    // Two tests of one latency change: the stronger finding stands for it.
    const s = r.shift;
    delete r.shift;
    if (s !== undefined && s.effect * confidence(s.z, zc) > r.effect * confidence(r.z, zc)) {
      r.effect = s.effect;
      r.z = s.z;
      r.test = 'shift';
    }
  }
  blameCalls(raw);
  const changes: Change[] = [];
  for (const r of raw) {
    // Under 1% of requests affected is no change to speak of, however sure.
    if (r.effect < 0.01 || r.z <= 0) continue;
    const score = r.effect * r.weight * confidence(r.z, zc);
    // Weak evidence still ranks, last: a fault in a small service may leave only a little.
    if (score < 0.001) continue;
    const { describe, ...rest } = r;
    const c: Change = { ...rest, score, text: '' };
    c.text = describe(c);
    changes.push(c);
  }
  changes.sort((a, b) => b.score - a.score);
  return { comparisons, criticalZ: zc, changes };
}

/** One-sided 5%: follow-up tests on a call's two ends are few, not a family to correct for. */
const FOLLOW_UP_Z = 1.645;

/**
 * A slow call is slow between two services: the callee (its network, its queue) or the caller
 * (starved of CPU, its connection pool). The callee takes the blame as far as its other calls
 * and its own work are slow too, the caller as far as its other calls (to other services) and
 * its own work are; with no evidence either way, the blame is shared, less to a side whose other
 * calls were measured and are not slower. Only a slowdown of a size
 * comparable to the call's can explain it: 4 ms more work does not explain a 1 s longer call.
 */
function blameCalls(raw: Raw[]): void {
  for (const r of raw) {
    if (r.kind !== 'slowerCall') continue;
    const size = r.meanShiftMs ?? 0;
    const shiftRatio = (o: Raw) => (size > 0 ? Math.min(1, (o.meanShiftMs ?? 0) / size) : 1);
    const slow = (o: Raw) => o.effect * confidence(o.z, FOLLOW_UP_Z) * shiftRatio(o);
    // A call measured without a slowdown of this size (whatever its sample): counter-evidence.
    const clean = (o: Raw) => Math.max(0, 1 - Math.max(o.effect, shiftRatio(o)));
    let callee = 0;
    let caller = 0;
    let calleeClean = 0;
    let callerClean = 0;
    for (const o of raw) {
      if (o === r) continue;
      if (o.kind === 'slowerWork') {
        if (o.service === r.service) callee = Math.max(callee, slow(o));
        if (o.service === r.caller) caller = Math.max(caller, slow(o));
      } else if (o.kind === 'slowerCall') {
        if (o.service === r.service) {
          callee = Math.max(callee, slow(o));
          if (o.caller !== r.caller) calleeClean = Math.max(calleeClean, clean(o));
        } else if (o.caller === r.caller) {
          caller = Math.max(caller, slow(o));
          callerClean = Math.max(callerClean, clean(o));
        }
      }
    }
    // With no evidence either way the blame is shared; a side whose other calls are as fast as
    // ever is the less likely one (a starved caller is slow to call everyone, a slow callee is
    // slow for every caller).
    const eps = 0.05;
    const epsCallee = eps * Math.max(0.1, 1 - calleeClean);
    const epsCaller = eps * Math.max(0.1, 1 - callerClean);
    r.calleeShare = (callee + epsCallee) / (callee + caller + epsCallee + epsCaller);
  }
}

export const changesAnalysis: TraceAnalysis<'changes', ChangesConfig> = {
  key: 'changes',
  description: 'what changed against --baseline: latency, errors and call structure, with tests',
  baseline: false,
  defaults: { alpha: 0.05, minSamples: 5, minDeltaMs: 1, minRelative: 0.2 },
  validate: (c) => [
    ...checkRange('alpha', c.alpha, 1e-9, 0.5),
    ...checkRange('minSamples', c.minSamples, 1, 1e9),
    ...checkRange('minDeltaMs', c.minDeltaMs, 0, 1e9),
    ...checkRange('minRelative', c.minRelative, 0, 1e3),
  ],
  create: (c) => ({
    finish: (ctx: AnalysisContext) => {
      const inc = ctx.results.profile;
      const base = ctx.baseline?.profile;
      if (inc === undefined || base === undefined) return undefined;
      return compareProfiles(c, base, inc);
    },
  }),
};
