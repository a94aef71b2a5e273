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
import { Histogram, bucketOf } from '../../stats/histogram.js';
import type { Trace } from '../trace.js';
import type { TraceAnalysis } from './analysis.js';
import { checkRange } from './analysis.js';
import { startsError } from './origins.js';
import { StructureEdges } from './structure-edges.js';

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
  /** Failed spans where errors start, by error origin's rules (origins.ts). */
  errorOrigins: number;
  /** Spans that are a request into the service: a root, or a child of another service. */
  entries: number;
  /** Of those, the failed ones: the service's failed requests (not its failed calls out). */
  entryErrors: number;
  /** Spans that call another service (their self time is the call's, see `CallStats`). */
  clientLike: number;
  duration: Histogram;
  /** Self time of every span. */
  self: Histogram;
  /**
   * Self time of the spans that are not client-like: the service's own work. Spans with a failed
   * child are left out: their own time includes handling the failure (retries and the waits
   * between them, fallbacks), which is the failing callee's doing, not a slowdown of this work.
   */
  work: Histogram;
  /** The own work of the spans left out of `work` for a failed child, summed (ms). */
  failedChildWorkMs: number;
  /** Duration of the entry spans (the service's request latency). */
  entryDuration: Histogram;
  /** Spans of this operation that have children. */
  parents: number;
  /** Spans in the subtrees of those parents, summed (mean subtree size = parentSpans / parents). */
  parentSpans: number;
  /** Spans in the subtrees of all spans of this operation, summed. */
  subtreeSpans: number;
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
  /** Subtree spans of the parents where this child finished last, summed. */
  lastParentSpans: number;
  /** Subtree spans of these children, summed: the share of the parent's work they are. */
  childSpans: number;
}

/**
 * A node of the call structure: an operation, and for a span that calls another service, the
 * operation it calls (`HTTP POST` alone says little; `HTTP POST -> orders:/api/orders` does).
 */
export interface StructureNode {
  service: string;
  /** The operation, with the callee's for a call: `HTTP POST -> ts-order-service /api/order`. */
  name: string;
  /** The service doing the work: the span's own, or the one it calls. */
  target: string;
  /** Spans of this node. */
  spans: number;
  /** Spans in the subtrees of all of them, summed: the mean work of one is subtreeSpans / spans. */
  subtreeSpans: number;
  /** The same, squared: for the variance of the work per request. */
  subtreeSq: number;
  /** Spans of this node that have children. */
  parents: number;
  /** Spans in the subtrees of those parents, summed. */
  parentSpans: number;
  /** Child node key -> how these parents use it. */
  children: Map<string, ChildStats>;
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
  /** Structure node key -> node (every span has a node, leaves too). */
  structure: Map<string, StructureNode>;
  roots: Map<string, RootStats>;
}

export const OTHER_OPERATIONS = '(other operations)';
const SEP = '\u0001';
const STRUCT_SEP = '\u0002';

/**
 * Whether server span `i`, below a span of its own service, is inside another server span of it
 * with no call out in between: two instrumentations of one request (WSGI middleware and the
 * framework's), not a second request. A request a service sends itself passes a client span.
 */
function insideServerSpan(t: Trace, i: number): boolean {
  const { spans, parent } = t;
  const service = spans[i]!.service;
  for (let p = parent[i]!; p >= 0 && spans[p]!.service === service; p = parent[p]!) {
    const kind = spans[p]!.kind;
    if (kind === 'client' || kind === 'producer') return false;
    if (kind === 'server') return true;
  }
  return false;
}

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
    structure: new Map(),
    roots: new Map(),
  };
}

/** A structure node with its key and a small id for the edge table. */
interface NodeRef {
  node: StructureNode;
  key: string;
  id: number;
}

interface OpEntry {
  stats: OperationStats;
  key: string;
  /** Structure nodes of this operation, by the callee operation it calls ('' for none). */
  nodes: Map<string, NodeRef>;
  /** The calls it makes, by callee service and operation (the same stats as `Profile.calls`). */
  calls: Map<string, Map<string, CallStats>>;
}

class ProfileRun {
  private readonly p = emptyProfile();
  /** service -> name -> entry: no key strings built per span. */
  private readonly index = new Map<string, Map<string, OpEntry>>();
  /** Structure nodes by id, and ids by node key. */
  private readonly nodeRefs: NodeRef[] = [];
  private readonly nodeIds = new Map<string, number>();
  /** Parent node -> child node counters, until `drainEdges` puts them in the nodes. */
  private readonly edges = new StructureEdges();
  /** Per child node id, the last parent span that counted it as present (see `add`). */
  private seenBy = new Int32Array(64).fill(-1);
  private parentSpans = 0;

  constructor(private readonly cfg: ProfileConfig) {}

  private op(service: string, rawName: string): OpEntry {
    let names = this.index.get(service);
    if (names === undefined) {
      names = new Map();
      this.index.set(service, names);
    }
    const hit = names.get(rawName);
    if (hit !== undefined) return hit;
    let name = rawName;
    if (this.p.ops.size >= this.cfg.maxOperations) {
      name = OTHER_OPERATIONS;
      const other = names.get(name);
      if (other !== undefined) {
        names.set(rawName, other);
        return other;
      }
    }
    const stats: OperationStats = {
      service,
      name,
      count: 0,
      errors: 0,
      errorOrigins: 0,
      entries: 0,
      entryErrors: 0,
      clientLike: 0,
      duration: new Histogram(),
      self: new Histogram(),
      work: new Histogram(),
      failedChildWorkMs: 0,
      entryDuration: new Histogram(),
      parents: 0,
      parentSpans: 0,
      subtreeSpans: 0,
    };
    const entry: OpEntry = { stats, key: opKey(service, name), nodes: new Map(), calls: new Map() };
    this.p.ops.set(entry.key, stats);
    names.set(name, entry);
    if (name !== rawName) names.set(rawName, entry);
    return entry;
  }

  private node(e: OpEntry, calleeOp: string, callee: string | undefined, target: string): NodeRef {
    let n = e.nodes.get(calleeOp);
    if (n !== undefined) return n;
    const key = calleeOp === '' ? e.key : e.key + STRUCT_SEP + calleeOp;
    let node = this.p.structure.get(key);
    if (node === undefined) {
      const name = callee === undefined ? e.stats.name : `${e.stats.name} -> ${callee} ${calleeOp}`;
      node = {
        service: e.stats.service,
        name,
        target,
        spans: 0,
        subtreeSpans: 0,
        subtreeSq: 0,
        parents: 0,
        parentSpans: 0,
        children: new Map(),
      };
      this.p.structure.set(key, node);
    }
    let id = this.nodeIds.get(key);
    if (id === undefined) {
      id = this.nodeRefs.length;
      this.nodeIds.set(key, id);
      this.nodeRefs.push({ node, key, id });
    }
    n = this.nodeRefs[id]!;
    e.nodes.set(calleeOp, n);
    return n;
  }

  private call(e: OpEntry, callee: string, op: string): CallStats {
    let byOp = e.calls.get(callee);
    if (byOp === undefined) {
      byOp = new Map();
      e.calls.set(callee, byOp);
    }
    let c = byOp.get(op);
    if (c !== undefined) return c;
    const caller = e.stats.service;
    const ck = callKey(caller, callee, op);
    c = this.p.calls.get(ck);
    if (c === undefined) {
      c = { caller, callee, operation: op, count: 0, errors: 0, gap: new Histogram() };
      this.p.calls.set(ck, c);
    }
    byOp.set(op, c);
    return c;
  }

  add(t: Trace): void {
    const p = this.p;
    p.traces++;
    if (t.partial) p.partialTraces++;
    const { spans, children, parent, self } = t;
    const n = spans.length;
    p.spans += n;
    const size = subtreeSizes(t);
    const wrapper = wrappers(t);
    const nodes = new Array<NodeRef>(n);
    for (let i = 0; i < n; i++) {
      const s = spans[i]!;
      const e = this.op(s.service, s.name);
      const o = e.stats;
      if (s.start < p.firstStart) p.firstStart = s.start;
      if (s.end > p.lastEnd) p.lastEnd = s.end;
      const dur = s.end - s.start;
      const kids = children[i]!;
      // One pass over the children: the one other service called, failed children.
      let callee: string | undefined;
      let remote = -1;
      let several = false;
      let failedChild = false;
      for (let k = 0; k < kids.length; k++) {
        const c = spans[kids[k]!]!;
        if (c.error) failedChild = true;
        if (c.service === s.service) continue;
        if (callee === undefined) {
          callee = c.service;
          remote = kids[k]!;
        } else if (callee !== c.service) several = true;
      }
      if (several) callee = undefined;
      o.count++;
      if (s.error) {
        o.errors++;
        if (startsError(t, i)) o.errorOrigins++;
      }
      // Each value's bucket once, for all the histograms it goes into.
      const durBucket = bucketOf(dur);
      const own = self[i]!;
      const ownBucket = bucketOf(own);
      o.duration.addIn(dur, durBucket);
      o.self.addIn(own, ownBucket);
      const pi = parent[i]!;
      const entry = pi < 0 || spans[pi]!.service !== s.service;
      if (entry || (s.kind === 'server' && !insideServerSpan(t, i))) {
        o.entries++;
        if (s.error) o.entryErrors++;
        o.entryDuration.addIn(dur, durBucket);
      }
      o.subtreeSpans += size[i]!;
      if (
        callee !== undefined ||
        ((s.kind === 'client' || s.kind === 'producer') && kids.length === 0)
      ) {
        o.clientLike++;
      } else if (wrapper[i] === 0) {
        if (failedChild) o.failedChildWorkMs += own;
        else o.work.addIn(own, ownBucket);
      }
      const calleeOp = callee === undefined ? '' : spans[remote]!.name;
      if (callee !== undefined) {
        const c = this.call(e, callee, calleeOp);
        c.count++;
        if (s.error) c.errors++;
        c.gap.addIn(own, ownBucket);
      }
      const nd = this.node(
        e,
        calleeOp,
        callee,
        entry && pi >= 0 ? s.service : (callee ?? s.service),
      );
      nd.node.spans++;
      nd.node.subtreeSpans += size[i]!;
      nd.node.subtreeSq += size[i]! * size[i]!;
      nodes[i] = nd;
    }
    // Call structure: which child nodes each parent used, and which one finished last.
    if (this.seenBy.length < this.nodeRefs.length) {
      const grown = new Int32Array(this.nodeRefs.length * 2).fill(-1);
      grown.set(this.seenBy);
      this.seenBy = grown;
    }
    const edges = this.edges;
    const seenBy = this.seenBy;
    for (let i = 0; i < n; i++) {
      const kids = children[i]!;
      if (kids.length === 0) continue;
      const ref = nodes[i]!;
      ref.node.parents++;
      ref.node.parentSpans += size[i]!;
      // A stamp per parent span: a child node is present once per parent, however many calls.
      if (this.parentSpans === 0x7fffffff) {
        this.parentSpans = 0;
        seenBy.fill(-1);
      }
      const stamp = this.parentSpans++;
      let lastChild = kids[0]!;
      let lastEdge = -1;
      for (let k = 0; k < kids.length; k++) {
        const c = kids[k]!;
        const cid = nodes[c]!.id;
        const edge = edges.edge(ref.id, cid);
        if (k === 0 || spans[c]!.end > spans[lastChild]!.end) {
          lastChild = c;
          lastEdge = edge;
        }
        edges.call(edge, size[c]!);
        if (seenBy[cid] !== stamp) {
          seenBy[cid] = stamp;
          edges.present(edge);
        }
      }
      edges.last(lastEdge, size[i]!);
    }
    for (const r of t.roots) {
      const s = spans[r]!;
      const k = nodes[r]!.key;
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
      rs.spans.add(size[r]!);
    }
  }

  /** Puts the structure counters into the nodes' `children` (first seen first, as Maps keep). */
  private drainEdges(): void {
    this.edges.drain((parent, child, c) => {
      const node = this.nodeRefs[parent]!.node;
      const key = this.nodeRefs[child]!.key;
      const cs = node.children.get(key);
      if (cs === undefined) node.children.set(key, c);
      else {
        cs.present += c.present;
        cs.last += c.last;
        cs.calls += c.calls;
        cs.lastParentSpans += c.lastParentSpans;
        cs.childSpans += c.childSpans;
      }
    });
  }

  save(): unknown {
    this.drainEdges();
    const p = this.p;
    for (const o of p.ops.values())
      for (const h of [o.duration, o.self, o.work, o.entryDuration]) h.trim();
    for (const c of p.calls.values()) c.gap.trim();
    for (const r of p.roots.values()) for (const h of [r.duration, r.spans]) h.trim();
    return p;
  }

  /** Adds another shard's profile: counters add up, histograms merge. */
  absorb(state: unknown): void {
    const o = state as Profile;
    const p = this.p;
    const hist = (h: Histogram) => Histogram.revive(h);
    p.traces += o.traces;
    p.partialTraces += o.partialTraces;
    p.spans += o.spans;
    p.firstStart = Math.min(p.firstStart, o.firstStart);
    p.lastEnd = Math.max(p.lastEnd, o.lastEnd);
    for (const [k, s] of o.ops) {
      const t = p.ops.get(k);
      if (t === undefined) {
        p.ops.set(k, {
          ...s,
          duration: hist(s.duration),
          self: hist(s.self),
          work: hist(s.work),
          entryDuration: hist(s.entryDuration),
        });
        continue;
      }
      t.count += s.count;
      t.errors += s.errors;
      t.errorOrigins += s.errorOrigins;
      t.entries += s.entries;
      t.entryErrors += s.entryErrors;
      t.clientLike += s.clientLike;
      t.parents += s.parents;
      t.parentSpans += s.parentSpans;
      t.subtreeSpans += s.subtreeSpans;
      t.failedChildWorkMs += s.failedChildWorkMs;
      t.duration.merge(hist(s.duration));
      t.self.merge(hist(s.self));
      t.work.merge(hist(s.work));
      t.entryDuration.merge(hist(s.entryDuration));
    }
    for (const [k, c] of o.calls) {
      const t = p.calls.get(k);
      if (t === undefined) p.calls.set(k, { ...c, gap: hist(c.gap) });
      else {
        t.count += c.count;
        t.errors += c.errors;
        t.gap.merge(hist(c.gap));
      }
    }
    for (const [k, n] of o.structure) {
      const t = p.structure.get(k);
      if (t === undefined) {
        p.structure.set(k, n);
        continue;
      }
      t.spans += n.spans;
      t.subtreeSpans += n.subtreeSpans;
      t.subtreeSq += n.subtreeSq;
      t.parents += n.parents;
      t.parentSpans += n.parentSpans;
      for (const [ck, cs] of n.children) {
        const tc = t.children.get(ck);
        if (tc === undefined) t.children.set(ck, cs);
        else {
          tc.present += cs.present;
          tc.last += cs.last;
          tc.calls += cs.calls;
          tc.lastParentSpans += cs.lastParentSpans;
          tc.childSpans += cs.childSpans;
        }
      }
    }
    for (const [k, r] of o.roots) {
      const t = p.roots.get(k);
      if (t === undefined)
        p.roots.set(k, { ...r, duration: hist(r.duration), spans: hist(r.spans) });
      else {
        t.traces += r.traces;
        t.errors += r.errors;
        t.duration.merge(hist(r.duration));
        t.spans.merge(hist(r.spans));
      }
    }
  }

  finish(): Profile {
    this.drainEdges();
    return this.p;
  }
}

/** Spans in each span's subtree, itself included. */
export function subtreeSizes(t: Trace): Int32Array {
  const n = t.spans.length;
  const size = new Int32Array(n).fill(1);
  // Post-order without recursion: children are done before their parent.
  const order: number[] = [];
  const stack = [...t.roots];
  while (stack.length > 0) {
    const i = stack.pop()!;
    order.push(i);
    for (const c of t.children[i]!) stack.push(c);
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    const p = t.parent[i]!;
    if (p >= 0) size[p]! += size[i]!;
  }
  return size;
}

/**
 * Leaf spans that enclose a sibling doing the actual work (an async hand-off whose parent link
 * was lost, e.g. a request filter span next to the forwarded call): their self time is waiting,
 * not work.
 */
function wrappers(t: Trace): Uint8Array {
  const { spans, children } = t;
  const out = new Uint8Array(spans.length);
  for (const kids of children) {
    if (kids.length < 2 || kids.length > 50) continue;
    for (const l of kids) {
      if (children[l]!.length > 0) continue;
      const a = spans[l]!;
      for (const o of kids) {
        if (o === l || children[o]!.length === 0) continue;
        const b = spans[o]!;
        const dur = b.end - b.start;
        const overlap = Math.min(a.end, b.end) - Math.max(a.start, b.start);
        if (dur > 0 && overlap >= 0.9 * dur) {
          out[l] = 1;
          break;
        }
      }
    }
  }
  return out;
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
