/**
 * The shop-native fixture system running natively for the dashboards' integration test: real
 * instrumented services (Flask and FastAPI under opentelemetry-instrument, with SQLite and a real
 * Redis; Express with the OpenTelemetry Node SDK and prom-client) send OTLP to a real Collector
 * (span metrics, Prometheus exporter), which forwards traces to a real Jaeger; a real Prometheus
 * scrapes the Collector and
 * the Node service's /metrics and evaluates the alert rules. The Collector config, prometheus.yml
 * and rules are the generated ones. Every port is picked free at run time.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { collectorGenerator } from '../../../collectors/collector/generator.js';
import { prometheusGenerator } from '../../../compose/prometheus/generator.js';
import { writeGenerated } from '../../../core/writer.js';
import { serviceOtelEnv, stackPaths } from '../../../model/conventions.js';
import { runGenerator } from '../../../model/generator.js';
import { parseModel } from '../../../model/load.js';
import type { SystemModel } from '../../../model/schema.js';
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

export async function startNativeStack(model: SystemModel): Promise<NativeStack> {
  const dir = mkdtempSync(path.join(tmpdir(), 'obs-dash-native-'));
  const procs: Proc[] = [];
  const stop = async () => {
    for (const p of [...procs].reverse()) await p.stop();
    await rm(dir, { recursive: true, force: true });
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

    // The Collector config, prometheus.yml and alert rules `obs init` generates, pointed at loopback.
    const loopback = '127.0.0.1';
    svc('catalog').port = port.catalog;
    await writeGenerated(
      dir,
      [
        ...runGenerator(collectorGenerator, model, {
          listenHost: loopback,
          hosts: { jaeger: loopback, elasticsearch: loopback, logstash: loopback },
        }).files,
        ...runGenerator(prometheusGenerator, model, {
          collectorHost: loopback,
          selfTarget: `${loopback}:${p.prometheus}`,
          serviceHosts: { catalog: loopback },
        }).files,
      ],
      { command: 'obs init' },
    );
    const files = stackPaths(model);
    const collector = startProcess(
      'collector',
      tools.otelcol(),
      [`--config=file:${path.join(dir, files.collectorConfig)}`],
      { log: path.join(dir, 'collector.log') },
    );
    procs.push(collector);
    await waitForHttp(collector, `http://${loopback}:${p.collectorHealth}/`);

    const prometheus = startProcess(
      'prometheus',
      tools.prometheus(),
      [
        `--config.file=${path.join(dir, files.prometheusConfig)}`,
        `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
        `--web.listen-address=${loopback}:${p.prometheus}`,
      ],
      { log: path.join(dir, 'prometheus.log') },
    );
    procs.push(prometheus);
    await waitForHttp(prometheus, `http://${loopback}:${p.prometheus}/-/ready`);

    const redisPort = await freePort();
    const redis = startProcess(
      'redis',
      tools.redisServer(),
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { log: path.join(dir, 'redis.log') },
    );
    procs.push(redis);

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
      {
        cwd: APPS,
        env: { ...env('orders'), REDIS_URL: `redis://127.0.0.1:${redisPort}/0` },
        log: path.join(dir, 'orders.log'),
      },
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
