/**
 * The generated stack run natively, without Docker: the Collector (the test build of the
 * generated manifest) on the generated config, and Prometheus 2.42 on the generated prometheus.yml
 * and rules. The configs are the generators' output for the model, with the hosts the compose
 * network would give (`jaeger`, `otel-collector`, /var/lib/otelcol/traces) moved to loopback and a
 * work folder: the generators' own config options for this. Ports are the model's (give it free
 * ones). Every process records its output, for failure messages.
 */
import path from 'node:path';
import { collectorGenerator } from '../../collectors/collector/generator.js';
import { prometheusGenerator } from '../../compose/prometheus/generator.js';
import { writeGenerated } from '../../core/writer.js';
import { TRACE_ARCHIVE, stackPaths } from '../../model/conventions.js';
import { runGenerator } from '../../model/generator.js';
import type { SystemModel } from '../../model/schema.js';
import type { Running } from './processes.js';
import { httpGet, start, waitFor } from './processes.js';
import { portIsFree } from './shop.js';
import { tools } from './tools.js';

const LOOPBACK = '127.0.0.1';

export interface NativeStack {
  collector: Running;
  prometheus: Running;
  /** http://127.0.0.1:<stack.ports.prometheus> */
  prometheusUrl: string;
  /** The collector config the Collector runs. */
  collectorConfig: string;
  /** Where the Collector's file exporter writes the trace archive (stack.traceArchive). */
  archiveFile: string;
  /** Stops Prometheus, then the Collector (which flushes its exporters), and waits for their ports. */
  stop(): Promise<void>;
}

/** The generated configs for a native run, written under `dir`. */
export async function writeNativeConfigs(model: SystemModel, dir: string) {
  const p = model.stack.ports;
  const archiveDir = path.join(dir, 'trace-archive');
  const files = [
    ...runGenerator(collectorGenerator, model, {
      listenHost: LOOPBACK,
      hosts: { jaeger: LOOPBACK, elasticsearch: LOOPBACK, logstash: LOOPBACK },
      traceArchiveDir: archiveDir,
    }).files,
    ...runGenerator(prometheusGenerator, model, {
      collectorHost: LOOPBACK,
      selfTarget: `${LOOPBACK}:${p.prometheus}`,
      serviceHosts: Object.fromEntries(
        model.services.filter((s) => s.metricsPath).map((s) => [s.name, LOOPBACK]),
      ),
    }).files,
  ];
  await writeGenerated(dir, files, { command: 'obs init' });
  const paths = stackPaths(model);
  return {
    collectorConfig: path.join(dir, paths.collectorConfig),
    prometheusConfig: path.join(dir, paths.prometheusConfig),
    archiveFile: path.join(archiveDir, TRACE_ARCHIVE.file),
  };
}

/** The stack ports a native run listens on. */
export function listeningPorts(model: SystemModel): number[] {
  const p = model.stack.ports;
  return [
    p.otlpGrpc,
    p.otlpHttp,
    p.collectorHealth,
    p.collectorMetrics,
    p.collectorPrometheus,
    p.prometheus,
  ];
}

/** Waits until every port is free; throws naming those still in use. */
export async function expectPortsFree(ports: readonly number[], timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let busy = [...ports];
  while (busy.length > 0 && Date.now() < deadline) {
    const still: number[] = [];
    for (const port of busy) if (!(await portIsFree(port))) still.push(port);
    busy = still;
    if (busy.length > 0) await new Promise((r) => setTimeout(r, 200));
  }
  if (busy.length > 0) throw new Error(`ports still in use: ${busy.join(', ')}`);
}

/** `collectorBin`: default the test build of the example's manifest (tools.otelcol()). */
export async function startNativeStack(
  model: SystemModel,
  dir: string,
  collectorBin = tools.otelcol(),
): Promise<NativeStack> {
  const files = await writeNativeConfigs(model, dir);
  const p = model.stack.ports;
  const collector = start('collector', collectorBin, [`--config=file:${files.collectorConfig}`]);
  const prometheus = start('prometheus', tools.prometheus(), [
    `--config.file=${files.prometheusConfig}`,
    `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
    `--web.listen-address=${LOOPBACK}:${p.prometheus}`,
  ]);
  const stop = async () => {
    await prometheus.stop();
    await collector.stop();
    await expectPortsFree(listeningPorts(model));
  };
  try {
    await waitFor(
      'the Collector health check',
      () => httpGet(`http://${LOOPBACK}:${p.collectorHealth}/`),
      {
        procs: [collector],
        timeoutMs: 30_000,
      },
    );
    await waitFor(
      'Prometheus to be ready',
      () => httpGet(`http://${LOOPBACK}:${p.prometheus}/-/ready`),
      {
        procs: [prometheus],
        timeoutMs: 30_000,
      },
    );
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return {
    collector,
    prometheus,
    prometheusUrl: `http://${LOOPBACK}:${p.prometheus}`,
    collectorConfig: files.collectorConfig,
    archiveFile: files.archiveFile,
    stop,
  };
}
