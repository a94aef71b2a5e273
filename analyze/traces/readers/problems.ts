/**
 * Bad input that was skipped or repaired rather than thrown: counted per kind, with the first few
 * cases kept (file, line, what was wrong) so the report can say how much was skipped and where.
 */
import type { InputProblem } from '../span.js';

/** What happened to the input. Stable names: they appear in the `--json` report. */
export type ProblemKind =
  /** A line or document element that is not valid JSON. Skipped. */
  | 'malformedJson'
  /** Valid JSON that is no trace format we know (later values of a file whose first was known). */
  | 'unknownDocument'
  /** A span without trace id, span id or times. Skipped. */
  | 'invalidSpan'
  /** Times outside 2000..2100 or a duration over a day. Skipped. */
  | 'absurdTime'
  /** End before start. Kept with zero duration. */
  | 'negativeDuration'
  /** Lines cut at the reader's length limit, or holding bytes that are not UTF-8. */
  | 'badLine';

/** Kinds whose spans or lines were dropped (as against repaired and kept). */
export const SKIPPING_KINDS: readonly ProblemKind[] = [
  'malformedJson',
  'unknownDocument',
  'invalidSpan',
  'absurdTime',
];

export interface ProblemSummary {
  counts: Partial<Record<ProblemKind, number>>;
  /** The first cases, in input order. */
  samples: (InputProblem & { kind: ProblemKind })[];
}

export class Problems {
  readonly counts = new Map<ProblemKind, number>();
  readonly samples: (InputProblem & { kind: ProblemKind })[] = [];

  /** @param maxSamples cases kept with their location. Default 20. */
  constructor(private readonly maxSamples = 20) {}

  add(kind: ProblemKind, file: string, line: number, problem: string, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
    if (this.samples.length < this.maxSamples) this.samples.push({ kind, file, line, problem });
  }

  merge(other: ProblemSummary): void {
    for (const [k, n] of Object.entries(other.counts) as [ProblemKind, number][]) {
      this.counts.set(k, (this.counts.get(k) ?? 0) + n);
    }
    for (const s of other.samples) {
      if (this.samples.length >= this.maxSamples) break;
      this.samples.push(s);
    }
  }

  /**
   * Merges another thread's problems, keeping all of its first cases: threads finish in any
   * order, so the caller then keeps the first ones in input order with `keepFirst`.
   */
  mergeThread(other: ProblemSummary): void {
    for (const [k, n] of Object.entries(other.counts) as [ProblemKind, number][]) {
      this.counts.set(k, (this.counts.get(k) ?? 0) + n);
    }
    this.samples.push(...other.samples);
  }

  /**
   * Sorts the cases into input order and keeps the first ones. Each thread kept its own first
   * cases, so these are the first of the whole input, whichever thread found them.
   */
  keepFirst(order: (a: InputProblem, b: InputProblem) => number): void {
    this.samples.sort(order);
    this.samples.length = Math.min(this.samples.length, this.maxSamples);
  }

  count(kind: ProblemKind): number {
    return this.counts.get(kind) ?? 0;
  }

  summary(): ProblemSummary {
    return { counts: Object.fromEntries(this.counts), samples: [...this.samples] };
  }
}
