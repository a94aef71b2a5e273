/**
 * Durations as people write them on the command line and in obs.yaml: a number and a unit, `90s`,
 * `15m`, `2h`, `1d` (Prometheus' `ms`, `w` and `y` are not among them).
 */
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `15m` -> 900000 ms; undefined when `text` is not such a duration. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  return m === null ? undefined : Number(m[1]) * UNITS[m[2]!]!;
}
