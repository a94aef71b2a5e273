/**
 * Per-service and per-operation health (RED: rate, errors, duration) with latency percentiles,
 * self time, the share of end-to-end latency on the critical path, and where errors start.
 */
import { Histogram } from '../../stats/histogram.js';
import type { AnalysisContext, TraceAnalysis } from './analysis.js';
import { checkRange } from './analysis.js';

export interface HealthConfig {
  /** Operations listed, busiest first. Default 200. */
  maxOperations: number;
}

export interface ServiceHealth {
  service: string;
  /** Requests into the service: root spans and spans whose parent is another service. */
  requests: number;
  /** Failed requests. */
  errors: number;
  errorRatio: number;
  /** Request latency percentiles, ms. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Spans of the service, all operations. */
  spans: number;
  /** Own work (self time of non-client spans), ms in total. */
  selfMs: number;
  /** Share of the end-to-end latency of all traces spent on this service's critical path. */
  criticalPathShare: number;
  /** Failed spans where an error started. */
  errorOrigins: number;
}

export interface OperationHealth {
  service: string;
  operation: string;
  count: number;
  errors: number;
  errorRatio: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  selfP50Ms: number;
  selfP95Ms: number;
  selfMeanMs: number;
  criticalPathShare: number;
  errorOrigins: number;
}

export interface HealthResult {
  services: ServiceHealth[];
  operations: OperationHealth[];
}

const round = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0);

export function health(cfg: HealthConfig, ctx: AnalysisContext): HealthResult | undefined {
  const p = ctx.results.profile;
  if (p === undefined) return undefined;
  const cp = ctx.results.criticalPath;
  const eo = ctx.results.errorOrigins;
  const cpSvc = new Map(cp?.services.map((s) => [s.service, s.share]));
  const cpOp = new Map(cp?.operations.map((o) => [`${o.service}\u0001${o.operation}`, o.share]));
  const eoOp = new Map(eo?.operations.map((o) => [`${o.service}\u0001${o.operation}`, o.origins]));
  const svc = new Map<
    string,
    {
      requests: number;
      errors: number;
      spans: number;
      selfMs: number;
      lat: Histogram;
      origins: number;
    }
  >();
  const operations: OperationHealth[] = [];
  for (const [key, o] of p.ops) {
    let s = svc.get(o.service);
    if (s === undefined) {
      s = { requests: 0, errors: 0, spans: 0, selfMs: 0, lat: new Histogram(), origins: 0 };
      svc.set(o.service, s);
    }
    s.spans += o.count;
    s.selfMs += o.work.sum + o.failedChildWorkMs;
    s.requests += o.entries;
    s.lat.merge(o.entryDuration);
    // A service's failed requests: its failed entry spans, not its failed calls to others (a
    // server and a client span may share a name, `GET`, and so an operation).
    s.errors += o.entryErrors;
    const origins = eoOp.get(key) ?? 0;
    s.origins += origins;
    operations.push({
      service: o.service,
      operation: o.name,
      count: o.count,
      errors: o.errors,
      errorRatio: round(o.errors / o.count),
      p50Ms: round(o.duration.quantile(0.5)),
      p95Ms: round(o.duration.quantile(0.95)),
      p99Ms: round(o.duration.quantile(0.99)),
      selfP50Ms: round(o.self.quantile(0.5)),
      selfP95Ms: round(o.self.quantile(0.95)),
      selfMeanMs: round(o.self.mean),
      criticalPathShare: round(cpOp.get(key) ?? 0),
      errorOrigins: origins,
    });
  }
  // Service last: the same operation name in two services must not tie (shards merge in any order).
  operations.sort(
    (a, b) =>
      b.count - a.count ||
      a.operation.localeCompare(b.operation) ||
      a.service.localeCompare(b.service),
  );
  const services: ServiceHealth[] = [...svc].map(([service, s]) => ({
    service,
    requests: s.requests,
    errors: s.errors,
    errorRatio: round(s.requests > 0 ? s.errors / s.requests : 0),
    p50Ms: round(s.lat.quantile(0.5)),
    p95Ms: round(s.lat.quantile(0.95)),
    p99Ms: round(s.lat.quantile(0.99)),
    spans: s.spans,
    selfMs: round(s.selfMs),
    criticalPathShare: round(cpSvc.get(service) ?? 0),
    errorOrigins: s.origins,
  }));
  services.sort((a, b) => a.service.localeCompare(b.service));
  return { services, operations: operations.slice(0, cfg.maxOperations) };
}

export const healthAnalysis: TraceAnalysis<'health', HealthConfig> = {
  key: 'health',
  description: 'per service and operation: requests, errors, latency percentiles, self time',
  baseline: true,
  defaults: { maxOperations: 200 },
  validate: (c) => checkRange('maxOperations', c.maxOperations, 1, 1_000_000),
  create: (c) => ({ finish: (ctx) => health(c, ctx) }),
};
