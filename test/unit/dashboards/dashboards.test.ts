import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildDashboards } from '../../../dashboards/build.js';
import {
  dashboardsGenerator,
  grafanaProvisioningGenerator,
} from '../../../dashboards/generator.js';
import { toGrafanaComFormat } from '../../../dashboards/export.js';
import { MAX_UID, stableUid } from '../../../dashboards/identity.js';
import { spanKindWord, workOf } from '../../../dashboards/service.js';
import type { DashboardJson } from '../../../dashboards/grafana.js';
import {
  COLLECTOR_METRICS,
  METRICS,
  RUNTIME_METRICS,
  SPAN_DIMENSIONS,
  SPAN_KIND_CLIENT,
  SPAN_KIND_CONSUMER,
  SPAN_KIND_PRODUCER,
  SPAN_KIND_SERVER,
  stackPaths,
  workSpanKind,
} from '../../../model/conventions.js';
import { runGenerator } from '../../../model/generator.js';
import { parseModel } from '../../../model/load.js';
import type { ServiceModel, SystemModel } from '../../../model/schema.js';
import { panelQueries } from '../../support/dashboard-queries.js';

const FIXTURE = 'test/fixtures/models/shop.obs.yaml';
const shop = (): SystemModel => parseModel(readFileSync(FIXTURE, 'utf8'), FIXTURE);
/**
 * The shop with one SLO for all (its order-service sets none of its own): the overview's levels
 * are then that SLO's, and its error ratios and latencies are coloured by them.
 */
const shared = (): SystemModel => {
  const m = shop();
  m.services = m.services.map(({ slo: _own, ...x }) => x);
  return m;
};

interface Panel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: { refId?: string; expr?: string; datasource?: { uid?: string } }[];
  fieldConfig?: { defaults?: { unit?: string } };
  panels?: Panel[];
}

/** A service of the shop turned into a Celery worker or `celery beat` scheduler (no HTTP). */
const celery = (
  s: ServiceModel,
  role: 'worker' | 'beat',
  more: Partial<ServiceModel> = {},
): ServiceModel => ({
  ...s,
  servesHttp: false,
  ...(role === 'beat' ? { scheduler: true } : {}),
  libraries: ['celery'],
  command: ['celery', '-A', 'shop', role],
  ...more,
});

/** A panel's parts the colour tests read: a table's columns' renames and order, thresholds. */
interface TablePanel extends Panel {
  transformations?: {
    id: string;
    options: { renameByName?: Record<string, string>; indexByName?: Record<string, number> };
  }[];
  fieldConfig?: {
    defaults?: {
      unit?: string;
      thresholds?: { steps?: { value: number | null; color: string }[] };
      custom?: { thresholdsStyle?: { mode?: string } };
    };
    overrides?: {
      matcher: { options?: unknown };
      properties: { id: string; value?: unknown }[];
    }[];
  };
}

/** A table's coloured columns: header, query (by the column's refId), unit, threshold values. */
function tableColumns(p: TablePanel) {
  const rename = p.transformations?.find((t) => t.id === 'organize')?.options.renameByName ?? {};
  return (p.fieldConfig?.overrides ?? []).map((o) => {
    const header = String(o.matcher.options);
    const field = Object.keys(rename).find((k) => rename[k] === header);
    const refId = field === 'Value' ? 'A' : field?.replace('Value #', '');
    const prop = (id: string) => o.properties.find((x) => x.id === id)?.value;
    const th = prop('thresholds') as { steps: { value: number | null }[] } | undefined;
    return {
      panel: p.title!,
      header,
      expr: p.targets?.find((t) => t.refId === refId)?.expr ?? '',
      unit: prop('unit') as string | undefined,
      steps: th?.steps.map((x) => x.value),
    };
  });
}

function panelsOf(d: DashboardJson): Panel[] {
  const out: Panel[] = [];
  const walk = (ps: Panel[]) => {
    for (const p of ps) {
      out.push(p);
      if (p.panels) walk(p.panels);
    }
  };
  walk((d.panels as Panel[] | undefined) ?? []);
  return out;
}

function rowTitles(d: DashboardJson): string[] {
  return panelsOf(d)
    .filter((p) => p.type === 'row')
    .map((p) => p.title ?? '');
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'or',
  'and',
  'unless',
  'on',
  'ignoring',
  'bool',
  'offset',
]);

/** Every metric name a PromQL expression selects (names not followed by `(`, outside matchers). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2] === undefined && !PROMQL_WORDS.has(m[1]!)) names.add(m[1]!);
  }
  return [...names];
}

const KNOWN = new Set<string>(['up', 'ALERTS']);
for (const name of [
  ...Object.values(METRICS),
  ...Object.values(COLLECTOR_METRICS),
  ...Object.values(RUNTIME_METRICS.python),
  ...Object.values(RUNTIME_METRICS.nodeOtel),
  ...Object.values(RUNTIME_METRICS.nodePromClient),
]) {
  for (const suffix of ['', '_bucket', '_count', '_sum']) KNOWN.add(name + suffix);
}

/** The span kinds a service's line takes, read from every span selector of a query. */
function kindsCounted(expr: string, service: string): string[] {
  const kinds = new Set<string>();
  for (const [, body] of expr.matchAll(
    new RegExp(`(?:${METRICS.spanCalls}|${METRICS.spanDuration}_bucket)\\{([^}]*)\\}`, 'g'),
  )) {
    const matchers = [...body!.matchAll(/(\w+)(=~|=)"([^"]*)"/g)].map(([, l, op, v]) => ({
      l: l!,
      re: new RegExp(
        `^(?:${op === '=' ? v!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : v!.replace('$service', '.*')})$`,
      ),
    }));
    const takes = matchers.filter((m) => m.l === 'service_name').every((m) => m.re.test(service));
    const kind = matchers.find((m) => m.l === 'span_kind');
    if (takes && kind) {
      for (const k of ['SPAN_KIND_SERVER', 'SPAN_KIND_CONSUMER', 'SPAN_KIND_PRODUCER'])
        if (kind.re.test(k)) kinds.add(k);
    }
  }
  return [...kinds].sort();
}

/** The operands of a query's top-level `or`s (those inside parentheses are left alone). */
function orTerms(expr: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (depth === 0 && expr.startsWith(' or ', i)) {
      terms.push(expr.slice(start, i));
      start = i + 4;
    }
  }
  return [...terms, expr.slice(start)];
}

/**
 * The budget each service's line of a burn-rate query is divided by (each `or` operand is a
 * group's ratio over its budget), and the `le` buckets it reads slow requests from.
 */
function budgetsOf(expr: string, services: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const term of orTerms(expr)) {
    const budget = /\) \/ ([\d.]+)$/.exec(term)?.[1] ?? '?';
    const le = [...new Set([...term.matchAll(/le=~?"([^"]*)"/g)].map((x) => x[1]))];
    for (const s of services)
      if (kindsCounted(term, s).length > 0)
        out[s] =
          `${s in out ? `${out[s]} and ` : ''}${budget}${le.length > 0 ? ` le=${le.join(',')}` : ''}`;
  }
  return out;
}

describe('dashboards generated from the shop model', () => {
  const model = shop();
  const built = buildDashboards(model);
  const byTitle = (t: string) => built.dashboards.find((d) => d.title === t)!.json;

  it('writes an overview and one dashboard per service under the Grafana dashboards folder', () => {
    const r = runGenerator(dashboardsGenerator, model);
    expect(r.files.map((f) => f.path)).toEqual([
      `${stackPaths(model).grafanaDashboards}/overview.json`,
      `${stackPaths(model).grafanaDashboards}/service-gateway.json`,
      `${stackPaths(model).grafanaDashboards}/service-catalog.json`,
      `${stackPaths(model).grafanaDashboards}/service-order-service.json`,
    ]);
    for (const f of r.files) expect(() => JSON.parse(f.content) as unknown).not.toThrow();
  });

  it('is deterministic: the same model gives the same bytes', () => {
    const a = runGenerator(dashboardsGenerator, model).files;
    const b = runGenerator(dashboardsGenerator, shop()).files;
    expect(a).toEqual(b);
  });

  it('gives every dashboard a stable uid of at most 40 characters, tags and the provenance note', () => {
    const uids = built.dashboards.map((d) => d.uid);
    expect(uids).toEqual([
      'obs-shop-overview',
      'obs-shop-svc-gateway',
      'obs-shop-svc-catalog',
      'obs-shop-svc-order-service',
    ]);
    for (const d of built.dashboards) {
      expect(d.uid.length).toBeLessThanOrEqual(MAX_UID);
      expect(d.json.tags).toEqual(expect.arrayContaining(['obs', 'system:shop']));
      expect(d.json.description).toContain('Generated by `obs init`');
    }
  });

  it('cuts long uids with a hash, so they stay unique and at most 40 characters', () => {
    const a = stableUid(
      'obs',
      'a-very-long-system-name-for-testing',
      'svc',
      'payments-service-one',
    );
    const b = stableUid(
      'obs',
      'a-very-long-system-name-for-testing',
      'svc',
      'payments-service-two',
    );
    expect(a.length).toBe(MAX_UID);
    expect(b.length).toBe(MAX_UID);
    expect(a).not.toBe(b);
    expect(
      stableUid('obs', 'a-very-long-system-name-for-testing', 'svc', 'payments-service-one'),
    ).toBe(a);
  });

  it('points every panel and query at the $datasource variable, with units and unique ids', () => {
    for (const d of built.dashboards) {
      const vars = (d.json.templating as { list: { name: string; type: string }[] }).list;
      expect(vars.find((v) => v.name === 'datasource')?.type).toBe('datasource');
      const panels = panelsOf(d.json);
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of panels.filter((x) => x.type !== 'row')) {
        expect(p.datasource, `${d.title} / ${p.title}`).toEqual({
          type: 'prometheus',
          uid: '${datasource}',
        });
        if (p.type !== 'table')
          expect(p.fieldConfig?.defaults?.unit, `${d.title} / ${p.title}`).toBeTruthy();
        expect(p.targets?.length).toBeGreaterThan(0);
        for (const t of p.targets ?? []) {
          expect(t.refId).toMatch(/^[A-Z]$/);
          expect(t.datasource?.uid).toBe('${datasource}');
        }
      }
    }
  });

  it('finds metric names in PromQL (the check below relies on it)', () => {
    expect(
      metricNames('max by (exporter) (a_size / b_capacity{job="x"}) or sum(rate(c_total[5m])) * 0'),
    ).toEqual(['a_size', 'b_capacity', 'c_total']);
  });

  it('selects only metrics named in model/conventions.ts', () => {
    for (const d of built.dashboards) {
      for (const q of panelQueries(d.json)) {
        for (const name of metricNames(q.expr)) {
          expect(KNOWN.has(name), `${q.dashboard} / ${q.panel}: ${name}`).toBe(true);
        }
      }
    }
  });

  it('overview: rate, errors and p95/p99 for every service, failing operations, collector and alerts', () => {
    const o = byTitle('shop / Overview');
    const titles = panelsOf(o).map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Service health',
        'Request rate',
        // The shop's order-service has an SLO of its own: errors and latency as burn rates.
        'Error budget burn',
        'p95 latency',
        'p99 latency',
        'Latency budget burn',
        'Top failing operations',
        'Active alerts',
        'Spans received',
        'Export failures',
      ]),
    );
    const service = (o.templating as { list: { name: string; regex?: string }[] }).list.find(
      (v) => v.name === 'service',
    );
    expect(service?.regex).toBe('/^(gateway|catalog|order-service)$/');
    const alerts = panelQueries(o).find((q) => q.panel === 'Active alerts');
    expect(alerts?.expr).toBe('ALERTS{alertstate=~"firing|pending"}');
  });

  it('error ratios are 0, not empty, when a service has no failed requests', () => {
    const overview = (m: SystemModel) =>
      buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!.json;
    const q = panelQueries(overview(shared())).find((x) => x.panel === 'Error ratio')!;
    expect(q.expr).toMatch(
      /^\(sum by \(service_name\) \(.*STATUS_CODE_ERROR.*\) or sum by \(service_name\) \(.*\) \* 0\) \/ sum by/,
    );
    // So are burn rates: each group's ratio, over its budget.
    const burn = panelQueries(overview(shop())).find((x) => x.panel === 'Error budget burn')!;
    const terms = orTerms(burn.expr);
    expect(terms).toHaveLength(2);
    for (const t of terms)
      expect(t).toMatch(
        /^\(\(sum by \(service_name\) \(.*STATUS_CODE_ERROR.*\) or sum by \(service_name\) \(.*\) \* 0\) \/ sum by .*\) \/ [\d.]+$/,
      );
  });

  it('service dashboards have the rows their model calls for', () => {
    expect(rowTitles(byTitle('shop / gateway'))).toEqual([
      'Service',
      'Operations',
      'HTTP server (SDK metrics)',
      'Dependencies',
      'Runtime (Python)',
    ]);
    const catalog = byTitle('shop / catalog');
    expect(rowTitles(catalog)).toContain('Runtime (Python)');
    const titles = panelsOf(catalog).map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining(['Databases calls: rate', 'Cache calls: p95 latency']),
    );
    expect(titles).not.toContain('HTTP calls by host: rate');
    const db = panelQueries(catalog).find((q) => q.panel === 'Databases calls: rate')!;
    expect(db.expr).toContain(`${SPAN_DIMENSIONS.dbSystem.label}=~"postgresql"`);
    const gatewayHttp = panelQueries(byTitle('shop / gateway')).find(
      (q) => q.panel === 'HTTP calls by host: rate',
    )!;
    expect(gatewayHttp.expr).toContain(`${METRICS.httpClientDuration}_count{job="$job"}`);
  });

  it('a Node service gets OpenTelemetry runtime panels, and CPU and memory from its prom-client /metrics', () => {
    const node = byTitle('shop / order-service');
    expect(rowTitles(node)).toContain('Runtime (Node.js)');
    const vars = (node.templating as { list: { name: string; query?: string }[] }).list;
    expect(vars.find((v) => v.name === 'scrape_job')?.query).toBe('order-service');
    expect(vars.find((v) => v.name === 'job')?.query).toBe('shop/order-service');
    const queries = panelQueries(node);
    expect(queries.find((q) => q.panel === 'Event loop delay (p99)')!.expr).toBe(
      `max by (instance) (${RUNTIME_METRICS.nodeOtel.eventLoopDelayP99}{job="$job"})`,
    );
    expect(queries.find((q) => q.panel === 'CPU')!.expr).toBe(
      `sum by (instance) (rate(${RUNTIME_METRICS.nodePromClient.cpuTime}{job="$scrape_job"}[$__rate_interval]))`,
    );
  });

  it('a Node service without /metrics gets no CPU or memory panels, and a note says why', () => {
    const m = shop();
    delete m.services[2]!.metricsPath;
    const b = buildDashboards(m);
    const node = b.dashboards.find((d) => d.title === 'shop / order-service')!.json;
    const titles = panelsOf(node).map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining(['Event loop delay (p99)', 'Heap used', 'GC time']),
    );
    expect(titles).not.toContain('CPU');
    expect(JSON.stringify(node)).not.toContain('scrape_job');
    expect(b.notes).toEqual([
      expect.stringMatching(/^order-service: no CPU or resident-memory panels/),
    ]);
  });

  it('a Celery worker sharing Django code (servesHttp false) gets no HTTP server row; a note says why', () => {
    const m = shop();
    m.services[0] = { ...m.services[0]!, framework: 'django', servesHttp: false };
    const b = buildDashboards(m);
    const worker = b.dashboards.find((d) => d.title === 'shop / gateway')!.json;
    expect(rowTitles(worker)).toEqual([
      'Service',
      'Operations',
      'Dependencies',
      'Runtime (Python)',
    ]);
    expect(b.notes).toContain(
      'gateway: no HTTP server panels (it serves no HTTP: servesHttp is false).',
    );
  });

  it("a worker's Service and Operations rows show the tasks it runs (consumer spans), not requests", () => {
    const m = shop();
    m.services[0] = celery(m.services[0]!, 'worker', {
      libraries: ['django', 'celery', 'requests'],
      framework: 'django',
    });
    const b = buildDashboards(m);
    const worker = b.dashboards.find((d) => d.title === 'shop / gateway')!.json;
    const own = panelQueries(worker).filter(
      (q) => !/calls|Dependencies|CPU|Memory|GC|Threads/.test(q.panel),
    );
    expect(own.length).toBeGreaterThan(5);
    for (const q of own) expect(q.expr).toContain('span_kind="SPAN_KIND_CONSUMER"');
    expect(JSON.stringify(worker)).not.toContain('SPAN_KIND_SERVER');
    const titles = panelsOf(worker).map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Tasks/s', 'Tasks by operation: rate']));
    expect(titles).not.toContain('Requests/s');
    // The web services' dashboards are the same as in a model without the worker.
    const web = (d: { title: string }) =>
      d.title !== 'shop / gateway' && !d.title.endsWith('Overview');
    expect(b.dashboards.filter(web)).toEqual(buildDashboards(shop()).dashboards.filter(web));
  });

  it("does not colour a worker's task durations by the HTTP latency threshold", () => {
    const m = shop();
    m.services[0] = celery(m.services[0]!, 'worker', { libraries: ['celery', 'requests'] });
    const worker = buildDashboards(m).dashboards.find((d) => d.title === 'shop / gateway')!.json;
    interface Levelled {
      title?: string;
      fieldConfig?: {
        defaults?: { thresholds?: { steps: { value: number | null }[] } };
        overrides?: {
          matcher: { options?: unknown };
          properties: { id: string; value?: { steps?: { value: number | null }[] } }[];
        }[];
      };
    }
    const steps = (title: string, column?: string) => {
      const p = panelsOf(worker).find((x) => x.title === title && x.type !== 'row') as Levelled;
      if (column === undefined)
        return p.fieldConfig?.defaults?.thresholds?.steps.map((x) => x.value);
      const o = p.fieldConfig?.overrides?.find((x) => x.matcher.options === column);
      return o?.properties.find((x) => x.id === 'thresholds')?.value?.steps?.map((x) => x.value);
    };
    // Task durations have no threshold in the model: no orange at 500 ms, red at 1 s.
    for (const title of ['p95 latency', 'p99 latency', 'Tasks by operation: p95 latency'])
      expect(steps(title), title).toEqual([null]);
    expect(steps('Operations', 'p95')).toBeUndefined();
    // Failures still count against its availability SLO.
    expect(steps('Error ratio')).toEqual([null, 0.005, 0.072]);
    expect(steps('Operations', 'Error ratio')).toEqual([null, 0.005, 0.072]);
    const links = (worker.links as { title: string }[]).map((l) => l.title);
    expect(links).not.toContain('Slow traces (Jaeger)');
    // A web service keeps its latency levels and slow-traces link.
    const web = buildDashboards(m).dashboards.find((d) => d.title === 'shop / order-service')!;
    expect((web.json.links as { title: string }[]).map((l) => l.title)).toContain(
      'Slow traces (Jaeger)',
    );
  });

  it('a scheduler (celery beat) shows the tasks it publishes (producer spans), in the overview too', () => {
    const m = shop();
    m.services[0] = celery(m.services[0]!, 'beat');
    const b = buildDashboards(m);
    const beat = b.dashboards.find((d) => d.title === 'shop / gateway')!.json;
    const own = panelQueries(beat).filter(
      (q) => !/calls|Dependencies|CPU|Memory|GC|Threads/.test(q.panel),
    );
    expect(own.length).toBeGreaterThan(5);
    for (const q of own) expect(q.expr).toContain('span_kind="SPAN_KIND_PRODUCER"');
    expect(JSON.stringify(beat)).not.toContain('SPAN_KIND_CONSUMER');
    const titles = panelsOf(beat).map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining(['Published tasks/s', 'Published tasks by operation: rate']),
    );
    expect(titles).not.toContain('Tasks/s');
    const overview = b.dashboards.find((d) => d.title === 'shop / Overview')!.json;
    const rate = panelQueries(overview).find(
      (q) => q.panel === 'Rate: requests or published tasks',
    )!.expr;
    expect(rate).toContain('service_name=~"gateway", span_kind="SPAN_KIND_PRODUCER"');
    expect(rate).not.toContain('SPAN_KIND_CONSUMER');
  });

  it('names the span kind a dashboard counts from its label value, in one place', () => {
    expect(
      [SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER].map(
        spanKindWord,
      ),
    ).toEqual(['server', 'client', 'producer', 'consumer']);
    const web = shop().services[0]!;
    const kinds = [
      web,
      { ...web, servesHttp: false, libraries: ['celery'] },
      { ...web, servesHttp: false, libraries: ['kafkajs'] },
      { ...web, servesHttp: false, scheduler: true, libraries: ['celery'] },
    ].map((service) => {
      const work = workOf(service);
      // Work carries the label value only; the word is derived from it.
      expect(Object.keys(work).sort()).toEqual(['counted', 'kind', 'latency', 'plural']);
      expect(work.kind).toBe(workSpanKind(service));
      const m = shop();
      m.services[0] = service;
      const d = buildDashboards(m).dashboards.find((x) => x.title === 'shop / gateway')!.json;
      const operations = panelsOf(d).find(
        (p) => p.title === 'Operations' && p.type === 'table',
      ) as {
        description?: string;
      };
      expect(operations.description).toContain(`(${spanKindWord(work.kind)} span name)`);
      return spanKindWord(work.kind);
    });
    expect(kinds).toEqual(['server', 'consumer', 'consumer', 'producer']);
  });

  it('a queue consumer that runs no task queue counts messages', () => {
    const m = shop();
    m.services[2] = { ...m.services[2]!, servesHttp: false, libraries: ['kafkajs', 'pg'] };
    const consumer = buildDashboards(m).dashboards.find((d) => d.title === 'shop / order-service')!;
    const titles = panelsOf(consumer.json).map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Messages/s', 'Messages by operation: rate']));
  });

  it("the overview's line of a worker counts its consumer spans; web services keep server spans", () => {
    const m = shop();
    m.services[0] = { ...m.services[0]!, servesHttp: false };
    const overview = buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!.json;
    const rate = panelQueries(overview).find((q) => q.panel === 'Rate: requests or messages')!.expr;
    expect(rate).toBe(
      'sum by (service_name) (' +
        `rate(${METRICS.spanCalls}{service_name=~"$service", service_name=~"catalog|order-service", span_kind="SPAN_KIND_SERVER"}[$__rate_interval])` +
        ` or rate(${METRICS.spanCalls}{service_name=~"$service", service_name=~"gateway", span_kind="SPAN_KIND_CONSUMER"}[$__rate_interval]))`,
    );
    for (const q of panelQueries(overview).filter((x) => x.expr.includes(METRICS.spanCalls))) {
      // The web services' own table has requests only; the workers have a table of their own.
      if (q.panel === 'Service health') expect(q.expr).not.toContain('SPAN_KIND_CONSUMER');
      else expect(q.expr).toContain('span_kind="SPAN_KIND_CONSUMER"');
    }
    const variable = (
      overview.templating as { list: { name: string; query?: unknown }[] }
    ).list.find((v) => v.name === 'service');
    expect(JSON.stringify(variable?.query)).toContain('SPAN_KIND_SERVER|SPAN_KIND_CONSUMER');
  });

  it("the overview's line of a worker counts what its own dashboard counts, not its server spans", () => {
    const m = shared();
    // A Celery worker may serve a few server spans too (a health check, a Flower endpoint).
    m.services[0] = celery(m.services[0]!, 'worker', { libraries: ['celery', 'requests'] });
    m.services[1] = celery(m.services[1]!, 'beat');
    const b = buildDashboards(m);
    const overview = b.dashboards.find((d) => d.title === 'shop / Overview')!.json;
    // On its own dashboard, $service is the service.
    const own = (service: string) =>
      panelQueries(b.dashboards.find((d) => d.title === `shop / ${service}`)!.json)
        .find((q) => q.panel === 'Error ratio')!
        .expr.replaceAll('"$service"', `"${service}"`);
    const spanQueries = panelQueries(overview).filter(
      (q) => q.expr.includes(METRICS.spanCalls) || q.expr.includes(METRICS.spanDuration),
    );
    expect(
      spanQueries.filter((q) => q.expr.includes(METRICS.spanDuration)).length,
    ).toBeGreaterThanOrEqual(4);
    expect(kindsCounted(own('gateway'), 'gateway')).toEqual(['SPAN_KIND_CONSUMER']);
    expect(kindsCounted(own('catalog'), 'catalog')).toEqual(['SPAN_KIND_PRODUCER']);
    expect(kindsCounted(own('order-service'), 'order-service')).toEqual(['SPAN_KIND_SERVER']);
    // Health tables, error ratios and latency or duration graphs have the lines of some services
    // (web services', workers' or schedulers'); every other panel has them all.
    const apart = (panel: string) =>
      panel.endsWith(' health') || panel.startsWith('Error ratio') || /^p9[59] /.test(panel);
    for (const service of ['gateway', 'catalog', 'order-service']) {
      for (const q of spanQueries) {
        const counted = kindsCounted(q.expr, service);
        if (apart(q.panel) && counted.length === 0) continue;
        expect(counted, `${q.panel}: ${service}`).toEqual(kindsCounted(own(service), service));
      }
      const takes = (q: { expr: string }) => kindsCounted(q.expr, service).length > 0;
      expect(
        spanQueries.filter((q) => q.panel.endsWith(' health') && takes(q)).length,
        service,
      ).toBe(4);
      expect(
        spanQueries.filter((q) => /^p9[59] /.test(q.panel) && takes(q)).map((q) => q.panel),
        service,
      ).toHaveLength(2);
    }

    // With workers only, no line takes server spans.
    m.services = m.services.slice(0, 1);
    const alone = buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!.json;
    for (const q of panelQueries(alone).filter((x) => x.expr.includes('span_kind')))
      expect(q.expr, q.panel).not.toContain('SPAN_KIND_SERVER');
    const variable = (alone.templating as { list: { name: string; query?: unknown }[] }).list.find(
      (v) => v.name === 'service',
    );
    expect(JSON.stringify(variable?.query)).not.toContain('SPAN_KIND_SERVER');
  });

  it("the overview does not colour a worker's task durations by the HTTP latency threshold", () => {
    /** Every table column of the overview: its header, query, unit and threshold values. */
    const columns = (m: SystemModel) => {
      const overview = buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!;
      return (panelsOf(overview.json) as TablePanel[])
        .filter((p) => p.type === 'table')
        .flatMap(tableColumns);
    };
    const m = shared();
    m.services[0] = celery(m.services[0]!, 'worker', { libraries: ['celery', 'requests'] });
    const cols = columns(m);
    const takes = (service: string) => (c: { expr: string }) =>
      kindsCounted(c.expr, service).length > 0;
    const latency = cols.filter((c) => c.unit === 's');
    // The worker's task durations are in a table, in columns without levels.
    const tasks = latency.filter(takes('gateway'));
    expect(tasks.map((c) => c.header).sort()).toEqual(['p95', 'p99']);
    for (const c of tasks) expect(c.steps, `${c.panel}: ${c.header}`).toBeUndefined();
    // Web services keep the request latency levels: orange at 500 ms, red at 1 s.
    const requests = latency.filter(takes('catalog'));
    expect(requests.map((c) => c.header).sort()).toEqual(['p95', 'p99']);
    for (const c of requests) expect(c.steps, `${c.panel}: ${c.header}`).toEqual([null, 0.5, 1]);
    // Failed tasks still count against the availability SLO.
    const failed = cols.filter((c) => c.header === 'Error ratio' && takes('gateway')(c));
    expect(failed.map((c) => c.steps)).toEqual([[null, 0.005, 0.072]]);

    // A scheduler's publish durations are not coloured either.
    m.services[0] = {
      ...m.services[0],
      scheduler: true,
      command: ['celery', '-A', 'shop', 'beat'],
    };
    const published = columns(m).filter((c) => c.unit === 's' && takes('gateway')(c));
    expect(published.map((c) => c.steps)).toEqual([undefined, undefined]);
    // With workers only, no column is coloured by the request threshold.
    m.services = m.services.slice(0, 1);
    const alone = columns(m).filter((c) => c.unit === 's');
    expect(alone.map((c) => c.steps)).toEqual([undefined, undefined]);
  });

  it("the overview's latency graphs draw the request threshold over web services' lines only", () => {
    interface GraphPanel {
      type?: string;
      title?: string;
      targets?: { expr?: string }[];
      fieldConfig?: {
        defaults?: {
          unit?: string;
          custom?: { thresholdsStyle?: { mode?: string } };
          thresholds?: { steps?: { value: number | null }[] };
        };
      };
    }
    /** The overview's time series of durations: title, services drawn, threshold line and steps. */
    const graphs = (m: SystemModel) => {
      const overview = buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!;
      return (panelsOf(overview.json) as GraphPanel[])
        .filter((p) => p.type === 'timeseries' && p.fieldConfig?.defaults?.unit === 's')
        .map((p) => ({
          title: p.title,
          services: m.services
            .map((x) => x.name)
            .filter((n) => (p.targets ?? []).some((t) => kindsCounted(t.expr ?? '', n).length > 0)),
          line: p.fieldConfig?.defaults?.custom?.thresholdsStyle?.mode,
          steps: p.fieldConfig?.defaults?.thresholds?.steps?.map((x) => x.value),
        }));
    };
    // Web services only: the two latency graphs, with the threshold, as before workers.
    const web = graphs(shared());
    expect(web.map((g) => g.title)).toEqual(['p95 latency', 'p99 latency']);
    for (const g of web) {
      expect(g.services).toEqual(['gateway', 'catalog', 'order-service']);
      expect(g.line).toBe('dashed');
    }

    const m = shared();
    m.services[0] = celery(m.services[0]!, 'worker', { libraries: ['celery', 'requests'] });
    // The threshold line runs across the whole graph: no worker line may be drawn against it.
    expect(graphs(m)).toEqual([
      {
        title: 'p95 latency',
        services: ['catalog', 'order-service'],
        line: 'dashed',
        steps: [null, 0.5, 1],
      },
      {
        title: 'p99 latency',
        services: ['catalog', 'order-service'],
        line: 'dashed',
        steps: [null, 0.5, 1],
      },
      { title: 'p95 duration: tasks', services: ['gateway'], line: 'off', steps: [null] },
      { title: 'p99 duration: tasks', services: ['gateway'], line: 'off', steps: [null] },
    ]);

    m.services[1] = celery(m.services[1]!, 'beat');
    const withBeat = graphs(m);
    expect(withBeat.filter((g) => g.line === 'dashed').map((g) => g.services)).toEqual([
      ['order-service'],
      ['order-service'],
    ]);
    expect(withBeat.filter((g) => g.line !== 'dashed').map((g) => [g.title, g.services])).toEqual([
      ['p95 duration: tasks or published tasks', ['gateway', 'catalog']],
      ['p99 duration: tasks or published tasks', ['gateway', 'catalog']],
    ]);

    // Workers only: no request latency graph and no threshold line.
    m.services = m.services.slice(0, 1);
    expect(graphs(m).map((g) => [g.title, g.line])).toEqual([
      ['p95 duration: tasks', 'off'],
      ['p99 duration: tasks', 'off'],
    ]);
  });

  it("the overview's failing operations say per row whether it is a request, a task or a publish", () => {
    const failing = (m: SystemModel) => {
      const overview = buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!;
      const p = (panelsOf(overview.json) as TablePanel[]).find(
        (x) => x.title === 'Top failing operations',
      )!;
      const organize = p.transformations!.find((t) => t.id === 'organize')!.options;
      const expr = p.targets![0]!.expr!;
      const kind = p.fieldConfig?.overrides?.find((o) => o.matcher.options === 'Kind');
      const mappings = kind?.properties.find((x) => x.id === 'mappings')?.value as
        { type: string; options: Record<string, { text: string }> }[] | undefined;
      return {
        expr,
        columns: Object.entries(organize.indexByName ?? {})
          .sort(([, a], [, b]) => a - b)
          .map(([k]) => organize.renameByName?.[k] ?? k),
        texts: Object.fromEntries(
          (mappings ?? []).flatMap((x) =>
            Object.entries(x.options).map(([value, r]) => [value, r.text]),
          ),
        ),
        /** The word a service's rows get, from the span kind the query counts for it. */
        word: (service: string) =>
          kindsCounted(expr, service).map(
            (k) =>
              (mappings ?? []).map((x) => x.options[k]?.text).find((t) => t !== undefined) ?? k,
          ),
      };
    };

    // Web services only: one kind, no Kind column, as before workers.
    const web = failing(shared());
    expect(web.columns).toEqual(['Service', 'Operation', 'Failed requests']);
    expect(web.expr).toContain('sum by (service_name, span_name) (');
    expect(web.texts).toEqual({});

    const m = shared();
    m.services[0] = celery(m.services[0]!, 'worker');
    const withWorker = failing(m);
    // The rows keep their span kind, shown as a word.
    expect(withWorker.expr).toContain('sum by (service_name, span_name, span_kind) (');
    expect(withWorker.columns).toEqual([
      'Service',
      'Operation',
      'Kind',
      'Failed requests or tasks',
    ]);
    expect(withWorker.word('gateway')).toEqual(['task']);
    expect(withWorker.word('catalog')).toEqual(['request']);

    m.services[1] = celery(m.services[1]!, 'beat');
    m.services[2] = { ...m.services[2]!, servesHttp: false, libraries: ['kafkajs'] };
    const all = failing(m);
    // Consumer spans are tasks or messages: the span kind cannot tell a Celery task from a message.
    expect(all.texts).toEqual({
      [SPAN_KIND_CONSUMER]: 'task or message',
      [SPAN_KIND_PRODUCER]: 'published task',
    });
    expect(all.word('catalog')).toEqual(['published task']);
    const description = (
      panelsOf(buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!.json).find(
        (p) => p.title === 'Top failing operations',
      ) as { description?: string }
    ).description;
    expect(description).toContain(
      'Kind: task or message (consumer spans of workers), published task (producer spans of schedulers).',
    );
  });

  it("the overview's headers name what its lines count when workers are among them", () => {
    const headers = (m: SystemModel) => {
      const overview = buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!;
      const tables = panelsOf(overview.json).filter((p) => p.type === 'table');
      const names = tables.flatMap((p) =>
        (
          (p as { fieldConfig?: { overrides?: { matcher: { options?: unknown } }[] } }).fieldConfig
            ?.overrides ?? []
        ).map((o) => String(o.matcher.options)),
      );
      const titles = panelsOf(overview.json).map((p) => p.title);
      return { names, titles };
    };
    const web = headers(shared());
    expect(web.names).toEqual(expect.arrayContaining(['Requests/s', 'Failed requests']));
    expect(web.titles).toContain('Request rate');

    const m = shared();
    m.services[0] = celery(m.services[0]!, 'worker');
    const withTasks = headers(m);
    // Each health table has one kind of line; the failing operations have both.
    expect(withTasks.names).toEqual(
      expect.arrayContaining(['Requests/s', 'Tasks/s', 'Failed requests or tasks']),
    );
    expect(withTasks.titles).toEqual(
      expect.arrayContaining(['Service health', 'Worker health', 'Rate: requests or tasks']),
    );
    expect(withTasks.titles).not.toContain('Request rate');

    m.services[2] = { ...m.services[2]!, servesHttp: false, libraries: ['kafkajs'] };
    expect(headers(m).names).toEqual(
      expect.arrayContaining(['Tasks or messages/s', 'Failed requests, tasks or messages']),
    );
    m.services[1] = celery(m.services[1]!, 'beat', { libraries: m.services[1]!.libraries });
    expect(headers(m).titles).toEqual(
      expect.arrayContaining(['Worker health', 'Scheduler health']),
    );
    expect(headers(m).titles).not.toContain('Service health');
    m.services = m.services.slice(0, 1);
    expect(headers(m).names).toContain('Tasks/s');
    expect(headers(m).titles).toEqual(expect.arrayContaining(['Worker health', 'Rate: tasks']));
  });

  it("the overview's descriptions say what its lines count, whether web services, workers or schedulers", () => {
    const texts = (m: SystemModel) => {
      const overview = buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!;
      const panels = panelsOf(overview.json) as { title?: string; description?: string }[];
      const of = (title: string) => panels.find((p) => p.title === title)?.description ?? '';
      return { dashboard: String(overview.json.description), panels, of };
    };
    const worker = (x: SystemModel['services'][number]) => ({
      ...x,
      servesHttp: false,
      libraries: ['celery'],
      command: ['celery', '-A', 'shop', 'worker'],
    });
    const beat = (x: SystemModel['services'][number]) => ({
      ...x,
      servesHttp: false,
      scheduler: true,
      libraries: ['celery'],
      command: ['celery', '-A', 'shop', 'beat'],
    });

    // Web services only: as before workers.
    const web = texts(shared());
    expect(web.dashboard).toMatch(/^Every service of shop: request rate, errors and latency /);
    expect(web.of('Request rate')).toBe('Server requests per second, per service.');
    expect(web.of('Error ratio')).toMatch(
      /^Share of server requests that failed \(span status ERROR\), per service\. Orange/,
    );

    // Workers only: no line is a server request.
    const m = shared();
    m.services = [worker(m.services[0]!)];
    const tasks = texts(m);
    expect(tasks.dashboard).toMatch(
      /^Every service of shop: the rate, errors and duration of its tasks /,
    );
    expect(tasks.of('Rate: tasks')).toBe(
      'Tasks per second, per service. Workers: the tasks they run (consumer spans).',
    );
    expect(tasks.of('Error ratio')).toMatch(
      /^Share of tasks that failed \(span status ERROR\), per service\. Workers: the tasks they run \(consumer spans\)\. /,
    );
    for (const p of tasks.panels)
      expect(p.description ?? '', p.title).not.toMatch(/server request/i);

    // A queue consumer's lines are messages.
    m.services = [{ ...m.services[0]!, libraries: ['kafkajs'], command: undefined }];
    expect(texts(m).of('Rate: messages')).toBe(
      'Messages per second, per service. Workers: the messages they consume (consumer spans).',
    );

    // Schedulers only: publishes, which are not tasks run for minutes.
    m.services = [beat(shared().services[0]!)];
    const published = texts(m);
    expect(published.of('Rate: published tasks')).toBe(
      'Published tasks per second, per service. Schedulers: the tasks they publish (producer spans).',
    );
    for (const p of published.panels) {
      expect(p.description ?? '', p.title).not.toMatch(
        /server request|take minutes|tasks they run/i,
      );
    }

    // Web services, workers and schedulers: each kind is said.
    const all = shared();
    all.services[0] = worker(all.services[0]!);
    all.services[1] = beat(all.services[1]!);
    expect(texts(all).of('Rate: requests, tasks or published tasks')).toBe(
      'Requests, tasks or published tasks per second, per service. Web services: the requests they serve (server spans). Workers: the tasks they run (consumer spans). Schedulers: the tasks they publish (producer spans).',
    );
  });

  it("colours no scheduler's line by the availability SLO, which it does not have, nor task durations; workers' errors stay coloured", () => {
    /** Every span-metric query of a dashboard with the threshold steps its values are coloured by. */
    const coloured = (d: DashboardJson) =>
      (panelsOf(d) as TablePanel[]).flatMap((p) =>
        (p.targets ?? [])
          .filter((t) =>
            [METRICS.spanCalls, METRICS.spanDuration].some((x) => (t.expr ?? '').includes(x)),
          )
          .map((t) => {
            let steps = p.fieldConfig?.defaults?.thresholds?.steps;
            let line = p.fieldConfig?.defaults?.custom?.thresholdsStyle?.mode;
            if (p.type === 'table') {
              const rename =
                p.transformations?.find((x) => x.id === 'organize')?.options.renameByName ?? {};
              const field = p.targets!.length === 1 ? 'Value' : `Value #${t.refId}`;
              const props = p.fieldConfig?.overrides?.find(
                (o) => o.matcher.options === rename[field],
              )?.properties;
              const th = props?.find((x) => x.id === 'thresholds')?.value as
                { steps: { value: number | null; color: string }[] } | undefined;
              steps = th?.steps;
              line = props?.some((x) => x.id === 'custom.cellOptions') ? 'color-text' : 'off';
            }
            return {
              where: `${p.title} ${t.refId}`,
              expr: t.expr ?? '',
              levels: (steps ?? []).filter((x) => x.value !== null).map((x) => x.value),
              base: steps?.[0]?.color,
              line,
            };
          }),
      );
    const m = shared();
    m.services[0] = celery(m.services[0]!, 'worker');
    m.services[1] = celery(m.services[1]!, 'beat', {
      dependencies: [{ kind: 'redis', target: 'redis:6379' }, ...m.services[1]!.dependencies],
    });
    const b = buildDashboards(m);
    const dash = (title: string) => b.dashboards.find((d) => d.title === `shop / ${title}`)!.json;
    const overview = coloured(dash('Overview'));
    const takes = (service: string) => (q: { expr: string }) =>
      kindsCounted(q.expr, service).length > 0;

    // The overview: no table cell or graph with a scheduler's line has levels to read it against.
    const beat = overview.filter(takes('catalog'));
    expect(beat.map((q) => q.where)).toEqual(
      expect.arrayContaining(['Scheduler health B', 'Error ratio: published tasks A']),
    );
    for (const q of beat) {
      expect(q.levels, q.where).toEqual([]);
      expect(q.line, q.where).not.toMatch(/dashed|color-text/);
    }
    // Workers' and web services' error ratios keep the availability SLO's levels.
    for (const service of ['gateway', 'order-service']) {
      const errors = overview
        .filter((q) => q.where.startsWith('Error ratio') || / health B$/.test(q.where))
        .filter(takes(service));
      expect(errors.length, service).toBe(2);
      for (const q of errors) expect(q.levels, `${service}: ${q.where}`).toEqual([0.005, 0.072]);
    }

    // The scheduler's own dashboard: no span panel is coloured, and its error ratio is in the
    // text colour, not a green that says all is well.
    const own = coloured(dash('catalog'));
    expect(own.length).toBeGreaterThan(8);
    for (const q of own) expect(q.levels, q.where).toEqual([]);
    const stat = own.find((q) => q.where === 'Error ratio A')!;
    expect(stat.base).toBe('text');
    // A worker's error ratio keeps the SLO's levels.
    const worker = coloured(dash('gateway')).find((q) => q.where === 'Error ratio A')!;
    expect(worker.levels).toEqual([0.005, 0.072]);
    // Task durations have no threshold: a worker's and a scheduler's p95/p99 stats are in the text
    // colour too; a web service's keep the latency SLO's levels.
    for (const service of ['gateway', 'catalog'])
      for (const title of ['p95 latency A', 'p99 latency A']) {
        const q = coloured(dash(service)).find((x) => x.where === title)!;
        expect(q.levels, `${service}: ${title}`).toEqual([]);
        expect(q.base, `${service}: ${title}`).toBe('text');
      }
    const web = coloured(dash('order-service')).find((q) => q.where === 'p95 latency A')!;
    expect(web.levels.length).toBe(2);
    expect(web.base).toBe('green');
  });

  it("takes thresholds from the service's SLO", () => {
    const orders = byTitle('shop / order-service');
    const stat = panelsOf(orders).find((p) => p.title === 'Error ratio') as {
      fieldConfig: {
        defaults: { thresholds: { steps: { value: number | null; color: string }[] } };
      };
    };
    expect(stat.fieldConfig.defaults.thresholds.steps).toEqual([
      { value: null, color: 'green' },
      { value: 0.001, color: 'orange' },
      { value: 0.0144, color: 'red' },
    ]);
    const p95 = panelsOf(orders).find((p) => p.title === 'p95 latency') as typeof stat;
    expect(p95.fieldConfig.defaults.thresholds.steps.map((s) => s.value)).toEqual([
      null,
      0.25,
      0.5,
    ]);
  });

  /**
   * What the overview colours: per table column and per graph, its query, unit and the threshold
   * values it is coloured by (undefined: not coloured), and the column a table sorts by.
   */
  const overviewColours = (m: SystemModel) => {
    const o = buildDashboards(m).dashboards.find((d) => d.title === 'shop / Overview')!.json;
    return (panelsOf(o) as (TablePanel & { options?: { sortBy?: { displayName: string }[] } })[])
      .filter(
        (p) => (p.type === 'table' && p.title!.endsWith(' health')) || p.type === 'timeseries',
      )
      .flatMap((p) => {
        if (p.type === 'timeseries') {
          const d = p.fieldConfig?.defaults;
          const dashed = d?.custom?.thresholdsStyle?.mode === 'dashed';
          return [
            {
              panel: p.title!,
              header: '',
              expr: p.targets?.[0]?.expr ?? '',
              unit: d?.unit,
              steps: dashed ? d?.thresholds?.steps?.map((x) => x.value) : undefined,
              sortBy: undefined as string | undefined,
            },
          ];
        }
        const sortBy = p.options?.sortBy?.[0]?.displayName;
        return tableColumns(p).map((c) => ({ ...c, sortBy }));
      });
  };
  const BURN = [null, 1, 14.4];

  it("reads each service against its own SLO where the services' SLOs differ: burn rates, one set of levels for all", () => {
    // The shop's order-service: 99.9% under 250 ms for 99% of requests; the others the system's
    // 99.5% under 500 ms for 95%.
    const all = ['gateway', 'catalog', 'order-service'];
    const cols = overviewColours(shop());
    const health = cols.filter((c) => c.panel === 'Service health');
    expect(health.map((c) => [c.header, c.unit, c.steps])).toEqual([
      ['Requests/s', 'reqps', undefined],
      // One set of levels cannot read 0.3% right for both 99.5% and 99.9%: not coloured.
      ['Error ratio', 'percentunit', undefined],
      ['Error budget burn', 'suffix:x', BURN],
      // Nor can one threshold line be 250 ms and 500 ms.
      ['p95', 's', undefined],
      ['p99', 's', undefined],
      ['Latency budget burn', 'suffix:x', BURN],
    ]);
    // The service furthest over its own budget first.
    expect(health[0]!.sortBy).toBe('Error budget burn');
    // Each service's ratio over its own budget, as its burn-rate alerts have it.
    const errors = health.find((c) => c.header === 'Error budget burn')!.expr;
    expect(budgetsOf(errors, all)).toEqual({
      gateway: '0.005',
      catalog: '0.005',
      'order-service': '0.001',
    });
    const latency = health.find((c) => c.header === 'Latency budget burn')!.expr;
    expect(budgetsOf(latency, all)).toEqual({
      gateway: '0.05 le=0.5',
      catalog: '0.05 le=0.5',
      'order-service': '0.01 le=0.25',
    });
    // The share slower than the threshold: 1 minus the share within it, divided as a whole.
    expect(orTerms(latency)[1]).toMatch(
      /^\(1 - sum by \(service_name\) \(rate\(traces_span_metrics_duration_seconds_bucket\{.*le="0\.25"\}.*\)\) \/ sum by \(service_name\) \(rate\(traces_span_metrics_duration_seconds_count\{.*\)\) \/ 0\.01$/,
    );

    // The graphs: the same burn rates under the same levels; latencies without a threshold line.
    const graphs = cols.filter(
      (c) =>
        c.header === '' &&
        [METRICS.spanCalls, METRICS.spanDuration].some((x) => c.expr.includes(x)) &&
        c.panel !== 'Request rate',
    );
    expect(graphs.map((g) => [g.panel, g.unit, g.steps])).toEqual([
      ['Error budget burn', 'suffix:x', BURN],
      ['p95 latency', 's', undefined],
      ['p99 latency', 's', undefined],
      ['Latency budget burn', 'suffix:x', BURN],
    ]);
    expect(graphs[0]!.expr).toBe(errors);
    expect(graphs[3]!.expr).toBe(latency);

    // Where only availabilities differ, latencies keep their threshold, and the other way round.
    const m = shop();
    m.services[2] = { ...m.services[2]!, slo: { ...m.slo, availability: 0.999 } };
    expect(overviewColours(m).map((c) => c.header || c.panel)).toEqual(
      expect.arrayContaining(['Error budget burn', 'p95 latency']),
    );
    expect(overviewColours(m).find((c) => c.panel === 'p95 latency')!.steps).toEqual([
      null,
      0.5,
      1,
    ]);
    m.services[2] = { ...m.services[2], slo: { ...m.slo, latencyThresholdMs: 250 } };
    const latencyOnly = overviewColours(m);
    expect(latencyOnly.find((c) => c.panel === 'Error ratio')!.steps).toEqual([null, 0.005, 0.072]);
    expect(latencyOnly.some((c) => c.panel === 'Error budget burn')).toBe(false);
    expect(latencyOnly.find((c) => c.panel === 'Latency budget burn')!.steps).toEqual(BURN);
  });

  it("keeps the overview's ratios and latencies, by the services' own shared SLO, while their SLOs agree", () => {
    // No service sets its own: the system's levels, no burn rate anywhere.
    const cols = overviewColours(shared());
    expect(cols.filter((c) => /burn/i.test(c.header + c.panel))).toEqual([]);
    expect(cols.find((c) => c.panel === 'Error ratio')!.steps).toEqual([null, 0.005, 0.072]);
    // A latency target of its own leaves the threshold, and so the levels, as they are.
    const m = shared();
    m.services[2] = { ...m.services[2]!, slo: { ...m.slo, latencyTarget: 0.99 } };
    expect(overviewColours(m)).toEqual(cols);
    // Every service that has an SLO sets the same one: its levels, not the system's unused one.
    m.services = m.services.map((x) => ({
      ...x,
      slo: { availability: 0.999, latencyThresholdMs: 250, latencyTarget: 0.99 },
    }));
    const own = overviewColours(m);
    expect(own.find((c) => c.panel === 'Error ratio')!.steps).toEqual([null, 0.001, 0.0144]);
    expect(own.find((c) => c.panel === 'p95 latency')!.steps).toEqual([null, 0.25, 0.5]);
  });

  it("burns a worker's errors against its own availability SLO, and leaves a scheduler out, which has none", () => {
    const m = shop();
    m.services[0] = celery(m.services[0]!, 'worker', {
      slo: { ...m.slo, availability: 0.99 },
    });
    // A scheduler's own SLO is not about what it does: it changes nothing.
    m.services[1] = celery(m.services[1]!, 'beat', { slo: { ...m.slo, availability: 0.9 } });
    const cols = overviewColours(m);
    const worker = cols.filter((c) => c.panel === 'Worker health');
    expect(worker.map((c) => [c.header, c.steps])).toEqual([
      ['Tasks/s', undefined],
      ['Error ratio', undefined],
      ['Error budget burn', BURN],
      ['p95', undefined],
      ['p99', undefined],
    ]);
    const all = ['gateway', 'catalog', 'order-service'];
    expect(budgetsOf(worker.find((c) => c.header === 'Error budget burn')!.expr, all)).toEqual({
      gateway: '0.01',
    });
    const graph = cols.find((c) => c.panel === 'Error budget burn')!;
    expect(budgetsOf(graph.expr, all)).toEqual({ gateway: '0.01', 'order-service': '0.001' });
    expect(kindsCounted(graph.expr, 'gateway')).toEqual(['SPAN_KIND_CONSUMER']);
    for (const c of cols.filter(
      (x) => x.panel.startsWith('Scheduler') || x.panel.endsWith('published tasks'),
    ))
      expect(c.steps, `${c.panel} ${c.header}`).toBeUndefined();
    // The one web service left is read against its own latency threshold, not the system's.
    expect(cols.find((c) => c.panel === 'p95 latency')!.steps).toEqual([null, 0.25, 0.5]);
  });

  it('links each service to its traces in Jaeger and its logs in Kibana', () => {
    const links = (byTitle('shop / order-service').links as { title: string; url?: string }[]).map(
      (l) => [l.title, l.url],
    );
    expect(links).toEqual(
      expect.arrayContaining([
        [
          'Traces (Jaeger)',
          expect.stringMatching(/^\$\{jaeger_url\}\/search\?service=\$\{service\}&/),
        ],
        ['Logs (Kibana)', expect.stringContaining("query:'service.name:%22${service}%22'")],
      ]),
    );
    const vars = (
      byTitle('shop / order-service').templating as { list: { name: string; query?: string }[] }
    ).list;
    expect(vars.find((v) => v.name === 'jaeger_url')?.query).toBe('http://127.0.0.1:16686');
  });

  it('validate() names bad settings', () => {
    expect(dashboardsGenerator.validate(model, { jaegerUrl: 'ftp://x' })).toEqual([
      'jaegerUrl must be an http(s) URL, got "ftp://x"',
    ]);
    expect(dashboardsGenerator.validate(model, { timeFrom: 'yesterday' })).toEqual([
      'timeFrom must look like now-1h, got "yesterday"',
    ]);
    expect(() => runGenerator(dashboardsGenerator, model, { refresh: 'often' })).toThrow(
      'grafana-dashboards: refresh must look like 30s or be empty, got "often"',
    );
  });
});

describe('Grafana provisioning files', () => {
  const model = shop();
  const files = runGenerator(grafanaProvisioningGenerator, model).files;
  const [datasourcesFile, providersFile] = files;

  it('writes datasources and a dashboards provider under the provisioning folder', () => {
    expect(files.map((f) => f.path)).toEqual([
      `${stackPaths(model).grafanaProvisioning}/datasources/obs.yaml`,
      `${stackPaths(model).grafanaProvisioning}/dashboards/obs.yaml`,
    ]);
    for (const f of files) expect(f.content.startsWith('# Generated by `obs init`')).toBe(true);
  });

  it('declares Prometheus, Jaeger and Elasticsearch with the uids the dashboards default to', () => {
    const doc = parse(datasourcesFile!.content) as {
      apiVersion: number;
      datasources: Record<string, unknown>[];
    };
    expect(doc.apiVersion).toBe(1);
    expect(doc.datasources.map((d) => [d.type, d.uid, d.url])).toEqual([
      ['prometheus', 'obs-prometheus', 'http://prometheus:9090'],
      ['jaeger', 'obs-jaeger', 'http://jaeger:16686'],
      ['elasticsearch', 'obs-elasticsearch', 'http://elasticsearch:9200'],
    ]);
    const overview = buildDashboards(model).dashboards[0]!.json;
    const dsVar = (overview.templating as { list: { name: string; current?: { value: string } }[] })
      .list[0]!;
    expect(dsVar.current?.value).toBe('obs-prometheus');
  });

  it('takes the Elasticsearch password from the environment and escapes every other $', () => {
    const text = datasourcesFile!.content;
    expect(text).toContain('basicAuthPassword: ${ELASTIC_PASSWORD}');
    // Outside comments, a `$` is either the password reference or doubled.
    const values = text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n')
      .replace('${ELASTIC_PASSWORD}', '');
    expect(values.replace(/\$\$/g, '')).not.toContain('$');
    expect(values).toContain('$${__trace.traceId}');
  });

  it("sets Prometheus's scrape interval to the longer of scrape and span-metrics flush", () => {
    const m = shop();
    m.stack.spanMetricsFlushInterval = '1m';
    const doc = parse(runGenerator(grafanaProvisioningGenerator, m).files[0]!.content) as {
      datasources: { jsonData: { timeInterval?: string } }[];
    };
    expect(doc.datasources[0]!.jsonData.timeInterval).toBe('60s');
  });

  it('provides the dashboards folder the compose file mounts, in the folder named in the model', () => {
    const doc = parse(providersFile!.content) as { providers: Record<string, unknown>[] };
    expect(doc.providers).toEqual([
      {
        name: 'obs-shop',
        folder: 'obs',
        folderUid: 'obs-shop',
        type: 'file',
        disableDeletion: false,
        updateIntervalSeconds: 30,
        allowUiUpdates: false,
        options: { path: '/var/lib/grafana/dashboards/obs', foldersFromFilesStructure: false },
      },
    ]);
  });

  it('validate() refuses URLs with $ (Grafana would expand them) and bad intervals', () => {
    expect(
      grafanaProvisioningGenerator.validate(model, {
        ...grafanaProvisioningGenerator.defaults,
        prometheusUrl: 'http://$HOST:9090',
        updateIntervalSeconds: 0,
      }),
    ).toEqual([
      'prometheusUrl must be an http(s) URL without $, got "http://$HOST:9090"',
      'updateIntervalSeconds must be a whole number of seconds >= 1, got 0',
    ]);
  });
});

describe('grafana.com export format', () => {
  const d = buildDashboards(shop()).dashboards[1]!.json;
  const before = JSON.stringify(d);
  const e = toGrafanaComFormat(d);

  it('declares its inputs and requirements first', () => {
    expect(Object.keys(e).slice(0, 3)).toEqual(['__inputs', '__elements', '__requires']);
    expect((e.__inputs as { name: string; type: string }[]).map((i) => [i.name, i.type])).toEqual([
      ['DS_PROMETHEUS', 'datasource'],
      ['VAR_JAEGER_URL', 'constant'],
      ['VAR_KIBANA_URL', 'constant'],
    ]);
    expect(
      (e.__requires as { type: string; id: string }[]).map((r) => `${r.type}:${r.id}`),
    ).toEqual([
      'grafana:grafana',
      'datasource:prometheus',
      'panel:stat',
      'panel:table',
      'panel:timeseries',
    ]);
  });

  it('puts ${DS_…} and ${VAR_…} placeholders where the importer fills in values, and does not touch the input', () => {
    const vars = (
      e.templating as { list: { name: string; query?: string; current?: { value: string } }[] }
    ).list;
    expect(vars.find((v) => v.name === 'datasource')?.current?.value).toBe('${DS_PROMETHEUS}');
    expect(vars.find((v) => v.name === 'jaeger_url')?.query).toBe('${VAR_JAEGER_URL}');
    expect(e.id).toBeNull();
    expect(JSON.stringify(d)).toBe(before);
  });
});
