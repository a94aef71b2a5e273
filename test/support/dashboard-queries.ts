/**
 * Reads the PromQL out of generated dashboards and substitutes Grafana's variables, so tests can
 * run every panel's query against a real Prometheus (checkPanelQueries).
 */
import { promTimeInterval } from '../../dashboards/provisioning.js';
import { SPAN_LABELS } from '../../model/conventions.js';
import type { SystemModel } from '../../model/schema.js';
import { finiteValues, instantQuery, rangeQuery } from './prometheus-api.js';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
}

interface PanelLike {
  type?: string;
  title?: string;
  panels?: PanelLike[];
  targets?: { refId?: string; expr?: string; instant?: boolean }[];
}

export function panelQueries(d: Record<string, unknown>): PanelQuery[] {
  const out: PanelQuery[] = [];
  const walk = (panels: PanelLike[]) => {
    for (const p of panels) {
      if (p.type === 'row') walk(p.panels ?? []);
      for (const t of p.targets ?? []) {
        out.push({
          dashboard: typeof d.title === 'string' ? d.title : '?',
          panel: p.title ?? '?',
          refId: t.refId ?? '?',
          expr: t.expr ?? '',
          instant: t.instant === true,
        });
      }
    }
  };
  walk((d.panels as PanelLike[] | undefined) ?? []);
  return out;
}

/** Values of the dashboard's own constant variables, by name. */
export function constants(d: Record<string, unknown>): Record<string, string> {
  const list =
    (d.templating as { list?: { type?: string; name?: string; query?: unknown }[] })?.list ?? [];
  return Object.fromEntries(
    list
      .filter((v) => v.type === 'constant' && typeof v.query === 'string')
      .map((v) => [v.name!, v.query as string]),
  );
}

/** Replaces $name and ${name} (longest names first). */
export function substitute(expr: string, vars: Record<string, string>): string {
  let out = expr;
  for (const name of Object.keys(vars).sort((a, b) => b.length - a.length)) {
    out = out
      .split('${' + name + '}')
      .join(vars[name])
      .split('$' + name)
      .join(vars[name]);
  }
  return out;
}

export interface CheckedQuery extends PanelQuery {
  /** The query with the dashboard's variables substituted, as Prometheus got it. */
  substituted: string;
  /** Series with at least one number. */
  series: number;
  /** Why the query fails the check: invalid, no data, or services missing. */
  problem?: string;
}

/**
 * Runs every panel query of the dashboards against Prometheus over [start, end] (seconds; instant
 * queries at `end`), with the variables as Grafana would set them: the dashboard's constants,
 * "All" services and operations, $__rate_interval (4 x the provisioned scrape interval) and
 * $__range. A query passes when it is valid PromQL and returns numbers; an overview panel grouped
 * by service must return numbers for every service of the model.
 */
export async function checkPanelQueries(
  prometheusUrl: string,
  model: SystemModel,
  dashboards: readonly { uid: string; json: Record<string, unknown> }[],
  window: { start: number; end: number; rangeStart: number },
): Promise<CheckedQuery[]> {
  const rateInterval = `${4 * Number.parseInt(promTimeInterval(model), 10)}s`;
  const allServices = model.services.map((s) => s.name);
  const checked: CheckedQuery[] = [];
  for (const d of dashboards) {
    const vars: Record<string, string> = {
      ...constants(d.json),
      // "All": Grafana joins the values as a regex alternation; operation's allValue is .*
      service: constants(d.json).service ?? `(${allServices.join('|')})`,
      operation: '.*',
      __rate_interval: rateInterval,
      __range: `${window.end - Math.floor(window.rangeStart)}s`,
    };
    for (const q of panelQueries(d.json)) {
      const expr = substitute(q.expr, vars);
      const answer = q.instant
        ? await instantQuery(prometheusUrl, expr, window.end)
        : await rangeQuery(prometheusUrl, expr, window.start, window.end, 5);
      const withData = answer.series.filter((s) => finiteValues(s).length > 0);
      let problem: string | undefined;
      if (answer.http !== 200 || answer.status !== 'success') {
        problem = `invalid (HTTP ${answer.http}): ${answer.error ?? '?'}`;
      } else if (withData.length === 0) {
        problem = 'no data';
      } else if (/by \((le, )?service_name\)/.test(expr) && d.uid.endsWith('-overview')) {
        // Per-service panels of the overview must show every service of the model.
        const seen = new Set(withData.map((s) => s.metric[SPAN_LABELS.service]));
        const missing = allServices.filter((s) => !seen.has(s));
        if (missing.length > 0) problem = `no data for ${missing.join(', ')}`;
      }
      checked.push({
        ...q,
        substituted: expr,
        series: withData.length,
        ...(problem ? { problem } : {}),
      });
    }
  }
  return checked;
}

/** One line per query: ok or FAIL with the problem and the query. */
export function queryReport(checked: readonly CheckedQuery[]): string {
  return checked
    .map(
      (c) =>
        `${c.problem ? 'FAIL' : 'ok  '} ${c.dashboard} / ${c.panel} [${c.refId}] series=${c.series}${c.problem ? `: ${c.problem}\n       ${c.substituted}` : ''}`,
    )
    .join('\n');
}

/** The queries that failed the check, one line each: what an assertion compares with []. */
export function queryProblems(checked: readonly CheckedQuery[]): string[] {
  return checked
    .filter((c) => c.problem)
    .map((c) => `${c.dashboard} / ${c.panel} [${c.refId}]: ${c.problem}`);
}
