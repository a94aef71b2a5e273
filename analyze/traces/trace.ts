/**
 * One trace as a tree, ready for the analyses: parent and children by index, self times, and the
 * repairs real data needs, each counted so the report can say what was repaired:
 *
 * - duplicate span ids: a Zipkin client/server pair sharing an id (B3's shared span, which is
 *   legal and not counted; Zipkin's `shared` flag names the side that joined) becomes parent
 *   and child; exact repeats are dropped;
 * - missing parents: the span becomes a root of its own (an orphan);
 * - cycles in parent links: broken where found, the span becomes a root;
 * - clock skew (after Jaeger's adjuster): a child from another service that does not fit inside
 *   its parent is shifted, with its same-service descendants, to sit centred in the parent.
 */
import type { Span } from './span.js';

export interface TraceIssues {
  /** Spans whose parent is not in the trace. */
  orphans: number;
  /**
   * Repeated span ids dropped or split. Not a client/server pair sharing an id (Zipkin's shared
   * spans): that is legal, and only split.
   */
  duplicateIds: number;
  /** Parent links that closed a cycle and were cut. */
  cycles: number;
  /** Spans moved in time to fit their parent. */
  skewAdjusted: number;
}

export interface Trace {
  traceId: string;
  spans: Span[];
  /** Index of each span's parent, -1 for roots. */
  parent: Int32Array;
  /** Child indexes per span, by start time. */
  children: number[][];
  /** Spans without a parent in the trace, by start time. */
  roots: number[];
  /** Duration minus the union of the children's time clipped to the span, ms. */
  self: Float64Array;
  /** Depth from the span's root (roots are 0). */
  depth: Int32Array;
  /** Not all of the trace was seen (late spans, size limit). */
  partial: boolean;
  issues: TraceIssues;
  /**
   * Span ids split into a client and a server (B3's shared spans, and ids two services reused):
   * the server's id became `<id>:server` (`SHARED_SUFFIX`), its parent the client. Mostly 0.
   */
  sharedIds: number;
}

/** What a split server's span id ends with (see `Trace.sharedIds`). */
export const SHARED_SUFFIX = ':server';

/**
 * For a server split from an id it shared with its client, the client's index, else -1. Only
 * worth asking when `t.sharedIds > 0`.
 */
export function sharedClientOf(t: Trace, i: number): number {
  const id = t.spans[i]!.spanId;
  const p = t.parent[i]!;
  if (p < 0 || !id.endsWith(SHARED_SUFFIX)) return -1;
  const client = t.spans[p]!.spanId;
  return client.length + SHARED_SUFFIX.length === id.length && id.startsWith(client) ? p : -1;
}

/** The server split from span `c`'s id (they shared it), or -1. Rare: traces with `sharedIds`. */
export function sharedServerOf(t: Trace, c: number): number {
  for (const i of t.children[c]!) if (sharedClientOf(t, i) === c) return i;
  return -1;
}

const NO_CHILDREN = Object.freeze([]) as unknown as number[];

const byStart = (spans: readonly Span[]) => (a: number, b: number) =>
  spans[a]!.start - spans[b]!.start || spans[a]!.end - spans[b]!.end;

/**
 * Sorts span indexes by start, then end; equal ones keep their order (as the stable
 * Array.prototype.sort with `byStart` does). Most lists are short: insertion sort, no closure.
 */
function sortByStart(list: number[], spans: readonly Span[]): void {
  const n = list.length;
  if (n < 2) return;
  if (n > 24) {
    list.sort(byStart(spans));
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = list[i]!;
    const xs = spans[x]!.start;
    const xe = spans[x]!.end;
    let j = i - 1;
    for (; j >= 0; j--) {
      const y = spans[list[j]!]!;
      if (!((y.start - xs || y.end - xe) > 0)) break;
      list[j + 1] = list[j]!;
    }
    list[j + 1] = x;
  }
}

/**
 * Span indexes by span id for the trace being built: an open-addressing table reused from trace
 * to trace, as a new Map per trace cost more than the rest of the tree building (it grows step
 * by step, and hashes every id in full).
 */
let idSlots = new Int32Array(1024);

/** A hash of an id from its last 8 characters: ids are random there (hex or base64). */
function idHash(id: string): number {
  let h = id.length;
  for (let k = Math.max(0, id.length - 8); k < id.length; k++) {
    h = (Math.imul(h, 31) + id.charCodeAt(k)) | 0;
  }
  return h ^ (h >>> 15);
}

/** The slot of `idSlots` that holds span id `id`, or the empty one where it would go. */
function slotOf(spans: readonly Span[], id: string, mask: number): number {
  const slots = idSlots;
  let h = idHash(id) & mask;
  while (slots[h]! >= 0 && spans[slots[h]!]!.spanId !== id) h = (h + 1) & mask;
  return h;
}

/**
 * Fills `idSlots` for `spans`; returns the table's mask, or -1 when an id repeats (with
 * `lastWins`, the later span takes the id instead, as Map.set would).
 */
function indexIds(spans: readonly Span[], lastWins = false): number {
  let size = 16;
  while (size < spans.length * 2) size *= 2;
  if (idSlots.length < size) idSlots = new Int32Array(size);
  const slots = idSlots;
  slots.fill(-1, 0, size);
  const mask = size - 1;
  for (let i = 0; i < spans.length; i++) {
    const h = slotOf(spans, spans[i]!.spanId, mask);
    if (slots[h]! >= 0 && !lastWins) return -1;
    slots[h] = i;
  }
  return mask;
}

/** Builds the tree of one trace. The spans may be modified (skew, split duplicates). */
export function buildTrace(traceId: string, input: Span[], partial = false): Trace {
  const issues: TraceIssues = { orphans: 0, duplicateIds: 0, cycles: 0, skewAdjusted: 0 };
  let spans = input;
  let sharedIds = 0;
  let mask = indexIds(spans);
  if (mask < 0) {
    // Rare: a repeated id. Repair, then index again.
    spans = dedupe(input, issues);
    for (const s of spans) if (s.spanId.endsWith(SHARED_SUFFIX)) sharedIds++;
    mask = indexIds(spans, true);
  }
  const n = spans.length;

  const parent = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const pid = spans[i]!.parentId;
    if (pid === undefined) continue;
    const p = idSlots[slotOf(spans, pid, mask)]!;
    // A span that is its own parent is a cycle of one.
    if (p === i) issues.cycles++;
    else if (p < 0) issues.orphans++;
    else parent[i] = p;
  }
  breakCycles(parent, issues);

  // Leaves share one frozen empty list: most spans are leaves.
  const children = new Array<number[]>(n).fill(NO_CHILDREN);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    if (p < 0) roots.push(i);
    else if (children[p] === NO_CHILDREN) children[p] = [i];
    else children[p]!.push(i);
  }
  sortByStart(roots, spans);
  for (const c of children) sortByStart(c, spans);

  const depth = new Int32Array(n);
  adjustSkew(spans, roots, children, depth, issues);
  // Only a skew adjustment moves spans (and so may change an order).
  if (issues.skewAdjusted > 0) for (const c of children) sortByStart(c, spans);
  const self = selfTimes(spans, children);
  return { traceId, spans, parent, children, roots, self, depth, partial, issues, sharedIds };
}

/**
 * Same id twice: B3's shared span, legal in Zipkin, is split: the side that joined the other's
 * span becomes its child and takes over the children from its own service; it is not counted as
 * a repeated id. Zipkin says which side joined with its `shared` flag (exactly one of the two
 * carries it), whatever their kinds. Inputs without the flag (Jaeger, OTLP) are read as Jaeger's
 * span id deduper reads them: a server sharing a client's id joined it. A service calling itself
 * shares ids that way too, so such a pair splits whatever the services. Any other repeat is
 * counted, and dropped unless a server repeats an id of another service's span.
 */
function dedupe(spans: Span[], issues: TraceIssues): Span[] {
  const seen = new Map<string, Span>();
  let dupes: Span[] | undefined;
  for (const s of spans) {
    const prev = seen.get(s.spanId);
    if (prev === undefined) seen.set(s.spanId, s);
    else (dupes ??= []).push(s);
  }
  if (dupes === undefined) return spans;
  const out = [...seen.values()];
  /** Ids already split into client and server: a further span with one is a repeat. */
  const split = new Set<string>();
  for (const d of dupes) {
    const first = seen.get(d.spanId)!;
    // Zipkin's flag on one side only names the side that joined; without it, the kinds do.
    const flagged = first.shared !== d.shared;
    const byKind = d.kind === 'server' ? d : first.kind === 'server' ? first : undefined;
    const server = flagged ? (d.shared ? d : first) : byKind;
    const client = server === d ? first : d;
    const fresh = server !== undefined && !split.has(d.spanId);
    const shared = fresh && (flagged || (!first.shared && client.kind === 'client'));
    if (!shared) issues.duplicateIds++;
    // Other kinds from two services (an id reused across them) still split, but are counted.
    if (!shared && !(fresh && first.service !== d.service)) continue;
    split.add(d.spanId);
    const id = `${server.spanId}${SHARED_SUFFIX}`;
    for (const s of out) {
      if (s.parentId === server.spanId && s !== server && s.service === server.service) {
        s.parentId = id;
      }
    }
    server.parentId = client.spanId;
    server.spanId = id;
    out.push(d);
  }
  return out;
}

/** Cuts parent links that lead back to the span itself; the span where it closes is a root. */
function breakCycles(parent: Int32Array, issues: TraceIssues): void {
  const n = parent.length;
  // 0 unvisited, 1 on the current walk, 2 done
  const state = new Uint8Array(n);
  const walk: number[] = [];
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0) continue;
    let cur = i;
    while (cur >= 0 && state[cur] === 0) {
      state[cur] = 1;
      walk.push(cur);
      cur = parent[cur]!;
    }
    if (cur >= 0 && state[cur] === 1) {
      // `cur` is on this walk: the link from the span that reached it closes the cycle.
      const closer = walk[walk.length - 1]!;
      parent[closer] = -1;
      issues.cycles++;
    }
    for (const w of walk) state[w] = 2;
    walk.length = 0;
  }
}

/**
 * Jaeger's clock skew adjustment, top-down: a span from another service than its parent that
 * does not fit inside it is moved to sit centred in the parent (or to start with it, when it is
 * longer); its same-service descendants move with it. Messaging (a consumer span, or a producer
 * parent) is asynchronous and never moved. Also fills in `depth`.
 */
function adjustSkew(
  spans: Span[],
  roots: readonly number[],
  children: readonly number[][],
  depth: Int32Array,
  issues: TraceIssues,
): void {
  // Two parallel stacks (span, shift) rather than an object per span.
  const stack: number[] = [...roots];
  const shifts: number[] = roots.map(() => 0);
  while (stack.length > 0) {
    const i = stack.pop()!;
    const delta = shifts.pop()!;
    const s = spans[i]!;
    if (delta !== 0) {
      s.start += delta;
      s.end += delta;
    }
    for (const c of children[i]!) {
      const child = spans[c]!;
      depth[c] = depth[i]! + 1;
      let d = delta;
      // A message handled after its producer is done is queue lag, not skew: left where it is.
      if (child.service !== s.service && child.kind !== 'consumer' && s.kind !== 'producer') {
        d = skewOf(child.start, child.end, s.start, s.end);
        if (d !== 0) issues.skewAdjusted++;
      }
      stack.push(c);
      shifts.push(d);
    }
  }
}

function skewOf(cs: number, ce: number, ps: number, pe: number): number {
  const cd = ce - cs;
  const pd = pe - ps;
  if (cd > pd) return cs < ps ? ps - cs : 0;
  if (cs >= ps && ce <= pe) return 0;
  return ps + (pd - cd) / 2 - cs;
}

/** Duration minus the union of the children's intervals, each clipped to the span. */
function selfTimes(spans: readonly Span[], children: readonly number[][]): Float64Array {
  const self = new Float64Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    let covered = 0;
    let curStart = 0;
    let curEnd = -Infinity;
    for (const c of children[i]!) {
      const a = Math.max(spans[c]!.start, s.start);
      const b = Math.min(spans[c]!.end, s.end);
      if (b <= a) continue;
      if (a > curEnd) {
        if (curEnd > curStart) covered += curEnd - curStart;
        curStart = a;
        curEnd = b;
      } else if (b > curEnd) curEnd = b;
    }
    if (curEnd > curStart) covered += curEnd - curStart;
    self[i] = Math.max(0, s.end - s.start - covered);
  }
  return self;
}

/** The service a span calls, when it calls one other service (a client span, by structure). */
export function calleeService(t: Trace, i: number): string | undefined {
  const own = t.spans[i]!.service;
  let callee: string | undefined;
  for (const c of t.children[i]!) {
    const svc = t.spans[c]!.service;
    if (svc === own) continue;
    if (callee === undefined) callee = svc;
    else if (callee !== svc) return undefined;
  }
  return callee;
}
