/**
 * The profile: what every span says about its service, its operation and the calls it makes,
 * boiled down to counters and latency histograms in one pass. The health table reads it; the
 * baseline comparison compares two of them.
 *
 * Time is split the way the propagation of a slowdown runs: a span's *own work* is its self
 * time (what its children do not cover); a span that calls another service (a client span, by
 * kind or by having children in another service) has self time that is the network and the
 * queueing between the services, recorded on the *call* to that service instead.
 */
import { Histogram } from '../../stats/histogram.js';
import type { Trace } from '../trace.js';
import { calleeService } from '../trace.js';
import type { TraceAnalysis } from './analysis.js';
import { checkRange } from './analysis.js';

export interface ProfileConfig {
  /**
   * Distinct operations tracked; later new names count under `(other operations)`, which
   * protects memory against names holding ids. Default 5000.
   */
  maxOperations: number;
}

export interface OperationStats {
  service: string;
  name: string;
  /** Spans of this operation. */
  count: number;
  /** Spans marked as failed (status, error tag, HTTP code). */
  errors: number;
  /** Spans that are a request into the service: a root, or a child of another service. */
  entries: number;
  /** Spans that call another service (their self time is the call's, see `CallStats`). */
  clientLike: number;
  duration: Histogram;
  /** Self time of every span. */
  self: Histogram;
  /** Self time of the spans that are not client-like: the service's own work. */
  work: Histogram;
  /** Duration of the entry spans (the service's request latency). */
  entryDuration: Histogram;
  /** Spans of this operation that have children. */
  parents: number;
}

/** Calls from one service to an operation of another. */
export interface CallStats {
  caller: string;
  callee: string;
  /** The callee's operation. */
  operation: string;
  count: number;
  errors: number;
  /** Client span time not covered by the callee: network, queues, connection set-up. */
  gap: Histogram;
}

/** How a parent operation uses one child operation. */
export interface ChildStats {
  /** Parent spans that have at least one child of this operation. */
  present: number;
  /** Parent spans whose last child to finish is of this operation. */
  last: number;
  /** Children of this operation in total. */
  calls: number;
}

export interface ChildOperation {
  service: string;
  name: string;
  /** The service doing the child's work: the child's, or the one it calls. */
  target: string;
}

export interface RootStats {
  service: string;
  name: string;
  traces: number;
  errors: number;
  duration: Histogram;
  spans: Histogram;
}

export interface Profile {
  traces: number;
  partialTraces: number;
  spans: number;
  /** First and last span start, epoch ms. */
  firstStart: number;
  lastEnd: number;
  ops: Map<string, OperationStats>;
  calls: Map<string, CallStats>;
  /** parent operation key -> child operation key -> usage. */
  children: Map<string, Map<string, ChildStats>>;
  childOps: Map<string, ChildOperation>;
  roots: Map<string, RootStats>;
}

export const OTHER_OPERATIONS = '(other operations)';
const SEP = '\u0001';

export function opKey(service: string, name: string): string {
  return service + SEP + name;
}

export function callKey(caller: string, callee: string, op: string): string {
  return caller + SEP + callee + SEP + op;
}

export function emptyProfile(): Profile {
  return {
    traces: 0,
    partialTraces: 0,
    spans: 0,
    firstStart: Infinity,
    lastEnd: -Infinity,
    ops: new Map(),
    calls: new Map(),
    children: new Map(),
    childOps: new Map(),
    roots: new Map(),
  };
}

class ProfileRun {
  private readonly p = emptyProfile();
  private readonly namesPerService = new Map<string, number>();

  constructor(private readonly cfg: ProfileConfig) {}

  private op(service: string, rawName: string): OperationStats {
    let key = opKey(service, rawName);
    let o = this.p.ops.get(key);
    if (o !== undefined) return o;
    let name = rawName;
    if (this.p.ops.size >= this.cfg.maxOperations) {
      name = OTHER_OPERATIONS;
      key = opKey(service, name);
      o = this.p.ops.get(key);
      if (o !== undefined) return o;
    }
    this.namesPerService.set(service, (this.namesPerService.get(service) ?? 0) + 1);
    o = {
      service,
      name,
      count: 0,
      errors: 0,
      entries: 0,
      clientLike: 0,
      duration: new Histogram(),
      self: new Histogram(),
      work: new Histogram(),
      entryDuration: new Histogram(),
      parents: 0,
    };
    this.p.ops.set(key, o);
    return o;
  }

  add(t: Trace): void {
    const p = this.p;
    p.traces++;
    if (t.partial) p.partialTraces++;
    p.spans += t.spans.length;
    const { spans, children, parent, self } = t;
    const keys: string[] = new Array<string>(spans.length);
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      const o = this.op(s.service, s.name);
      keys[i] = opKey(o.service, o.name);
      if (s.start < p.firstStart) p.firstStart = s.start;
      if (s.end > p.lastEnd) p.lastEnd = s.end;
      const dur = s.end - s.start;
      o.count++;
      if (s.error) o.errors++;
      o.duration.add(dur);
      o.self.add(self[i]!);
      const pi = parent[i]!;
      if (pi < 0 || spans[pi]!.service !== s.service || s.kind === 'server') {
        o.entries++;
        o.entryDuration.add(dur);
      }
      const callee = calleeService(t, i);
      if (
        callee !== undefined ||
        ((s.kind === 'client' || s.kind === 'producer') && children[i]!.length === 0)
      ) {
        o.clientLike++;
      } else {
        o.work.add(self[i]!);
      }
      if (callee !== undefined) {
        const remote = children[i]!.find((c) => spans[c]!.service === callee)!;
        const rname = spans[remote]!.name;
        const ck = callKey(s.service, callee, rname);
        let c = p.calls.get(ck);
        if (c === undefined) {
          c = {
            caller: s.service,
            callee,
            operation: rname,
            count: 0,
            errors: 0,
            gap: new Histogram(),
          };
          p.calls.set(ck, c);
        }
        c.count++;
        if (s.error) c.errors++;
        c.gap.add(self[i]!);
      }
    }
    // Call structure: which child operations each parent used, and which one finished last.
    for (let i = 0; i < spans.length; i++) {
      const kids = children[i]!;
      if (kids.length === 0) continue;
      const pk = keys[i]!;
      const po = p.ops.get(pk)!;
      po.parents++;
      let m = p.children.get(pk);
      if (m === undefined) {
        m = new Map();
        p.children.set(pk, m);
      }
      let lastChild = kids[0]!;
      const seen: string[] = [];
      for (const c of kids) {
        if (spans[c]!.end > spans[lastChild]!.end) lastChild = c;
        const ck = keys[c]!;
        let cs = m.get(ck);
        if (cs === undefined) {
          cs = { present: 0, last: 0, calls: 0 };
          m.set(ck, cs);
        }
        cs.calls++;
        if (!seen.includes(ck)) {
          seen.push(ck);
          cs.present++;
        }
        if (!p.childOps.has(ck)) {
          const child = spans[c]!;
          const target =
            child.service !== spans[i]!.service
              ? child.service
              : (calleeService(t, c) ?? child.service);
          p.childOps.set(ck, { service: child.service, name: child.name, target });
        }
      }
      m.get(keys[lastChild]!)!.last++;
    }
    for (const r of t.roots) {
      const s = spans[r]!;
      const k = keys[r]!;
      let rs = p.roots.get(k);
      if (rs === undefined) {
        rs = {
          service: s.service,
          name: s.name,
          traces: 0,
          errors: 0,
          duration: new Histogram(),
          spans: new Histogram(),
        };
        p.roots.set(k, rs);
      }
      rs.traces++;
      if (s.error) rs.errors++;
      rs.duration.add(s.end - s.start);
      rs.spans.add(t.roots.length === 1 ? spans.length : subtreeSize(t, r));
    }
  }

  finish(): Profile {
    return this.p;
  }
}

function subtreeSize(t: Trace, root: number): number {
  let n = 0;
  const stack = [root];
  while (stack.length > 0) {
    const i = stack.pop()!;
    n++;
    for (const c of t.children[i]!) stack.push(c);
  }
  return n;
}

export const profileAnalysis: TraceAnalysis<'profile', ProfileConfig> = {
  key: 'profile',
  description:
    'per operation and call: counts, errors, latency and self-time histograms, call structure',
  baseline: true,
  defaults: { maxOperations: 5000 },
  validate: (c) => checkRange('maxOperations', c.maxOperations, 1, 1_000_000),
  create: (c) => new ProfileRun(c),
};
