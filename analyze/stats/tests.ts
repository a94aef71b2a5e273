/**
 * The significance tests behind every "what changed" finding. Counts are compared as two
 * binomial samples (baseline and incident), so a small baseline weighs less than a large one.
 */

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf; error < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation; rel. error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * z of the one-sided test "the incident proportion is higher than the baseline one", pooled
 * two-proportion test with a continuity correction. Positive when the incident is higher.
 */
export function proportionIncreaseZ(kb: number, nb: number, ki: number, ni: number): number {
  if (nb === 0 || ni === 0) return 0;
  const pooled = (kb + ki) / (nb + ni);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nb + 1 / ni));
  const diff = ki / ni - kb / nb;
  const cc = 0.5 * (1 / nb + 1 / ni);
  if (se === 0) return 0;
  return (Math.abs(diff) - cc <= 0 ? 0 : (Math.abs(diff) - cc) / se) * Math.sign(diff);
}

/**
 * The z a finding must reach when `tests` findings are tried at once: Bonferroni at a
 * family-wise error of `alpha`.
 */
export function criticalZ(tests: number, alpha = 0.05): number {
  return normalQuantile(1 - alpha / Math.max(1, tests));
}

/** How sure a finding is, 0..1: 0.5 at the critical z, near 1 two units above it. */
export function confidence(z: number, zCrit: number): number {
  return normalCdf(z - zCrit);
}

/**
 * Mann-Whitney rank test for "incident samples exceed baseline samples by more than `delta`"
 * (the baseline shifted by `delta`, so that a shift too small to matter is no finding), on two
 * sets of [value, count] pairs sorted by value. `effect` is Cliff's delta of the comparison,
 * 2 P(incident > baseline + delta) - 1, floored at 0: 1 when every incident sample is slower
 * than every baseline one by more than `delta`. `z` is the normal approximation of U.
 */
export function shiftedRankTest(
  base: readonly (readonly [number, number])[],
  inc: readonly (readonly [number, number])[],
  delta: number,
): { effect: number; z: number } {
  let nb = 0;
  let ni = 0;
  for (const [, c] of base) nb += c;
  for (const [, c] of inc) ni += c;
  if (nb === 0 || ni === 0) return { effect: 0, z: 0 };
  // U: pairs with incident > baseline + delta, ties counted half; one merge pass.
  let u = 0;
  let below = 0;
  let k = 0;
  for (const [v, c] of inc) {
    while (k < base.length && base[k]![0] + delta < v) below += base[k++]![1];
    let tied = 0;
    for (let t = k; t < base.length && base[t]![0] + delta === v; t++) tied += base[t]![1];
    u += c * (below + tied / 2);
  }
  const pairs = nb * ni;
  const sd = Math.sqrt((pairs * (nb + ni + 1)) / 12);
  return {
    effect: Math.max(0, (2 * u) / pairs - 1),
    z: sd > 0 ? (u - pairs / 2) / sd : 0,
  };
}
