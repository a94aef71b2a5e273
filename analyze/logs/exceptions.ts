/**
 * Exceptions under a pattern's records (stack traces joined to them), counted by type: what
 * `obs analyze logs` lists per pattern and `obs analyze traces --logs` quotes in its evidence.
 */
import type { ExceptionCount } from './report-types.js';
import { withoutSecrets } from './secrets.js';
import { exceptionType } from './stack-traces.js';

export interface ExceptionTally {
  count: number;
  /** The first one seen, with its message. */
  example: string;
}

/** Exception type -> how many, and the first one seen. */
export type ExceptionTallies = Map<string, ExceptionTally>;

/**
 * Exception types kept per service and pattern: a logger that puts ids into a type field must not
 * grow a pattern without bound. Later new types are not counted; reports show the top 3.
 */
const MAX_EXCEPTION_TYPES = 32;

/** Exception types shown per pattern, at most. */
const TOP_EXCEPTIONS = 3;

/** Counts `exception` (a record's, see stack-traces.ts), or `n` of them, in `tallies`. */
export function countException(
  tallies: ExceptionTallies,
  exception: string,
  n = 1,
  example = exception,
): void {
  const type = exceptionType(exception);
  const t = tallies.get(type);
  if (t !== undefined) t.count += n;
  else if (tallies.size < MAX_EXCEPTION_TYPES) tallies.set(type, { count: n, example });
}

/** What a pattern's exceptions are ranked against: the same pattern's in the baseline. */
export interface ExceptionBaseline {
  /** The baseline's tallies of the pattern (its services, or its refs). */
  tallies: Iterable<ExceptionTallies | undefined>;
  /** Lines of the incident per line of the baseline (the service's), to scale its counts. */
  scale: number;
}

/** The tallies of several services or refs summed by type. */
function sumByType(tallies: Iterable<ExceptionTallies | undefined>): Map<string, ExceptionTally> {
  const all = new Map<string, ExceptionTally>();
  for (const byType of tallies) {
    for (const [type, e] of byType ?? []) {
      const t = all.get(type);
      if (t === undefined) all.set(type, { count: e.count, example: e.example });
      else t.count += e.count;
    }
  }
  return all;
}

/**
 * The exceptions of several tallies (a pattern's services, or the refs that make a pattern)
 * summed by type, most first (then by type), at most 3; reports quote the examples, so their
 * credentials are redacted.
 *
 * With `baseline` (the same pattern's exceptions there), types are ranked by how far they rose
 * above it: the count less the baseline's count scaled to the incident's lines, none below 0;
 * then by count. A type the pattern always raised, as often as before, does not hide one it
 * raises only now. The counts stay the incident's.
 */
export function topExceptions(
  tallies: Iterable<ExceptionTallies | undefined>,
  baseline?: ExceptionBaseline,
): ExceptionCount[] {
  const before = baseline === undefined ? undefined : sumByType(baseline.tallies);
  const scale = baseline?.scale ?? 1;
  const rise = (type: string, count: number): number =>
    before === undefined ? count : Math.max(0, count - (before.get(type)?.count ?? 0) * scale);
  return [...sumByType(tallies)]
    .map(([type, e]) => ({ type, e, rise: rise(type, e.count) }))
    .sort((x, y) => y.rise - x.rise || y.e.count - x.e.count || (x.type < y.type ? -1 : 1))
    .slice(0, TOP_EXCEPTIONS)
    .map(({ type, e }) => ({ type, count: e.count, example: withoutSecrets(e.example) }));
}
