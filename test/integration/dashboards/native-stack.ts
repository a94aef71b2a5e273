/**
 * The shop-native fixture system running natively for the dashboards' integration test: real
 * instrumented services (Flask and FastAPI under opentelemetry-instrument, Express with the
 * OpenTelemetry Node SDK and prom-client) send OTLP to a real Collector (span metrics, Prometheus
 * exporter), which forwards traces to a real Jaeger; a real Prometheus scrapes the Collector and
 * the Node service's /metrics. Every port is picked free at run time.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  SCRAPE_JOBS,
  SPAN_DIMENSIONS,
  METRICS,
  SPAN_LABELS,
  STATUS_ERROR,
  serviceOtelEnv,
  serviceScrapeJob,
} from '../../../model/conventions.js';
import { parseModel } from '../../../model/load.js';
import type { ServiceModel, SystemModel } from '../../../model/schema.js';
import type { Proc } from '../../support/processes.js';
import { freePort, startProcess, waitForHttp } from '../../support/processes.js';
import { tools } from '../../support/tools.js';

export const MODEL_FILE = 'test/fixtures/models/shop-native.obs.yaml';
const APPS = path.resolve('test/fixtures/apps/shop-native');

export interface NativeStack {
  model: SystemModel;
  dir: string;
  prometheus: string;
  jaeger: string;
  gateway: string;
  procs: Proc[];
  stop(): Promise<void>;
}

/** The fixture model with every stack port replaced by a free one. */
export async function nativeModel(): Promise<SystemModel> {
  const model = parseModel(readFileSync(MODEL_FILE, 'utf8'), MODEL_FILE);
  const ports = model.stack.ports;
  for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
  return model;
}

/**
 * A Collector config with the components and settings obs's Collector generator writes (OTLP in,
 * memory_limiter, batch, span metrics with unit s and the SPAN_DIMENSIONS, Prometheus exporter,
 * OTLP to Jaeger, own metrics without suffixes), listening on loopback.
 * TODO(merge): replace with the generated config once collectors/collector lands on main.
 */
function collectorConfig(model: SystemModel): string {
  const p = model.stack.ports;
  const at = (port: number) => `127.0.0.1:${port}`;
  return stringify({
    extensions: { health_check: { endpoint: at(p.collectorHealth) } },
    receivers: {
      otlp: {
        protocols: { grpc: { endpoint: at(p.otlpGrpc) }, http: { endpoint: at(p.otlpHttp) } },
      },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      batch: {},
    },
    connectors: {
      span_metrics: {
        namespace: 'traces.span.metrics',
        histogram: { unit: 's' },
        dimensions: Object.values(SPAN_DIMENSIONS).map((d) => ({ name: d.attribute })),
        metrics_flush_interval: model.stack.spanMetricsFlushInterval,
      },
    },
    exporters: {
      'otlp_grpc/jaeger': { endpoint: at(p.jaegerOtlpGrpc), tls: { insecure: true } },
      prometheus: {
        endpoint: at(p.collectorPrometheus),
        resource_to_telemetry_conversion: { enabled: false },
      },
    },
    service: {
      extensions: ['health_check'],
      telemetry: {
        metrics: {
          level: 'normal',
          readers: [
            {
              pull: {
                exporter: {
                  prometheus: {
                    host: '127.0.0.1',
                    port: p.collectorMetrics,
                    without_units: true,
                    without_type_suffix: true,
                  },
                },
              },
            },
          ],
        },
      },
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: ['memory_limiter', 'batch'],
          exporters: ['otlp_grpc/jaeger', 'span_metrics'],
        },
        metrics: {
          receivers: ['otlp', 'span_metrics'],
          processors: ['memory_limiter', 'batch'],
          exporters: ['prometheus'],
        },
      },
    },
  });
}

function jaegerConfig(model: SystemModel, ports: { health: number; grpcQuery: number }): string {
  const p = model.stack.ports;
  return stringify({
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: ['batch'],
          exporters: ['jaeger_storage_exporter'],
        },
      },
      telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `127.0.0.1:${ports.health}` } },
      jaeger_query: {
        storage: { traces: 'mem' },
        http: { endpoint: `127.0.0.1:${p.jaegerUi}` },
        grpc: { endpoint: `127.0.0.1:${ports.grpcQuery}` },
      },
      jaeger_storage: { backends: { mem: { memory: { max_traces: 10000 } } } },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${p.jaegerOtlpGrpc}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'mem' } },
  });
}

/** An alert that fires on real data (failed server spans), so that ALERTS has a series. */
const ALERT_RULES = stringify({
  groups: [
    {
      name: 'dashboards-test',
      rules: [
        {
          alert: 'ServerSpansFailing',
          expr: `sum by (${SPAN_LABELS.service}) (rate(${METRICS.spanCalls}{${SPAN_LABELS.status}="${STATUS_ERROR}"}[30s])) > 0`,
          labels: { severity: 'warning' },
          annotations: { summary: 'Server spans are failing' },
        },
      ],
    },
  ],
});

function prometheusConfig(
  model: SystemModel,
  catalog: { service: ServiceModel; port: number },
): string {
  const p = model.stack.ports;
  const target = (port: number) => ({ static_configs: [{ targets: [`127.0.0.1:${port}`] }] });
  return stringify({
    global: {
      scrape_interval: model.stack.scrapeInterval,
      evaluation_interval: model.stack.scrapeInterval,
    },
    rule_files: ['rules.yml'],
    scrape_configs: [
      { job_name: SCRAPE_JOBS.prometheus, ...target(p.prometheus) },
      { job_name: SCRAPE_JOBS.collectorSelf, ...target(p.collectorMetrics) },
      // The exporter's job/instance labels (service.namespace/service.name) must survive.
      {
        job_name: SCRAPE_JOBS.collectorExporter,
        honor_labels: true,
        ...target(p.collectorPrometheus),
      },
      {
        job_name: serviceScrapeJob(catalog.service),
        metrics_path: catalog.service.metricsPath ?? '/metrics',
        ...target(catalog.port),
      },
    ],
  });
}

export async function startNativeStack(model: SystemModel): Promise<NativeStack> {
  const dir = mkdtempSync(path.join(tmpdir(), 'obs-dash-native-'));
  const procs: Proc[] = [];
  const stop = async () => {
    for (const p of [...procs].reverse()) await p.stop();
  };
  const svc = (name: string) => model.services.find((s) => s.name === name)!;
  const p = model.stack.ports;
  const port = { gateway: await freePort(), orders: await freePort(), catalog: await freePort() };
  const jaegerPorts = { health: await freePort(), grpcQuery: await freePort() };
  const otlp = `http://127.0.0.1:${p.otlpHttp}`;
  try {
    writeFileSync(path.join(dir, 'jaeger.yaml'), jaegerConfig(model, jaegerPorts));
    const jaeger = startProcess(
      'jaeger',
      tools.jaeger(),
      ['--config', path.join(dir, 'jaeger.yaml')],
      {
        log: path.join(dir, 'jaeger.log'),
        env: { OTEL_TRACES_EXPORTER: 'none' },
      },
    );
    procs.push(jaeger);
    await waitForHttp(jaeger, `http://127.0.0.1:${jaegerPorts.health}/status`);

    writeFileSync(path.join(dir, 'collector.yaml'), collectorConfig(model));
    const collector = startProcess(
      'collector',
      tools.otelcol(),
      ['--config', path.join(dir, 'collector.yaml')],
      {
        log: path.join(dir, 'collector.log'),
      },
    );
    procs.push(collector);
    await waitForHttp(collector, `http://127.0.0.1:${p.collectorHealth}/`);

    writeFileSync(path.join(dir, 'rules.yml'), ALERT_RULES);
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      prometheusConfig(model, { service: svc('catalog'), port: port.catalog }),
    );
    const prometheus = startProcess(
      'prometheus',
      tools.prometheus(),
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${p.prometheus}`,
      ],
      { log: path.join(dir, 'prometheus.log') },
    );
    procs.push(prometheus);
    await waitForHttp(prometheus, `http://127.0.0.1:${p.prometheus}/-/ready`);

    // Metrics every 5 s instead of 15 s, so a short run has enough samples; logs are not tested here.
    const env = (name: string) => ({
      ...serviceOtelEnv(model, svc(name), otlp),
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
      OTEL_LOGS_EXPORTER: 'none',
    });
    const instrument = tools.venvBin('opentelemetry-instrument');
    const orders = startProcess(
      'orders',
      instrument,
      [
        tools.venvBin('uvicorn'),
        'orders:app',
        '--host',
        '127.0.0.1',
        '--port',
        String(port.orders),
      ],
      { cwd: APPS, env: env('orders'), log: path.join(dir, 'orders.log') },
    );
    procs.push(orders);
    const catalog = startProcess(
      'catalog',
      process.execPath,
      ['--require', './instrumentation.cjs', 'catalog.cjs'],
      {
        cwd: APPS,
        env: { ...env('catalog'), PORT: String(port.catalog), NODE_PATH: tools.nodeOtelModules() },
        log: path.join(dir, 'catalog.log'),
      },
    );
    procs.push(catalog);
    const gateway = startProcess('gateway', instrument, [tools.python(), 'gateway.py'], {
      cwd: APPS,
      env: {
        ...env('gateway'),
        PORT: String(port.gateway),
        ORDERS_URL: `http://127.0.0.1:${port.orders}`,
        CATALOG_URL: `http://127.0.0.1:${port.catalog}`,
      },
      log: path.join(dir, 'gateway.log'),
    });
    procs.push(gateway);
    await waitForHttp(orders, `http://127.0.0.1:${port.orders}/docs`);
    await waitForHttp(catalog, `http://127.0.0.1:${port.catalog}/items`);
    await waitForHttp(gateway, `http://127.0.0.1:${port.gateway}/shop/items`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    model,
    dir,
    prometheus: `http://127.0.0.1:${p.prometheus}`,
    jaeger: `http://127.0.0.1:${p.jaegerUi}`,
    gateway: `http://127.0.0.1:${port.gateway}`,
    procs,
    stop,
  };
}

/**
 * Shopper traffic for `seconds`, `concurrency` requests at a time: checkouts, item lists and order
 * reads (a third of which fail in orders, and so in the gateway). Bounded in time.
 */
export async function driveLoad(
  gateway: string,
  seconds: number,
  concurrency = 4,
): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let sent = 0;
  const worker = async (w: number) => {
    for (let i = 0; Date.now() < until; i++) {
      const pick = (i + w) % 3;
      const req =
        pick === 0
          ? fetch(`${gateway}/shop/checkout`, { method: 'POST' })
          : pick === 1
            ? fetch(`${gateway}/shop/items`)
            : fetch(`${gateway}/shop/orders/${1 + (i % 5)}`);
      await req.then((r) => r.arrayBuffer()).catch(() => undefined);
      sent++;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return sent;
}
