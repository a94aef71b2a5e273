/**
 * The `--json` shape of `obs analyze traces`. Stable: fields are only added; a breaking change
 * bumps `schema`. Documented field by field here and summarised in README.
 */
import type { AssemblyStats } from '../traces/assemble.js';
import type { ChangesResult } from '../traces/analyses/changes.js';
import type { CriticalPathShare, TracePath } from '../traces/analyses/critical-path.js';
import type { ErrorOriginResult } from '../traces/analyses/error-origin.js';
import type { OperationHealth, ServiceHealth } from '../traces/analyses/health.js';
import type { RootCause } from '../traces/analyses/root-causes.js';
import type { LogEvidenceResult } from '../traces/logs/evidence.js';
import type { ProblemKind } from '../traces/readers/problems.js';
import type { InputProblem } from '../traces/span.js';
import type { TraceIssues } from '../traces/trace.js';

export const REPORT_SCHEMA = 'obs.analyze.traces/v1';

export interface InputSource {
  /** File name as given, `-` for stdin, or the Jaeger URL. */
  source: string;
  /** `otlp`, `jaeger`, `zipkin`, or `jaeger-api` for a live query; null when no span was read. */
  format: string | null;
  /** `lines` (one JSON document per line), `document`, or `api`. */
  layout: string | null;
  gzip: boolean;
  bytes: number;
  lines: number;
  spans: number;
}

export interface InputSummary {
  sources: InputSource[];
  /** Spans analysed. */
  spans: number;
  traces: number;
  /** Traces seen only in part (late spans, size limit). */
  partialTraces: number;
  /** First span start and last span end (ISO 8601), null without spans. */
  window: { start: string; end: string } | null;
  /** Input that was dropped: lines (malformed JSON, unknown documents) and spans (invalid, absurd times). */
  skipped: {
    lines: number;
    spans: number;
    byKind: Partial<Record<ProblemKind, number>>;
    /** The first cases, with file and line. */
    samples: (InputProblem & { kind: ProblemKind })[];
  };
  /** Input that was kept after a repair. */
  repaired: TraceIssues & { negativeDurations: number };
  assembly: AssemblyStats;
}

export interface TraceReport {
  schema: typeof REPORT_SCHEMA;
  input: InputSummary;
  /** The same for `--baseline`, when given. */
  baseline?: InputSummary;
  /** Per service, by name. */
  services: ServiceHealth[];
  /** Per operation, busiest first (at most 200). */
  operations: OperationHealth[];
  errorOrigins: ErrorOriginResult;
  /** Where end-to-end latency goes (summed over traces), and the slowest traces' paths. */
  criticalPath: {
    traces: number;
    totalMs: number;
    services: CriticalPathShare[];
    operations: CriticalPathShare[];
    slowest: TracePath[];
  };
  /**
   * Against `--baseline`: changes with a score, highest first (at most 100 listed; `found`
   * counts them all). A score weighs effect by confidence, so changes below the corrected
   * significance (`z < criticalZ`) may be listed too, with small scores; `significant` counts
   * those at or above it.
   */
  changes?: ChangesResult & { found: number; significant: number };
  /** From `--logs`. */
  logs?: LogEvidenceResult;
  /** Services ranked most likely root cause first, each with a score (0..1) and reasons. */
  rootCauses: RootCause[];
  /** What the reader of the report should know about the input, in words. */
  warnings: string[];
}
