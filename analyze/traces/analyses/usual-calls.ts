/**
 * Which services an operation usually calls, learned from its successful requests: what error
 * origin needs to tell a request that failed on its own from one that failed fast, without the
 * call it makes whenever it succeeds (a circuit breaker that is open, a bulkhead that is full, a
 * cached failure). The error then belongs as much to the service it skipped.
 */
import type { Trace } from '../trace.js';
import { opKey as operationKey } from './profile.js';

/** A call is usual when successful requests make it this often. */
const USUAL_SHARE = 0.9;
/** Successful requests needed before a call can be called usual. */
const MIN_REQUESTS = 5;

export interface UsualCallsState {
  /** Per operation (`opKey`) of a service's entry span: successful requests, and per callee. */
  ok: Map<string, UsualOk>;
}

/** Index of the span where `i`'s service was entered in this trace (its same-service top). */
export function entryOf(t: Trace, i: number): number {
  let e = i;
  for (
    let p = t.parent[e]!;
    p >= 0 && t.spans[p]!.service === t.spans[e]!.service;
    p = t.parent[e]!
  )
    e = p;
  return e;
}

/** The other services that entry span `e` called, directly or through its own service's spans. */
export function calleesOf(t: Trace, e: number): string[] {
  const service = t.spans[e]!.service;
  const out: string[] = [];
  const stack = [e];
  while (stack.length > 0) {
    for (const c of t.children[stack.pop()!]!) {
      const s = t.spans[c]!.service;
      if (s === service) stack.push(c);
      else if (!out.includes(s)) out.push(s);
    }
  }
  return out;
}

export const opKey = (t: Trace, i: number): string =>
  operationKey(t.spans[i]!.service, t.spans[i]!.name);

interface UsualOk {
  n: number;
  calls: Map<string, number>;
}

export class UsualCalls {
  readonly state: UsualCallsState = { ok: new Map() };
  /** service -> operation -> the entry of `state.ok`: no key string built per span. */
  private readonly index = new Map<string, Map<string, UsualOk>>();
  /** Per span of the current trace, its entry span once known (-1 not yet): reused buffer. */
  private entry = new Int32Array(64);

  /**
   * Counts the calls of every successful entry span of `t`, in one pass over the spans: a span
   * whose parent is in another service is a call of its parent's entry span. The same counts as
   * `calleesOf` for every successful entry, without a walk and a list per entry.
   */
  add(t: Trace): void {
    const { spans, parent } = t;
    const n = spans.length;
    if (this.entry.length < n) this.entry = new Int32Array(Math.max(n, this.entry.length * 2));
    this.entry.fill(-1, 0, n);
    // Per entry span, the services it called, each once; allocated when a trace has calls.
    let called: (string[] | undefined)[] | undefined;
    for (let i = 0; i < n; i++) {
      const s = spans[i]!;
      const p = parent[i]!;
      if (p >= 0 && spans[p]!.service === s.service) continue;
      if (!s.error) this.record(s.service, s.name).n++;
      if (p < 0) continue;
      const e = this.entryOfParent(t, p);
      if (spans[e]!.error) continue;
      const list = ((called ??= new Array<string[] | undefined>(n))[e] ??= []);
      if (!list.includes(s.service)) list.push(s.service);
    }
    if (called === undefined) return;
    for (let e = 0; e < n; e++) {
      const list = called[e];
      if (list === undefined) continue;
      const o = this.record(spans[e]!.service, spans[e]!.name);
      for (const c of list) o.calls.set(c, (o.calls.get(c) ?? 0) + 1);
    }
  }

  /** `entryOf(t, i)`, remembered for every span on the way up. */
  private entryOfParent(t: Trace, i: number): number {
    const { spans, parent } = t;
    const entry = this.entry;
    let e = i;
    for (
      let p = parent[e]!;
      entry[e]! < 0 && p >= 0 && spans[p]!.service === spans[e]!.service;
      p = parent[e]!
    )
      e = p;
    const top = entry[e]! >= 0 ? entry[e]! : e;
    for (let k = i; k !== e; k = parent[k]!) entry[k] = top;
    entry[e] = top;
    return top;
  }

  private record(service: string, name: string): UsualOk {
    let names = this.index.get(service);
    if (names === undefined) {
      names = new Map();
      this.index.set(service, names);
    }
    let o = names.get(name);
    if (o === undefined) {
      // `absorb` may have put it in the state already.
      const key = operationKey(service, name);
      o = this.state.ok.get(key);
      if (o === undefined) {
        o = { n: 0, calls: new Map() };
        this.state.ok.set(key, o);
      }
      names.set(name, o);
    }
    return o;
  }

  absorb(s: UsualCallsState): void {
    for (const [key, o] of s.ok) {
      const mine = this.state.ok.get(key);
      if (mine === undefined) {
        this.state.ok.set(key, o);
        continue;
      }
      mine.n += o.n;
      for (const [c, n] of o.calls) mine.calls.set(c, (mine.calls.get(c) ?? 0) + n);
    }
  }

  /** The usual callees of `key` missing from `called`, sorted. */
  skipped(key: string, called: readonly string[]): string[] {
    const o = this.state.ok.get(key);
    if (o === undefined || o.n < MIN_REQUESTS) return [];
    return [...o.calls]
      .filter(([s, n]) => n / o.n >= USUAL_SHARE && !called.includes(s))
      .map(([s]) => s)
      .sort();
  }
}
