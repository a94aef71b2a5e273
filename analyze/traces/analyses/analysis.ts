/**
 * The shape every trace analysis has (as the Collector's component factories and obs's
 * generators): a name, a typed config with documented defaults, `validate()` with messages that
 * name the analysis, and a run. Traces stream past once, so a run has two parts: `add(trace)`
 * for each assembled trace, then `finish(context)`, which sees the results of the analyses
 * before it in the ordered list (analyses/index.ts) and, for a comparison, the baseline's.
 */
import type { Trace } from '../trace.js';
import type { TraceResults } from './results.js';
import type { LogEvidenceInput } from '../logs/evidence.js';

export interface AnalysisContext {
  /** Results of the analyses earlier in the list, over the input under study. */
  results: Partial<TraceResults>;
  /** The same over `--baseline`, when given (only analyses with `baseline: true` ran on it). */
  baseline: Partial<TraceResults> | undefined;
  /** Log records from `--logs` / `--baseline-logs`, when given. */
  logs: LogEvidenceInput | undefined;
}

/** What an analysis may need before traces arrive. */
export interface AnalysisEnv {
  /** Log records from `--logs` / `--baseline-logs`, when given. */
  logs: LogEvidenceInput | undefined;
  /** Which input the run reads; the one under study when not said. */
  input?: 'incident' | 'baseline';
}

export interface AnalysisRun<R> {
  /** Called once per assembled trace, in input order. */
  add?(trace: Trace): void;
  /** Called once after the last trace; undefined when the analysis has nothing to say. */
  finish(ctx: AnalysisContext): R | undefined;
  /**
   * Runs that can work in shards (traces split by id over worker threads): the state after
   * `add`, as plain data that survives the trip between threads.
   */
  save?(): unknown;
  /** Folds in what `save()` returned in another shard's run of the same analysis. */
  absorb?(state: unknown): void;
}

export type ResultKey = keyof TraceResults;

export interface TraceAnalysis<K extends ResultKey, Config extends object> {
  /** Where the result goes in `TraceResults`; also the analysis' name in messages. */
  readonly key: K;
  readonly description: string;
  /** Runs over the baseline input too, for analyses later in the list to compare. */
  readonly baseline: boolean;
  /** Defaults, documented on the Config type's fields. */
  readonly defaults: Config;
  /** Problems with a config, as plain sentences; empty when fine. */
  validate(config: Config): string[];
  create(config: Config, env: AnalysisEnv): AnalysisRun<TraceResults[K]>;
}

/** Problems when `value` is not a number within [min, max]. */
export function checkRange(name: string, value: number, min: number, max: number): string[] {
  return Number.isFinite(value) && value >= min && value <= max
    ? []
    : [`${name} must be between ${min} and ${max}, got ${value}`];
}
