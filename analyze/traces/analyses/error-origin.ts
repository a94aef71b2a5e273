/**
 * Error origin: in every failing trace, the spans where an error starts (failed spans none of
 * whose children failed), as against the spans that only pass a downstream error up. A service
 * that is mostly an origin is where to look; one that mostly propagates is a victim.
 *
 * A failed in-process leaf that starts after a failed sibling ended is that sibling's error being
 * reported, not a new one: OpenTelemetry's ASGI instrumentation, for one, marks its `http send`
 * span (writing the 502 the caller got from downstream) failed, and counting it as an origin
 * would blame the gateway for every error it passes up.
 */
import type { Trace } from '../trace.js';
import type { TraceAnalysis } from './analysis.js';
import { checkRange } from './analysis.js';

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
}

export interface ErrorOriginResult {
  /** Traces with at least one failed span. */
  failingTraces: number;
  /** Traces considered. */
  traces: number;
  /** Per operation, most origins first. */
  operations: ErrorOriginEntry[];
  /** Per service: traces in which the service is an origin, and example trace ids. */
  services: {
    service: string;
    traces: number;
    origins: number;
    propagated: number;
    examples: string[];
  }[];
}

/** Whether failed leaf `i` is in-process work that follows a failed sibling (see above). */
function reportsSibling(t: Trace, i: number): boolean {
  const s = t.spans[i]!;
  if (s.kind !== 'internal' && s.kind !== 'unspecified') return false;
  const p = t.parent[i]!;
  if (p < 0 || t.spans[p]!.service !== s.service) return false;
  return t.children[p]!.some((c) => c !== i && t.spans[c]!.error && t.spans[c]!.end <= s.start);
}

class ErrorOriginRun {
  private traces = 0;
  private failing = 0;
  private readonly ops = new Map<string, ErrorOriginEntry>();
  private readonly svcs = new Map<
    string,
    { service: string; traces: number; origins: number; propagated: number; examples: string[] }
  >();

  constructor(private readonly cfg: ErrorOriginConfig) {}

  add(t: Trace): void {
    this.traces++;
    const { spans, children } = t;
    let any = false;
    const originServices = new Set<string>();
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      if (!s.error) continue;
      any = true;
      const origin = !children[i]!.some((c) => spans[c]!.error) && !reportsSibling(t, i);
      const key = `${s.service}\u0001${s.name}`;
      let e = this.ops.get(key);
      if (e === undefined) {
        e = { service: s.service, operation: s.name, origins: 0, propagated: 0 };
        this.ops.set(key, e);
      }
      const sv = this.service(s.service);
      if (origin) {
        e.origins++;
        sv.origins++;
        originServices.add(s.service);
      } else {
        e.propagated++;
        sv.propagated++;
      }
    }
    if (!any) return;
    this.failing++;
    for (const name of originServices) {
      const sv = this.service(name);
      sv.traces++;
      this.example(sv.examples, t.traceId);
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
    return { traces: this.traces, failing: this.failing, ops: this.ops, svcs: this.svcs };
  }

  absorb(state: unknown): void {
    const s = state as {
      traces: number;
      failing: number;
      ops: Map<string, ErrorOriginEntry>;
      svcs: Map<
        string,
        { service: string; traces: number; origins: number; propagated: number; examples: string[] }
      >;
    };
    this.traces += s.traces;
    this.failing += s.failing;
    for (const [k, e] of s.ops) {
      const o = this.ops.get(k);
      if (o === undefined) this.ops.set(k, e);
      else {
        o.origins += e.origins;
        o.propagated += e.propagated;
      }
    }
    for (const [name, e] of s.svcs) {
      const sv = this.service(name);
      sv.traces += e.traces;
      sv.origins += e.origins;
      sv.propagated += e.propagated;
      for (const id of e.examples) this.example(sv.examples, id);
    }
  }

  private service(name: string) {
    let sv = this.svcs.get(name);
    if (sv === undefined) {
      sv = { service: name, traces: 0, origins: 0, propagated: 0, examples: [] };
      this.svcs.set(name, sv);
    }
    return sv;
  }

  finish(): ErrorOriginResult {
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
