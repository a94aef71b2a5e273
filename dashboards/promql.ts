/**
 * Small PromQL composers, so that every panel query is built from the same few shapes and label
 * values are quoted one way. Values may hold Grafana variables (`$service`); they are passed
 * through untouched.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export const eq = (label: string, value: string): Matcher => ({ label, op: '=', value });
export const re = (label: string, value: string): Matcher => ({ label, op: '=~', value });
export const ne = (label: string, value: string): Matcher => ({ label, op: '!=', value });

/** A PromQL double-quoted string literal. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `metric{a="x", b=~"y"}` */
export function selector(metric: string, matchers: readonly Matcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => `${m.label}${m.op}${quote(m.value)}`).join(', ')}}`;
}

/** The window counters are rated over: Grafana's $__rate_interval (at least 4 scrape intervals). */
export const RATE_WINDOW = '$__rate_interval';

export function rate(sel: string, window: string = RATE_WINDOW): string {
  return `rate(${sel}[${window}])`;
}

export function sumBy(labels: readonly string[], expr: string): string {
  return labels.length === 0 ? `sum(${expr})` : `sum by (${labels.join(', ')}) (${expr})`;
}

/**
 * `part / whole` that is 0 rather than empty when `part` has no series: a service without errors
 * has no error series at all, and an error-ratio panel must then show 0, not "No data".
 */
export function ratioOrZero(part: string, whole: string): string {
  return `(${part} or ${whole} * 0) / ${whole}`;
}

/** p-quantile of a Prometheus histogram from its rated `_bucket` series, per `by` labels. */
export function histogramQuantile(q: number, bucketRates: string, by: readonly string[]): string {
  return `histogram_quantile(${q}, ${sumBy(['le', ...by], bucketRates)})`;
}

/**
 * Each group's ratio divided by its budget, joined with `or`: a burn rate, on which 1 is on budget
 * for every series whatever its own budget. The groups must select disjoint series (one group per
 * budget), so that `or` keeps every series once.
 */
export function overBudget(groups: readonly { ratio: string; budget: number }[]): string {
  return groups.map((g) => `(${g.ratio}) / ${g.budget}`).join(' or ');
}
