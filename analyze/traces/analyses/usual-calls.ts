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

/** An operation's successful requests, and how many of them called each other service. */
interface OpCalls {
  n: number;
  calls: Map<string, number>;
}

export interface UsualCallsState {
  /** Per operation (`opKey`) of a service's entry span. */
  ok: Map<string, OpCalls>;
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

export class UsualCalls {
  readonly state: UsualCallsState = { ok: new Map() };

  /** service -> name -> the entry of `state.ok`: no key string built per span. */
  private readonly index = new Map<string, Map<string, OpCalls>>();

  private counts(service: string, name: string): OpCalls {
    let names = this.index.get(service);
    if (names === undefined) {
      names = new Map();
      this.index.set(service, names);
    }
    let o = names.get(name);
    if (o === undefined) {
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

  /** Counts the calls of every successful entry span of `t`. */
  add(t: Trace): void {
    const { spans, parent } = t;
    for (let i = 0; i < spans.length; i++) {
      if (spans[i]!.error) continue;
      const p = parent[i]!;
      if (p >= 0 && spans[p]!.service === spans[i]!.service) continue;
      const o = this.counts(spans[i]!.service, spans[i]!.name);
      o.n++;
      for (const s of calleesOf(t, i)) o.calls.set(s, (o.calls.get(s) ?? 0) + 1);
    }
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
