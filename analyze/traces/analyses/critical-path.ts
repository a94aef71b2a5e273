/**
 * Critical path, as Jaeger's UI computes it: children are clipped to their parent; from the
 * parent's end, walk back taking the last-finishing child that ends before the current point;
 * time no child covers is the parent's own. Summed per service and operation, it says where the
 * end-to-end latency of the requests goes.
 */
import type { Trace } from '../trace.js';
import { calleeService } from '../trace.js';
import type { TraceAnalysis } from './analysis.js';
import { checkRange } from './analysis.js';

export interface CriticalPathConfig {
  /** The slowest traces whose critical path is listed step by step. Default 5. */
  slowestTraces: number;
}

/** One trace's critical path, in time order, consecutive time in one span merged. */
export interface TracePath {
  traceId: string;
  /** End-to-end latency (the longest root), ms. */
  ms: number;
  path: PathStep[];
}

export interface PathStep {
  service: string;
  operation: string;
  /**
   * The other service a span on the path calls, when it calls one (its children there): a
   * client span's time on the path is the call's, and `HTTP POST` alone does not say to whom.
   */
  calls?: string;
  ms: number;
}

export interface CriticalPathShare {
  service: string;
  operation?: string;
  /** Time on the critical path, ms, summed over traces. */
  ms: number;
  /** `ms` over the summed end-to-end latency of the traces (0..1). */
  share: number;
}

export interface CriticalPathResult {
  traces: number;
  /** Summed root span durations, ms. */
  totalMs: number;
  services: CriticalPathShare[];
  operations: CriticalPathShare[];
  /** The slowest traces, slowest first, with their critical paths. */
  slowest: TracePath[];
}

/** Adds each span's time on the critical path below `root` through `add(spanIndex, ms)`. */
export function criticalPath(
  t: Trace,
  root: number,
  add: (span: number, ms: number) => void,
): void {
  const { spans, children } = t;
  const visit = (i: number, lo: number, hi: number): void => {
    let cur = hi;
    const list = children[i]!;
    if (list.length > 0) {
      // The children clipped to [lo, hi], latest end first (ties in child order).
      const kc: number[] = [];
      const ka: number[] = [];
      const kb: number[] = [];
      for (const c of list) {
        const a = Math.max(spans[c]!.start, lo);
        const b = Math.min(spans[c]!.end, hi);
        if (!(b > a)) continue;
        let j = kb.length;
        kc.push(c);
        ka.push(a);
        kb.push(b);
        for (; j > 0 && kb[j - 1]! < b; j--) {
          kc[j] = kc[j - 1]!;
          ka[j] = ka[j - 1]!;
          kb[j] = kb[j - 1]!;
        }
        kc[j] = c;
        ka[j] = a;
        kb[j] = b;
      }
      for (let k = 0; k < kc.length; k++) {
        if (cur <= lo) break;
        const b = kb[k]!;
        if (b > cur) continue; // overlaps what is already on the path
        if (cur > b) add(i, cur - b);
        visit(kc[k]!, ka[k]!, b);
        cur = ka[k]!;
      }
    }
    if (cur > lo) add(i, cur - lo);
  };
  const r = spans[root]!;
  visit(root, r.start, r.end);
}

interface OpShare {
  service: string;
  operation: string;
  ms: number;
}

class CriticalPathRun {
  private traces = 0;
  private totalMs = 0;
  private readonly services = new Map<string, number>();
  private readonly ops = new Map<string, OpShare>();

  private slowest: TracePath[] = [];
  /** service -> name -> the entry in `ops`: no key string built per segment. */
  private readonly byService = new Map<string, Map<string, OpShare>>();
  // The trace and root being walked, for `segment`.
  private trace: Trace | undefined;
  private tracking = false;
  private steps: number[] = [];
  private times: number[] = [];

  constructor(private readonly cfg: CriticalPathConfig) {}

  /** One piece of the critical path: `ms` of span `i`'s own time. */
  private readonly segment = (i: number, ms: number): void => {
    const s = this.trace!.spans[i]!;
    this.services.set(s.service, (this.services.get(s.service) ?? 0) + ms);
    let names = this.byService.get(s.service);
    if (names === undefined) {
      names = new Map();
      this.byService.set(s.service, names);
    }
    let o = names.get(s.name);
    if (o === undefined) {
      const key = `${s.service}\u0001${s.name}`;
      o = this.ops.get(key);
      if (o === undefined) {
        o = { service: s.service, operation: s.name, ms: 0 };
        this.ops.set(key, o);
      }
      names.set(s.name, o);
    }
    o.ms += ms;
    if (!this.tracking) return;
    const { steps, times } = this;
    if (steps[steps.length - 1] === i) times[times.length - 1]! += ms;
    else {
      steps.push(i);
      times.push(ms);
    }
  };

  add(t: Trace): void {
    this.traces++;
    let main = -1;
    let mainMs = -1;
    for (const root of t.roots) {
      const r = t.spans[root]!;
      const dur = r.end - r.start;
      this.totalMs += dur;
      if (dur > mainMs) {
        mainMs = dur;
        main = root;
      }
    }
    // Compared as `keepSlow` ranks (rounded ms, then the smaller trace id): a shard then keeps
    // the same traces whatever order its traces complete in.
    const roundMs = Math.round(mainMs * 1000) / 1000;
    const last = this.slowest[this.slowest.length - 1];
    const keep =
      this.cfg.slowestTraces > 0 &&
      (last === undefined ||
        this.slowest.length < this.cfg.slowestTraces ||
        roundMs > last.ms ||
        (roundMs === last.ms && t.traceId < last.traceId));
    this.trace = t;
    for (const root of t.roots) {
      // Segments come latest first; the kept path is turned round at the end.
      this.tracking = keep && root === main;
      const steps = (this.steps = this.tracking ? [] : this.steps);
      const times = (this.times = this.tracking ? [] : this.times);
      criticalPath(t, root, this.segment);
      if (this.tracking) {
        const path = steps
          .map((i, k): PathStep => {
            const calls = calleeService(t, i);
            return {
              service: t.spans[i]!.service,
              operation: t.spans[i]!.name,
              ...(calls !== undefined ? { calls } : {}),
              ms: Math.round(times[k]! * 1000) / 1000,
            };
          })
          .reverse();
        this.keepSlow({ traceId: t.traceId, ms: roundMs, path });
      }
    }
  }

  /** Keeps the slowest traces; ties by trace id, so shards merge to the same list. */
  private keepSlow(p: TracePath): void {
    this.slowest.push(p);
    this.slowest.sort((a, b) => b.ms - a.ms || a.traceId.localeCompare(b.traceId));
    this.slowest.length = Math.min(this.slowest.length, this.cfg.slowestTraces);
  }

  save(): unknown {
    return {
      traces: this.traces,
      totalMs: this.totalMs,
      services: this.services,
      ops: this.ops,
      slowest: this.slowest,
    };
  }

  absorb(state: unknown): void {
    const s = state as {
      traces: number;
      totalMs: number;
      services: Map<string, number>;
      ops: Map<string, { service: string; operation: string; ms: number }>;
      slowest: TracePath[];
    };
    for (const p of s.slowest) this.keepSlow(p);
    this.traces += s.traces;
    this.totalMs += s.totalMs;
    for (const [k, v] of s.services) this.services.set(k, (this.services.get(k) ?? 0) + v);
    for (const [k, v] of s.ops) {
      const o = this.ops.get(k);
      if (o === undefined) this.ops.set(k, v);
      else o.ms += v.ms;
    }
  }

  finish(): CriticalPathResult {
    // Rounded to the µs: sums over shards in another order then read the same.
    const r = (v: number) => Math.round(v * 1000) / 1000;
    const share = (ms: number) =>
      this.totalMs > 0 ? Math.round((ms / this.totalMs) * 1e6) / 1e6 : 0;
    return {
      traces: this.traces,
      totalMs: r(this.totalMs),
      services: [...this.services]
        .map(([service, ms]) => ({ service, ms: r(ms), share: share(ms) }))
        .sort((a, b) => b.ms - a.ms || a.service.localeCompare(b.service)),
      operations: [...this.ops.values()]
        .map((o) => ({ ...o, ms: r(o.ms), share: share(o.ms) }))
        .sort(
          (a, b) =>
            b.ms - a.ms ||
            a.service.localeCompare(b.service) ||
            a.operation.localeCompare(b.operation),
        ),
      slowest: this.slowest,
    };
  }
}

export const criticalPathAnalysis: TraceAnalysis<'criticalPath', CriticalPathConfig> = {
  key: 'criticalPath',
  description: 'critical path per trace (Jaeger), summed per service and operation',
  baseline: true,
  defaults: { slowestTraces: 5 },
  validate: (c) => checkRange('slowestTraces', c.slowestTraces, 0, 1000),
  create: (c) => new CriticalPathRun(c),
};
