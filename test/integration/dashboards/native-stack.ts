/**
 * The shop-native fixture system running natively for the dashboards' integration test: real
 * instrumented services (Flask and FastAPI under opentelemetry-instrument, with SQLite and a real
 * Redis; Express with the generated Node instrumentation and prom-client) send OTLP to a real
 * Collector (span metrics, Prometheus exporter), which forwards traces to a real Jaeger; a real
 * Prometheus scrapes the Collector and the Node service's /metrics and evaluates the alert rules.
 * The Collector config, prometheus.yml, rules and Node instrumentation are the generated ones.
 * Every port is picked free at run time.
 */
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collectorGenerator } from '../../../collectors/collector/generator.js';
import { nodeInstrumentation } from '../../../collectors/node/generator.js';
import { prometheusGenerator } from '../../../compose/prometheus/generator.js';
import { writeGenerated } from '../../../core/writer.js';
import { serviceOtelEnv, stackPaths } from '../../../model/conventions.js';
import { runGenerator } from '../../../model/generator.js';
import { parseModel } from '../../../model/load.js';
import type { SystemModel } from '../../../model/schema.js';
import { startJaeger } from '../../support/jaeger.js';
import { freePorts } from '../../support/ports.js';
import type { Running } from '../../support/processes.js';
import { httpGet, start, waitFor } from '../../support/processes.js';
import { onFreePorts } from '../../support/stack-model.js';
import { tools } from '../../support/tools.js';

export const MODEL_FILE = 'test/fixtures/models/shop-native.obs.yaml';
const APPS = path.resolve('test/fixtures/apps/shop-native');

export interface NativeStack {
  model: SystemModel;
  dir: string;
  prometheus: string;
  jaeger: string;
  gateway: string;
  procs: Running[];
  stop(): Promise<void>;
}

/** The fixture model with every stack port replaced by a free one. */
export function nativeModel(): Promise<SystemModel> {
  return onFreePorts(parseModel(readFileSync(MODEL_FILE, 'utf8'), MODEL_FILE));
}

export async function startNativeStack(model: SystemModel): Promise<NativeStack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'obs-dash-native-'));
  const procs: Running[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const p of [...procs].reverse()) await p.stop();
    for (const s of stoppers.reverse()) await s();
    await rm(dir, { recursive: true, force: true });
  };
  const svc = (name: string) => model.services.find((s) => s.name === name)!;
  const p = model.stack.ports;
  const [gatewayPort, ordersPort, catalogPort, redisPort] = (await freePorts(4)) as [
    number,
    number,
    number,
    number,
  ];
  const loopback = '127.0.0.1';
  const up = (what: string, url: string, proc: Running) =>
    waitFor(what, () => httpGet(url), { procs: [proc] });
  try {
    const jaeger = await startJaeger();
    stoppers.push(() => jaeger.stop());
    p.jaegerOtlpGrpc = jaeger.otlpGrpc;

    // The Collector config, prometheus.yml, alert rules and Node instrumentation `obs init`
    // generates, pointed at loopback.
    svc('catalog').port = catalogPort;
    const node = runGenerator(nodeInstrumentation, model).files;
    await writeGenerated(
      dir,
      [
        ...node,
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
    const collector = start('collector', tools.otelcol(), [
      `--config=file:${path.join(dir, files.collectorConfig)}`,
    ]);
    procs.push(collector);
    await up('the Collector', `http://${loopback}:${p.collectorHealth}/`, collector);

    const prometheus = start('prometheus', tools.prometheus(), [
      `--config.file=${path.join(dir, files.prometheusConfig)}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=${loopback}:${p.prometheus}`,
    ]);
    procs.push(prometheus);
    await up('Prometheus', `http://${loopback}:${p.prometheus}/-/ready`, prometheus);

    const redis = start('redis', tools.redisServer(), [
      '--port',
      String(redisPort),
      '--bind',
      loopback,
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    procs.push(redis);

    // Metrics every 5 s instead of 15 s, so a short run has enough samples; logs are not tested here.
    const env = (name: string) => ({
      ...serviceOtelEnv(model, svc(name), `http://${loopback}:${p.otlpHttp}`),
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
      OTEL_LOGS_EXPORTER: 'none',
    });
    const instrument = tools.venvBin('opentelemetry-instrument');
    const orders = start(
      'orders',
      instrument,
      [tools.venvBin('uvicorn'), 'orders:app', '--host', loopback, '--port', String(ordersPort)],
      { cwd: APPS, env: { ...env('orders'), REDIS_URL: `redis://${loopback}:${redisPort}/0` } },
    );
    procs.push(orders);
    // The Node service as the generated README runs it: its own folder with node_modules, and
    // the generated instrumentation preloaded.
    const catalogDir = path.join(dir, 'catalog');
    await mkdir(catalogDir);
    await copyFile(path.join(APPS, 'catalog.cjs'), path.join(catalogDir, 'catalog.cjs'));
    await symlink(tools.nodeInstrumentation(), path.join(catalogDir, 'node_modules'));
    const preload = node.find((f) => f.path.endsWith('/instrumentation.cjs'))!.path;
    const catalog = start(
      'catalog',
      process.execPath,
      ['--require', path.join(dir, preload), 'catalog.cjs'],
      {
        cwd: catalogDir,
        env: { ...env('catalog'), PORT: String(catalogPort) },
      },
    );
    procs.push(catalog);
    const gateway = start('gateway', instrument, [tools.python(), 'gateway.py'], {
      cwd: APPS,
      env: {
        ...env('gateway'),
        PORT: String(gatewayPort),
        ORDERS_URL: `http://${loopback}:${ordersPort}`,
        CATALOG_URL: `http://${loopback}:${catalogPort}`,
      },
    });
    procs.push(gateway);
    await up('orders', `http://${loopback}:${ordersPort}/docs`, orders);
    await up('catalog', `http://${loopback}:${catalogPort}/items`, catalog);
    await up('gateway', `http://${loopback}:${gatewayPort}/shop/items`, gateway);
    return {
      model,
      dir,
      prometheus: `http://${loopback}:${p.prometheus}`,
      jaeger: jaeger.queryUrl,
      gateway: `http://${loopback}:${gatewayPort}`,
      procs,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
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
