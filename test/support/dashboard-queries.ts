/**
 * Reads the PromQL out of generated dashboards and substitutes Grafana's variables, so tests can
 * run every panel's query against a real Prometheus (checkPanelQueries), or evaluate chosen ones
 * with promtool on synthetic series (promtoolQueryTest).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promTimeInterval } from '../../dashboards/provisioning.js';
import { SPAN_LABELS } from '../../model/conventions.js';
import type { SystemModel } from '../../model/schema.js';
import { finiteValues, instantQuery, rangeQuery } from './prometheus-api.js';
import { tools } from './tools.js';

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

/** Minutes of synthetic input a promtool query test has: each series grows for this long. */
export const SERIES_MINUTES = 40;

/** A promtool input series: a counter that grows by `perMinute` each minute. */
export interface InputSeries {
  series: string;
  values: string;
}

export function counterSeries(
  name: string,
  labels: Record<string, string>,
  perMinute: number,
): InputSeries {
  return {
    series: `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`,
    values: `0+${perMinute}x${SERIES_MINUTES}`,
  };
}

/** A query and the samples it must return: each a label set (`{service_name="x"}`) and value. */
export interface QueryExpectation {
  expr: string;
  samples: readonly (readonly [labels: string, value: number])[];
}

/**
 * Evaluates queries with the real promtool (`promtool test rules`, no rule files) on the input
 * series, 5 minutes before they end, so that a 5m rate window is full of them. Resolves to
 * promtool's exit code and its output, which says which query returned what on a failure.
 */
export async function promtoolQueryTest(
  input: readonly InputSeries[],
  queries: readonly QueryExpectation[],
): Promise<{ code: number; output: string }> {
  const evalTime = `${SERIES_MINUTES - 5}m`;
  const document = {
    rule_files: [],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: input,
        promql_expr_test: queries.map((q) => ({
          expr: q.expr,
          eval_time: evalTime,
          exp_samples: q.samples.map(([labels, value]) => ({ labels, value })),
        })),
      },
    ],
  };
  const dir = await mkdtemp(path.join(tmpdir(), 'obs-promtool-queries-'));
  try {
    await writeFile(path.join(dir, 'tests.yml'), JSON.stringify(document, null, 1));
    return await new Promise((resolve) => {
      execFile(tools.promtool(), ['test', 'rules', 'tests.yml'], { cwd: dir }, (err, out, errs) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, output: out + errs });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
