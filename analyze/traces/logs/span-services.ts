/**
 * The services of the baseline's spans that `--baseline-logs` records name only by span id (no
 * service field): read while the baseline's traces go past, as the incident's own records are
 * resolved by the log evidence. Without it those records counted as `unknown`, and every pattern
 * of their service looked new against the baseline.
 */
import type { AnalysisRun, TraceAnalysis } from '../analyses/analysis.js';
import { sharedClientOf } from '../trace.js';
import type { Trace } from '../trace.js';

/** Span id -> service, for the span ids the baseline's log records wait for. */
export type LogSpanServices = Map<string, string>;

/**
 * Gives a span id a client and a server share (B3, split in trace.ts) the server's service: a
 * record naming only the id is the server's, which logs under it while it handles the call (the
 * client's own lines come before and after, under its parent span). Only for traces with
 * `sharedIds`; the evidence's own map of the incident's records uses it too.
 */
export function serversOfSharedIds(
  t: Trace,
  wanted: ReadonlySet<string>,
  found: Map<string, string>,
): void {
  for (let i = 0; i < t.spans.length; i++) {
    const c = sharedClientOf(t, i);
    if (c >= 0 && wanted.has(t.spans[c]!.spanId))
      found.set(t.spans[c]!.spanId, t.spans[i]!.service);
  }
}

class LogSpanServicesRun implements AnalysisRun<LogSpanServices> {
  private readonly found: LogSpanServices = new Map();

  constructor(private readonly wanted: ReadonlySet<string>) {}

  add(t: Trace): void {
    for (const s of t.spans) if (this.wanted.has(s.spanId)) this.found.set(s.spanId, s.service);
    if (t.sharedIds > 0) serversOfSharedIds(t, this.wanted, this.found);
  }

  finish(): LogSpanServices {
    return this.found;
  }

  save(): [string, string][] {
    return [...this.found];
  }

  absorb(state: unknown): void {
    for (const [id, service] of state as [string, string][]) this.found.set(id, service);
  }
}

export const logSpanServicesAnalysis: TraceAnalysis<'logSpanServices', object> = {
  key: 'logSpanServices',
  description: 'services of the baseline spans that --baseline-logs records name by span id only',
  baseline: true,
  defaults: {},
  validate: () => [],
  // Only over the baseline, and only when some of its log records wait for a span.
  create: (_c, env) => {
    const pending = env.input === 'baseline' ? env.logs?.baseline?.pending : undefined;
    if (pending === undefined || pending.length === 0) return { finish: () => undefined };
    return new LogSpanServicesRun(new Set(pending.map((p) => p.spanId)));
  },
};
