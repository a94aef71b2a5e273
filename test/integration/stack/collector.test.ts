/**
 * The Collector built from the generated builder manifest (scripts/setup.d/collector.sh) runs the
 * generated config: it has exactly the manifest's components, `validate` passes (and fails on a
 * broken config), it starts and answers on its health endpoint. A real Prometheus 2.42 started
 * with the generated prometheus.yml and rules then scrapes span metrics made from spans sent over
 * OTLP/HTTP, which the file exporter also archives: this proves the metric and label names in
 * model/conventions.ts against the real components, and that the recording rules compute from
 * them. Everything runs on free ports.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMPONENTS } from '../../../collectors/collector/components.js';
import { collectorGenerator } from '../../../collectors/collector/generator.js';
import { prometheusGenerator } from '../../../compose/prometheus/generator.js';
import { RECORDED } from '../../../compose/prometheus/rules.js';
import { writeGenerated } from '../../../core/writer.js';
import {
  COLLECTOR_METRICS,
  METRICS,
  SCRAPE_JOBS,
  SPAN_KIND_SERVER,
  SPAN_LABELS,
  STATUS_ERROR,
  TRACE_ARCHIVE,
  leMatcher,
  sdkJob,
  stackPaths,
} from '../../../model/conventions.js';
import { runGenerator } from '../../../model/generator.js';
import type { SystemModel } from '../../../model/schema.js';
import { fixtureModel } from '../../support/models.js';
import { freePorts } from '../../support/ports.js';
import { onFreePorts } from '../../support/stack-model.js';
import { tools } from '../../support/tools.js';
import type { Server } from './helpers.js';
import { run, start, waitFor } from './helpers.js';

const LOOPBACK = '127.0.0.1';
let root: string;
let model: SystemModel;
let configFile: string;
let promPort: number;
const servers: Server[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'obs-collector-'));
  const shop = fixtureModel('shop');
  const [orderPort] = await freePorts(1);
  // Short intervals so that metrics arrive within seconds; order-service gets a port nothing
  // listens on, so its scrape target is down.
  model = await onFreePorts({
    ...shop,
    services: shop.services.map((s) =>
      s.name === 'order-service' ? { ...s, port: orderPort } : s,
    ),
    stack: {
      ...shop.stack,
      spanMetricsFlushInterval: '2s',
      scrapeInterval: '2s',
      // On, as in examples/shop/obs.yaml, whose manifest the test Collector is built from
      // (scripts/setup.d/collector.sh): the component sets must match.
      traceArchive: { ...shop.stack.traceArchive, enabled: true },
    },
  });
  promPort = model.stack.ports.prometheus;
  const collector = runGenerator(collectorGenerator, model, {
    listenHost: LOOPBACK,
    hosts: { jaeger: LOOPBACK, elasticsearch: LOOPBACK, logstash: LOOPBACK },
    traceArchiveDir: path.join(root, 'traces'),
  });
  const prometheus = runGenerator(prometheusGenerator, model, {
    collectorHost: LOOPBACK,
    selfTarget: `${LOOPBACK}:${promPort}`,
    serviceHosts: { 'order-service': LOOPBACK },
  });
  await writeGenerated(root, [...collector.files, ...prometheus.files], { command: 'obs init' });
  configFile = path.join(root, stackPaths(model).collectorConfig);
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  await rm(root, { recursive: true, force: true });
});

/** Component types by kind, as `otelcol components` prints them or a manifest implies them. */
type Kinds = Record<string, string[]>;

function manifestKinds(manifestText: string): Kinds {
  const manifest = parse(manifestText) as Record<string, { gomod: string }[] | undefined>;
  const kinds: Kinds = {};
  for (const section of ['receivers', 'processors', 'connectors', 'exporters', 'extensions']) {
    kinds[section] = (manifest[section] ?? [])
      .map((m) => Object.values(COMPONENTS).find((c) => m.gomod.startsWith(`${c.module} `))?.type)
      .map((t) => t ?? 'unknown')
      .sort();
  }
  return kinds;
}

describe('the Collector built from the generated manifest', () => {
  it('has exactly the components the generated manifest lists', async () => {
    const manifest = await readFile(path.join(root, stackPaths(model).collectorBuilder), 'utf8');
    const out = await run(tools.otelcol(), ['components']);
    expect(out.code, out.stderr).toBe(0);
    const listed = parse(out.stdout) as Record<string, { name: string }[] | undefined>;
    const built: Kinds = {};
    for (const section of ['receivers', 'processors', 'connectors', 'exporters', 'extensions']) {
      built[section] = (listed[section] ?? []).map((c) => c.name).sort();
    }
    expect(built, 'the tool is stale: run ./scripts/setup.sh --test-tools').toEqual(
      manifestKinds(manifest),
    );
  });

  it('validates the generated config', async () => {
    const out = await run(tools.otelcol(), ['validate', `--config=file:${configFile}`]);
    expect(out.code, out.stdout + out.stderr).toBe(0);
  });

  it('rejects a config with an old component spelling (validate is a real check)', async () => {
    const broken = path.join(root, 'broken.yaml');
    await writeFile(
      broken,
      (await readFile(configFile, 'utf8')).replaceAll('span_metrics', 'spanmetricz'),
    );
    const out = await run(tools.otelcol(), ['validate', `--config=file:${broken}`]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('spanmetricz');
  });

  it('starts and answers on its health endpoint', async () => {
    const server = start(
      tools.otelcol(),
      [`--config=file:${configFile}`],
      path.join(root, 'otelcol.log'),
    );
    servers.push(server);
    const url = `http://${LOOPBACK}:${model.stack.ports.collectorHealth}/`;
    const body = await waitFor(
      'the Collector health check',
      async () => {
        const res = await fetch(url);
        return res.ok ? await res.text() : undefined;
      },
      30_000,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await server.output()}`);
    });
    expect(JSON.parse(body)).toMatchObject({ status: 'Server available' });
  });
});

// --- Spans in, span metrics out through a real Prometheus ---

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** One OTLP/HTTP JSON request: server spans of `service`, some failing, some slow. */
function spans(service: string, count: number) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'service.namespace', value: { stringValue: model.name } },
          ],
        },
        scopeSpans: [
          {
            scope: { name: 'obs-test' },
            spans: Array.from({ length: count }, (_, i) => {
              const ms = i % 3 === 2 ? 800n : 100n; // every third is slower than 500 ms
              return {
                traceId: hex(16),
                spanId: hex(8),
                name: 'GET /items',
                kind: 2,
                startTimeUnixNano: String(now - ms * 1_000_000n),
                endTimeUnixNano: String(now),
                status: { code: i % 3 === 1 ? 2 : 0 }, // every third fails
              };
            }),
          },
        ],
      },
    ],
  };
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<Sample[]> {
  const url = `http://${LOOPBACK}:${promPort}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const res = await fetch(url);
  const body = (await res.json()) as {
    status: string;
    data?: { result: Sample[] };
    error?: string;
  };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error ?? res.status}`);
  return body.data?.result ?? [];
}

const nonEmpty = (promql: string) => async () => {
  const r = await query(promql);
  return r.length > 0 ? r : undefined;
};

describe('a real Prometheus on the generated prometheus.yml', () => {
  let sender: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    const dir = path.join(root, path.dirname(stackPaths(model).prometheusConfig));
    const server = start(
      tools.prometheus(),
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--web.listen-address=${LOOPBACK}:${promPort}`,
        `--storage.tsdb.path=${path.join(root, 'prometheus-data')}`,
      ],
      path.join(root, 'prometheus.log'),
    );
    servers.push(server);
    await waitFor('Prometheus to be ready', async () => {
      const res = await fetch(`http://${LOOPBACK}:${promPort}/-/ready`);
      return res.ok ? true : undefined;
    }).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await server.output()}`);
    });
    // Spans keep arriving (as from a live service) so that counters grow between scrapes.
    const send = async () => {
      for (const service of ['gateway', 'catalog']) {
        await fetch(`http://${LOOPBACK}:${model.stack.ports.otlpHttp}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(spans(service, 30)),
        });
      }
    };
    await send();
    sender = setInterval(() => void send().catch(() => undefined), 1000);
  });

  afterAll(() => clearInterval(sender));

  it('scrapes the Collector exporter, the Collector itself and itself; a dead service is down', async () => {
    const health = await waitFor('all scrape targets to report', async () => {
      const res = await fetch(`http://${LOOPBACK}:${promPort}/api/v1/targets`);
      const body = (await res.json()) as {
        data: { activeTargets: { labels: { job: string }; health: string }[] };
      };
      const byJob = Object.fromEntries(
        body.data.activeTargets.map((t) => [t.labels.job, t.health]),
      );
      return Object.values(byJob).every((h) => h !== 'unknown') && Object.keys(byJob).length === 4
        ? byJob
        : undefined;
    });
    expect(health).toEqual({
      [SCRAPE_JOBS.collectorExporter]: 'up',
      [SCRAPE_JOBS.collectorSelf]: 'up',
      [SCRAPE_JOBS.prometheus]: 'up',
      'order-service': 'down',
    });
  });

  it('gets span metrics under the names and labels of model/conventions.ts', async () => {
    const gateway = model.services.find((s) => s.name === 'gateway')!;
    const calls = await waitFor(
      'span call counts',
      nonEmpty(`${METRICS.spanCalls}{${SPAN_LABELS.service}="gateway"} > 0`),
    );
    const labels = calls.map((s) => s.metric);
    expect(labels).toContainEqual(
      expect.objectContaining({
        job: sdkJob(model, gateway), // kept by honor_labels
        [SPAN_LABELS.service]: 'gateway',
        [SPAN_LABELS.operation]: 'GET /items',
        [SPAN_LABELS.kind]: SPAN_KIND_SERVER,
        [SPAN_LABELS.status]: STATUS_ERROR,
      }),
    );
    // The SLO thresholds are buckets, selected by the matcher the rules use.
    for (const ms of [500, 250, 1000]) {
      const q = `${METRICS.spanDuration}_bucket{${SPAN_LABELS.service}="gateway",${leMatcher(ms)}}`;
      expect(await query(q), q).not.toHaveLength(0);
    }
    expect(
      await query(`${METRICS.spanDuration}_count{${SPAN_LABELS.service}="catalog"}`),
    ).not.toHaveLength(0);
  });

  it('archives the spans it receives as OTLP JSON lines (stack.traceArchive)', async () => {
    const file = path.join(root, 'traces', TRACE_ARCHIVE.file);
    const services = await waitFor('archived spans of gateway and catalog', async () => {
      const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
      const names = new Set(
        lines.flatMap((l) =>
          (
            JSON.parse(l) as { resourceSpans: { resource: { attributes: unknown[] } }[] }
          ).resourceSpans
            .flatMap((r) => r.resource.attributes)
            .filter((a) => (a as { key: string }).key === 'service.name')
            .map((a) => (a as { value: { stringValue: string } }).value.stringValue),
        ),
      );
      return names.has('gateway') && names.has('catalog') ? names : undefined;
    });
    expect([...services].sort()).toEqual(['catalog', 'gateway']);
  });

  it("gets the Collector's own metrics under the names of COLLECTOR_METRICS", async () => {
    const seen = await waitFor(
      'accepted spans',
      nonEmpty(`${COLLECTOR_METRICS.acceptedSpans} > 0`),
    );
    expect(seen[0]?.metric).toMatchObject({ job: SCRAPE_JOBS.collectorSelf, receiver: 'otlp' });
    for (const name of [
      COLLECTOR_METRICS.refusedSpans,
      COLLECTOR_METRICS.sentMetricPoints,
      COLLECTOR_METRICS.queueSize,
      COLLECTOR_METRICS.queueCapacity,
    ]) {
      await waitFor(name, nonEmpty(name), 20_000);
    }
  });

  it('evaluates the recording rules and loads every rule without error', async () => {
    const sel = `{${SPAN_LABELS.service}="gateway"}`;
    const rate = await waitFor(
      'recorded request rate',
      nonEmpty(`${RECORDED.requests('5m')}${sel} > 0`),
    );
    expect(Number(rate[0]?.value[1])).toBeGreaterThan(0);
    // A third of the spans fail and a third are slower than the 500 ms threshold.
    const errors = await waitFor(
      'recorded error ratio',
      nonEmpty(`${RECORDED.errorRatio('5m')}${sel}`),
    );
    expect(Number(errors[0]?.value[1])).toBeCloseTo(1 / 3, 1);
    const slow = await waitFor(
      'recorded slow ratio',
      nonEmpty(`${RECORDED.slowRatio('5m')}${sel}`),
    );
    expect(Number(slow[0]?.value[1])).toBeCloseTo(1 / 3, 1);

    const res = await fetch(`http://${LOOPBACK}:${promPort}/api/v1/rules`);
    const body = (await res.json()) as {
      data: {
        groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[];
      };
    };
    const bad = body.data.groups.flatMap((g) =>
      g.rules.filter((r) => r.health === 'err').map((r) => `${g.name}/${r.name}: ${r.lastError}`),
    );
    expect(bad).toEqual([]);
    expect(body.data.groups.length).toBe(model.services.length * 2 + 1);
  });
});
