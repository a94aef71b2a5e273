/**
 * Log evidence for the root-cause ranking: per service, error lines that became more frequent
 * than in the baseline logs, and error lines of templates the service never logged before. Log
 * records without a service are given the service of the span they name, found in the traces;
 * error lines are tied to the traces they belong to by trace id.
 */
import { confidence, criticalZ, proportionIncreaseZ } from '../../stats/tests.js';
import type { AnalysisRun, TraceAnalysis } from '../analyses/analysis.js';
import { checkRange } from '../analyses/analysis.js';
import type { Trace } from '../trace.js';
import type { LogEvidenceInput, LogSide, ServiceLogs } from './read.js';
import { UNKNOWN_SERVICE, tally } from './read.js';

export type { LogEvidenceInput } from './read.js';

export interface LogEvidenceConfig {
  /** Family-wise false-alarm rate over the services' tests. Default 0.05. */
  alpha: number;
  /** Fewest error lines of a new template to count. Default 2. */
  minCount: number;
}

export interface NewLogPattern {
  template: string;
  lines: number;
  errors: number;
  traceIds: string[];
}

export interface ServiceLogEvidence {
  service: string;
  lines: number;
  errorLines: number;
  baselineLines: number | null;
  baselineErrorLines: number | null;
  /** Error templates the baseline logs of this service never had, most lines first. */
  newErrorPatterns: NewLogPattern[];
  /** Traces with error lines of this service, and how many of them are in the trace input. */
  errorTraces: number;
  errorTracesSeen: number;
}

export interface LogFinding {
  service: string;
  kind: 'logErrors' | 'newLogErrors';
  score: number;
  text: string;
}

export interface LogEvidenceResult {
  files: string[];
  baselineFiles: string[] | null;
  lines: number;
  baselineLines: number | null;
  /** Records that could not be given a service. */
  unknownService: number;
  malformedLines: number;
  services: ServiceLogEvidence[];
  evidence: LogFinding[];
}

const pct = (k: number, n: number): string =>
  n === 0 ? '-' : `${((100 * k) / n).toPrecision(2)}%`;

/** Per template id: lines, errors, traces; merging references the miner settled into one. */
function byTemplate(input: LogEvidenceInput, s: ServiceLogs | undefined) {
  const out = new Map<
    string,
    { template: string; lines: number; errors: number; traceIds: string[] }
  >();
  if (s === undefined) return out;
  for (const [ref, t] of s.templates) {
    const { id, template } = input.templateOf(ref);
    const e = out.get(id) ?? { template, lines: 0, errors: 0, traceIds: [] };
    e.lines += t.lines;
    e.errors += t.errors;
    for (const tid of t.traceIds)
      if (e.traceIds.length < 3 && !e.traceIds.includes(tid)) e.traceIds.push(tid);
    out.set(id, e);
  }
  return out;
}

class LogEvidenceRun implements AnalysisRun<LogEvidenceResult> {
  /** Span id -> indexes of the incident's records waiting for that span's service. */
  private readonly pending = new Set<string>();
  private readonly spanService = new Map<string, string>();
  /** Service -> trace ids of its error lines (a few per template). */
  private readonly errorTraceIds = new Map<string, Set<string>>();
  private readonly seenTraces = new Set<string>();

  constructor(
    private readonly cfg: LogEvidenceConfig,
    private readonly input: LogEvidenceInput | undefined,
  ) {
    if (input === undefined) return;
    for (const p of input.incident.pending) this.pending.add(p.spanId);
  }

  add(t: Trace): void {
    if (this.input === undefined) return;
    this.seenTraces.add(t.traceId);
    if (this.pending.size === 0) return;
    for (const s of t.spans)
      if (this.pending.has(s.spanId)) this.spanService.set(s.spanId, s.service);
  }

  finish(): LogEvidenceResult | undefined {
    const input = this.input;
    if (input === undefined) return undefined;
    const inc = input.incident;
    for (const p of inc.pending) {
      tally(inc, this.spanService.get(p.spanId) ?? UNKNOWN_SERVICE, p.ref, p.error, p.traceId);
    }
    inc.pending = [];
    for (const [svc, s] of inc.services) {
      for (const t of s.templates.values()) {
        if (t.errors === 0) continue;
        const set = this.errorTraceIds.get(svc) ?? new Set<string>();
        for (const id of t.traceIds) set.add(id);
        this.errorTraceIds.set(svc, set);
      }
    }
    return this.evaluate(input, inc, input.baseline);
  }

  private evaluate(
    input: LogEvidenceInput,
    inc: LogSide,
    base: LogSide | undefined,
  ): LogEvidenceResult {
    const services: ServiceLogEvidence[] = [];
    const evidence: LogFinding[] = [];
    const zc = criticalZ(2 * Math.max(1, inc.services.size), this.cfg.alpha);
    for (const [service, s] of inc.services) {
      if (service === UNKNOWN_SERVICE) continue;
      const b = base?.services.get(service);
      const nb = b?.lines ?? 0;
      const kb = b?.errors ?? 0;
      const templates = byTemplate(input, s);
      const baseTemplates = byTemplate(input, b);
      const fresh = [...templates]
        .filter(([id, t]) => t.errors >= this.cfg.minCount && !baseTemplates.has(id))
        .map(([, t]) => t)
        .sort((x, y) => y.errors - x.errors);
      const newErrors = fresh.reduce((a, t) => a + t.errors, 0);
      const traces = this.errorTraceIds.get(service) ?? new Set<string>();
      const seen = [...traces].filter((id) => this.seenTraces.has(id)).length;
      services.push({
        service,
        lines: s.lines,
        errorLines: s.errors,
        baselineLines: b === undefined ? (base === undefined ? null : 0) : nb,
        baselineErrorLines: b === undefined ? (base === undefined ? null : 0) : kb,
        newErrorPatterns: fresh.slice(0, 10).map((t) => ({
          template: t.template,
          lines: t.lines,
          errors: t.errors,
          traceIds: t.traceIds,
        })),
        errorTraces: traces.size,
        errorTracesSeen: seen,
      });
      const tied =
        traces.size > 0
          ? `; in ${traces.size} traces${this.seenTraces.size > 0 ? ` (${seen} of them in the trace input)` : ''}`
          : '';
      if (s.errors > 0) {
        // Against the baseline's error share (a service missing there counts as one clean line);
        // without baseline logs, a few error lines are needed before they count fully.
        const share = s.errors / s.lines;
        const pb = nb === 0 ? 0 : kb / nb;
        const effect = pb >= 1 ? 0 : Math.max(0, (share - pb) / (1 - pb));
        const conf =
          base === undefined
            ? Math.min(1, s.errors / this.cfg.minCount)
            : confidence(proportionIncreaseZ(kb, Math.max(nb, 1), s.errors, s.lines), zc);
        evidence.push({
          service,
          kind: 'logErrors',
          score: effect * conf,
          text: `${pct(s.errors, s.lines)} of its log lines are errors (${s.errors} of ${s.lines}${base !== undefined ? (nb === 0 ? '; no baseline lines' : `; baseline ${pct(kb, nb)}`) : ''})${tied}`,
        });
      }
      if (base !== undefined && newErrors > 0) {
        const conf = confidence(proportionIncreaseZ(0, Math.max(nb, 1), newErrors, s.lines), zc);
        const top = fresh[0]!;
        evidence.push({
          service,
          kind: 'newLogErrors',
          score: (newErrors / s.lines) * conf,
          text: `${newErrors} error lines of ${fresh.length} pattern${fresh.length === 1 ? '' : 's'} never logged in the baseline, e.g. "${top.template.slice(0, 120)}"${top.traceIds.length > 0 ? ` (trace ${top.traceIds[0]})` : ''}`,
        });
      }
    }
    services.sort((a, b) => b.errorLines - a.errorLines || a.service.localeCompare(b.service));
    return {
      files: inc.files,
      baselineFiles: base?.files ?? null,
      lines: inc.lines,
      baselineLines: base?.lines ?? null,
      unknownService: inc.services.get(UNKNOWN_SERVICE)?.lines ?? 0,
      malformedLines:
        inc.problems.count('malformedJson') + (base?.problems.count('malformedJson') ?? 0),
      services,
      evidence: evidence.filter((e) => e.score > 0.001).sort((a, b) => b.score - a.score),
    };
  }
}

export const logEvidenceAnalysis: TraceAnalysis<'logEvidence', LogEvidenceConfig> = {
  key: 'logEvidence',
  description:
    'error lines and new error patterns per service in --logs, tied to traces by trace id',
  baseline: false,
  defaults: { alpha: 0.05, minCount: 2 },
  validate: (c) => [
    ...checkRange('alpha', c.alpha, 1e-9, 0.5),
    ...checkRange('minCount', c.minCount, 1, 1e9),
  ],
  // Without logs there is nothing to tie to spans: no per-trace work at all.
  create: (c, env) =>
    env.logs === undefined ? { finish: () => undefined } : new LogEvidenceRun(c, env.logs),
};
