/**
 * New and spiking patterns against a baseline.
 *
 * A pattern is *new* when the baseline never shows it. It is *spiking* when its rate rose
 * significantly: counts `a` (incident) and `b` (baseline) over exposures `ea` and `eb` (the
 * analysis uses record counts: all records, or a service's) are compared with the conditional binomial
 * test for two Poisson rates (given n = a + b, a ~ Binomial(n, ea / (ea + eb)) if the rates are
 * equal). The one-sided p-value is Bonferroni-corrected for the number of patterns tested, and the
 * rate must also have at least doubled, so a tiny but "significant" rise on huge volumes is not
 * reported.
 */

export interface RateTest {
  /** Incident rate over baseline rate (Infinity when the baseline count is 0). */
  ratio: number;
  /** One-sided p-value of "the incident rate is not higher". */
  pValue: number;
}

export interface SpikeConfig {
  /** Family-wise significance level before the Bonferroni correction. Default 0.01. */
  alpha?: number;
  /** Smallest rate ratio reported as spiking. Default 2. */
  minRatio?: number;
  /** Smallest incident count for new or spiking patterns. Default 3. */
  minCount?: number;
}

export const SPIKE_DEFAULTS: Required<SpikeConfig> = { alpha: 0.01, minRatio: 2, minCount: 3 };

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xx = x - 1;
  let a = c[0]!;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X >= k) for X ~ Binomial(n, p), summed in log space (exact; n up to a few million). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const lnN = logGamma(n + 1);
  let sum = 0;
  // Terms fall off quickly past the mode; stop once they no longer matter.
  for (let i = k; i <= n; i++) {
    const term = Math.exp(lnN - logGamma(i + 1) - logGamma(n - i + 1) + i * lp + (n - i) * lq);
    sum += term;
    if (i > n * p && term < sum * 1e-12) break;
  }
  return Math.min(1, sum);
}

/** Compares counts `a` over exposure `ea` with `b` over `eb`; see the module comment. */
export function compareRates(a: number, ea: number, b: number, eb: number): RateTest {
  const ratio = b === 0 ? (a === 0 ? 1 : Infinity) : a / ea / (b / eb);
  return { ratio, pValue: binomialUpperTail(a, a + b, ea / (ea + eb)) };
}

export type Change = 'new' | 'spiking';

/** Classifies one pattern, or undefined when it is neither new nor spiking. */
export function classify(
  a: number,
  ea: number,
  b: number,
  eb: number,
  tests: number,
  cfg: Required<SpikeConfig>,
): { change: Change; test: RateTest } | undefined {
  if (a < cfg.minCount) return undefined;
  const test = compareRates(a, ea, b, eb);
  if (b === 0) return { change: 'new', test };
  if (test.ratio >= cfg.minRatio && test.pValue < cfg.alpha / Math.max(1, tests)) {
    return { change: 'spiking', test };
  }
  return undefined;
}
