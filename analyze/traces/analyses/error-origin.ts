/**
 * Error origin: in every failing trace, the spans where an error starts (failed spans none of
 * whose children failed), as against the spans that only pass a downstream error up. A service
 * that is mostly an origin is where to look; one that mostly propagates is a victim.
 *
 * A failed in-process leaf that starts after a failed sibling ended is that sibling's error being
 * reported, not a new one: OpenTelemetry's ASGI instrumentation, for one, marks its `http send`
 * span (writing the 502 the caller got from downstream) failed, and counting it as an origin
 * would blame the gateway for every error it passes up.
 *
 * A failed call whose callee did not fail but was still working when the call ended (its span
 * runs to the call's end or beyond; or the call's status says it timed out: HTTP 504 or 408,
 * gRPC DEADLINE_EXCEEDED) is where the caller gave up waiting: the error is the caller's span,
 * but it started with the callee's slowness. Such traces are counted per callee
 * (`slowCallees`) for the ranking to credit the callee; per operation, so are the caller's failed
 * spans that gave up waiting (the call, and the spans of its service above it that failed with
 * it), for the ranking to credit the callee with those operations' errors only.
 *
 * A service whose requests failed without a call they make whenever they succeed failed fast
 * (usual-calls.ts): its breaker to that callee was open, say. Such traces are counted for both:
 * `failFast` for the service, `skippedBy` for the callee, when the callee fails in this input too.
 */
import { GRPC_STATUS } from '../span.js';
import type { Trace } from '../trace.js';
import type { TraceAnalysis } from './analysis.js';
import { checkRange } from './analysis.js';
import { failureStarts, refusedByCallee } from './origins.js';
import { UsualCalls, calleesOf, entryOf, opKey } from './usual-calls.js';
import type { UsualCallsState } from './usual-calls.js';

/** Failing traces remembered for the fail-fast check, at most (each a few strings). */
const MAX_FAST_CANDIDATES = 200_000;

/** An origin service of one failing trace: where it was entered and what it called there. */
interface Candidate {
  service: string;
  entry: string;
  called: string[];
}

interface ServiceOrigins {
  service: string;
  /** Failing traces in which the service is an origin. */
  traces: number;
  /** Failing traces in which it has a failed span, origin or not (>= `traces`). */
  failing: number;
  origins: number;
  propagated: number;
  /** Of `traces`: those in which it failed without a call its requests usually make. */
  failFast: number;
  /** Failing traces in which a caller failed fast without its usual call here. */
  skippedBy: number;
  /** Of `failFast`: the failing callees it skipped, with the traces each, most first. */
  skipped: { service: string; traces: number }[];
  /**
   * Of `traces`: those in which the error starts at a call to a dependency that sends no spans
   * (a failed client span without children), per dependency as the span names it, most first.
   */
  dependencies: { peer: string; traces: number }[];
  /**
   * Of `traces`: those in which the error starts at a call into a service of the system that
   * was still working on it when the call ended (a timeout waiting for a slow callee), per
   * callee, most first.
   */
  slowCallees: { service: string; traces: number }[];
  examples: string[];
}

export interface ErrorOriginConfig {
  /** Trace ids kept per service as examples. Default 3. */
  examples: number;
}

export interface ErrorOriginEntry {
  service: string;
  operation: string;
  /** Failed spans where the error started. */
  origins: number;
  /** Failed spans whose error came from a failed child. */
  propagated: number;
  /**
   * Of the failed spans: those that failed waiting on a callee still working on the call (the
   * call, or a span of its service above it that failed with it), per callee, most first.
   */
  slowCallees: { service: string; spans: number }[];
}

export interface ErrorOriginResult {
  /** Traces with at least one failed span. */
  failingTraces: number;
  /** Traces considered. */
  traces: number;
  /** Per operation, most origins first. */
  operations: ErrorOriginEntry[];
  /** Per service: traces in which the service is an origin, and example trace ids. */
  services: ServiceOrigins[];
}

/** HTTP 504 (gateway timeout) and 408 (request timeout): the call ran out of time. */
const TIMEOUT_HTTP: ReadonlySet<number> = new Set([504, 408]);

/**
 * The service that failed call `i` went to and that was still working on it when the call
 * ended (see above), or undefined. Messaging is left out: a consumer runs after its producer
 * by design.
 */
function slowCallee(t: Trace, i: number): string | undefined {
  const s = t.spans[i]!;
  if (s.kind === 'producer') return undefined;
  const timedOut =
    (s.httpStatus !== undefined && TIMEOUT_HTTP.has(s.httpStatus)) ||
    s.grpcStatus === GRPC_STATUS.DEADLINE_EXCEEDED;
  for (const c of t.children[i]!) {
    const callee = t.spans[c]!;
    if (callee.service === s.service || callee.error || callee.kind === 'consumer') continue;
    // Clock skew adjustment (trace.ts) centres a callee shorter than the call inside it, so one
    // that ends at or after the call's end ran at least as long as the caller waited.
    if (timedOut || callee.end >= s.end) return callee.service;
  }
  return undefined;
}

/** Adds `n` traces to the entry of `list` whose `key` is `name`, or adds that entry. */
function countTraces<K extends 'service' | 'peer'>(
  list: (Record<K, string> & { traces: number })[],
  key: K,
  name: string,
  n: number,
): void {
  const d = list.find((x) => x[key] === name);
  if (d === undefined)
    list.push({ [key]: name, traces: n } as Record<K, string> & { traces: number });
  else d.traces += n;
}

/** Adds `n` spans to the entry of `list` for callee `service`, or adds that entry. */
function countSpans(list: { service: string; spans: number }[], service: string, n: number) {
  const d = list.find((x) => x.service === service);
  if (d === undefined) list.push({ service, spans: n });
  else d.spans += n;
}

class ErrorOriginRun {
  private traces = 0;
  private failing = 0;
  private readonly ops = new Map<string, ErrorOriginEntry>();
  private readonly svcs = new Map<string, ServiceOrigins>();
  private readonly usual = new UsualCalls();
  private candidates: Candidate[] = [];

  constructor(private readonly cfg: ErrorOriginConfig) {}

  add(t: Trace): void {
    this.traces++;
    this.usual.add(t);
    const { spans, children } = t;
    let any = false;
    const originServices = new Map<string, number>();
    const failingServices = new Set<string>();
    /** service -> dependencies where its errors start in this trace */
    let external: Map<string, Set<string>> | undefined;
    /** service -> callees still working on its calls where its errors start in this trace */
    let slow: Map<string, Set<string>> | undefined;
    /** failed span -> callees still working on the call it failed waiting on */
    let waited: Map<number, Set<string>> | undefined;
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      if (!s.error || refusedByCallee(t, i)) continue;
      any = true;
      failingServices.add(s.service);
      const origin = failureStarts(t, i);
      const key = opKey(t, i);
      let e = this.ops.get(key);
      if (e === undefined) {
        e = { service: s.service, operation: s.name, origins: 0, propagated: 0, slowCallees: [] };
        this.ops.set(key, e);
      }
      const sv = this.service(s.service);
      if (origin) {
        e.origins++;
        sv.origins++;
        if (!originServices.has(s.service)) originServices.set(s.service, i);
        if (s.peer !== undefined && children[i]!.length === 0) {
          external ??= new Map();
          let peers = external.get(s.service);
          if (peers === undefined) external.set(s.service, (peers = new Set()));
          peers.add(s.peer);
        }
        const callee = slowCallee(t, i);
        if (callee !== undefined) {
          slow ??= new Map();
          let callees = slow.get(s.service);
          if (callees === undefined) slow.set(s.service, (callees = new Set()));
          callees.add(callee);
          // The call and the failed spans of its service above it gave up waiting.
          waited ??= new Map();
          for (let w = i; w >= 0 && spans[w]!.service === s.service && spans[w]!.error;) {
            let on = waited.get(w);
            if (on === undefined) waited.set(w, (on = new Set()));
            on.add(callee);
            w = t.parent[w]!;
          }
        }
      } else {
        e.propagated++;
        sv.propagated++;
      }
    }
    if (!any) return;
    for (const [w, callees] of waited ?? []) {
      const e = this.ops.get(opKey(t, w));
      // A span its callee refused (a 4xx answer) is not counted as failed: nor is it here.
      if (e === undefined || refusedByCallee(t, w)) continue;
      for (const c of callees) countSpans(e.slowCallees, c, 1);
    }
    this.failing++;
    for (const name of failingServices) this.service(name).failing++;
    for (const [name, i] of originServices) {
      const sv = this.service(name);
      sv.traces++;
      for (const peer of external?.get(name) ?? []) countTraces(sv.dependencies, 'peer', peer, 1);
      for (const callee of slow?.get(name) ?? []) countTraces(sv.slowCallees, 'service', callee, 1);
      this.example(sv.examples, t.traceId);
      if (this.candidates.length < MAX_FAST_CANDIDATES) {
        const e = entryOf(t, i);
        this.candidates.push({ service: name, entry: opKey(t, e), called: calleesOf(t, e) });
      }
    }
  }

  /** Keeps the smallest trace ids: the same examples whatever order traces come in. */
  private example(list: string[], id: string): void {
    if (list.includes(id)) return;
    if (list.length < this.cfg.examples) list.push(id);
    else if (this.cfg.examples > 0 && id < list[list.length - 1]!) list[list.length - 1] = id;
    else return;
    list.sort();
  }

  save(): unknown {
    return {
      traces: this.traces,
      failing: this.failing,
      ops: this.ops,
      svcs: this.svcs,
      usual: this.usual.state,
      candidates: this.candidates,
    };
  }

  absorb(state: unknown): void {
    const s = state as {
      traces: number;
      failing: number;
      ops: Map<string, ErrorOriginEntry>;
      svcs: Map<string, ServiceOrigins>;
      usual: UsualCallsState;
      candidates: Candidate[];
    };
    this.traces += s.traces;
    this.usual.absorb(s.usual);
    const room = MAX_FAST_CANDIDATES - this.candidates.length;
    this.candidates.push(...s.candidates.slice(0, Math.max(0, room)));
    this.failing += s.failing;
    for (const [k, e] of s.ops) {
      const o = this.ops.get(k);
      if (o === undefined) this.ops.set(k, e);
      else {
        o.origins += e.origins;
        o.propagated += e.propagated;
        for (const c of e.slowCallees) countSpans(o.slowCallees, c.service, c.spans);
      }
    }
    for (const [name, e] of s.svcs) {
      const sv = this.service(name);
      sv.traces += e.traces;
      sv.failing += e.failing;
      sv.origins += e.origins;
      sv.propagated += e.propagated;
      for (const d of e.dependencies) countTraces(sv.dependencies, 'peer', d.peer, d.traces);
      for (const c of e.slowCallees) countTraces(sv.slowCallees, 'service', c.service, c.traces);
      for (const id of e.examples) this.example(sv.examples, id);
    }
  }

  private service(name: string) {
    let sv = this.svcs.get(name);
    if (sv === undefined) {
      sv = {
        service: name,
        traces: 0,
        failing: 0,
        origins: 0,
        propagated: 0,
        failFast: 0,
        skippedBy: 0,
        skipped: [],
        dependencies: [],
        slowCallees: [],
        examples: [],
      };
      this.svcs.set(name, sv);
    }
    return sv;
  }

  /** Counts the fail-fast traces, now that every successful request has been seen. */
  private failFast(): void {
    const failing = (s: string) => (this.svcs.get(s)?.failing ?? 0) > 0;
    for (const c of this.candidates) {
      const skipped = this.usual.skipped(c.entry, c.called).filter(failing);
      if (skipped.length === 0) continue;
      const caller = this.service(c.service);
      caller.failFast++;
      for (const s of skipped) {
        this.service(s).skippedBy++;
        countTraces(caller.skipped, 'service', s, 1);
      }
    }
    for (const sv of this.svcs.values()) {
      sv.skipped.sort((a, b) => b.traces - a.traces || a.service.localeCompare(b.service));
      sv.dependencies.sort((a, b) => b.traces - a.traces || a.peer.localeCompare(b.peer));
      sv.slowCallees.sort((a, b) => b.traces - a.traces || a.service.localeCompare(b.service));
    }
    for (const o of this.ops.values()) {
      o.slowCallees.sort((a, b) => b.spans - a.spans || a.service.localeCompare(b.service));
    }
    this.candidates = [];
  }

  finish(): ErrorOriginResult {
    this.failFast();
    return {
      failingTraces: this.failing,
      traces: this.traces,
      operations: [...this.ops.values()].sort(
        (a, b) =>
          b.origins - a.origins ||
          b.propagated - a.propagated ||
          a.service.localeCompare(b.service) ||
          a.operation.localeCompare(b.operation),
      ),
      services: [...this.svcs.values()].sort(
        (a, b) =>
          b.traces - a.traces || b.origins - a.origins || a.service.localeCompare(b.service),
      ),
    };
  }
}

export const errorOriginAnalysis: TraceAnalysis<'errorOrigins', ErrorOriginConfig> = {
  key: 'errorOrigins',
  description: 'in failing traces, the deepest failed spans (where errors start) per service',
  baseline: true,
  defaults: { examples: 3 },
  validate: (c) => checkRange('examples', c.examples, 0, 100),
  create: (c) => new ErrorOriginRun(c),
};
