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

/**
 * The exceptions of several tallies (a pattern's services, or the refs that make a pattern)
 * summed by type, most first (then by type), at most 3; reports quote the examples, so their
 * credentials are redacted.
 */
export function topExceptions(tallies: Iterable<ExceptionTallies | undefined>): ExceptionCount[] {
  const all = new Map<string, ExceptionCount>();
  for (const byType of tallies) {
    for (const [type, e] of byType ?? []) {
      const t = all.get(type);
      if (t === undefined)
        all.set(type, { type, count: e.count, example: withoutSecrets(e.example) });
      else t.count += e.count;
    }
  }
  return [...all.values()]
    .sort((x, y) => y.count - x.count || (x.type < y.type ? -1 : 1))
    .slice(0, TOP_EXCEPTIONS);
}
