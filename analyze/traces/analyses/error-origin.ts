/**
 * Error origin: in every failing trace, the spans where an error starts (failed spans none of
 * whose children failed), as against the spans that only pass a downstream error up. A service
 * that is mostly an origin is where to look; one that mostly propagates is a victim.
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
      const origin = !children[i]!.some((c) => spans[c]!.error);
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
      if (sv.examples.length < this.cfg.examples) sv.examples.push(t.traceId);
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
        (a, b) => b.origins - a.origins || b.propagated - a.propagated,
      ),
      services: [...this.svcs.values()].sort(
        (a, b) => b.traces - a.traces || b.origins - a.origins,
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
