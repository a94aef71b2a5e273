/**
 * A real Jaeger v2 for integration tests, on free loopback ports: OTLP in (traces to its memory
 * store; metrics and logs to the debug exporter, so SDKs that export all three signals get real
 * OTLP answers and their log records can be checked in Jaeger's output), query API out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePorts } from './ports.js';
import { httpGet, start, waitFor } from './processes.js';
import type { Running } from './processes.js';
import { tools } from './tools.js';

export interface Jaeger {
  otlpHttp: number;
  otlpGrpc: number;
  /** Base URL of the query API, e.g. http://127.0.0.1:40123. */
  queryUrl: string;
  process: Running;
  stop(): Promise<void>;
}

function config(p: {
  grpc: number;
  http: number;
  query: number;
  queryGrpc: number;
  health: number;
}) {
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
    metrics:
      receivers: [otlp]
      exporters: [nop]
    logs:
      receivers: [otlp]
      exporters: [debug]
  telemetry:
    metrics:
      level: none
    logs:
      level: info
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${p.health}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${p.query}
    grpc:
      endpoint: 127.0.0.1:${p.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${p.grpc}
      http:
        endpoint: 127.0.0.1:${p.http}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
  nop: {}
  debug:
    verbosity: detailed
`;
}

export async function startJaeger(): Promise<Jaeger> {
  const [grpc, http, query, queryGrpc, health] = (await freePorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const dir = await mkdtemp(path.join(tmpdir(), 'obs-jaeger-'));
  const file = path.join(dir, 'jaeger.yaml');
  await writeFile(file, config({ grpc, http, query, queryGrpc, health }));
  // Jaeger traces itself to an OTLP endpoint on 4317 by default: off, it is not under test.
  const proc = start('jaeger', tools.jaeger(), ['--config', file], {
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_SDK_DISABLED: 'true' },
  });
  const queryUrl = `http://127.0.0.1:${query}`;
  const stop = async () => {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('Jaeger to answer', () => httpGet(`${queryUrl}/api/services`), { procs: [proc] });
  } catch (err) {
    await stop();
    throw err;
  }
  return { otlpHttp: http, otlpGrpc: grpc, queryUrl, process: proc, stop };
}
