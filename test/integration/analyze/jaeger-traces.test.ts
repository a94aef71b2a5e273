/**
 * `obs analyze traces --jaeger` against a real Jaeger v2 (tools.jaeger()) on free loopback
 * ports: spans go in as OTLP/HTTP JSON, the analysis reads them back through the query API.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tools } from '../../support/tools.js';
import { runObs } from '../../support/run-obs.js';
import type { TraceReport } from '../../../analyze/report/shape.js';

const FIXTURE = path.resolve(
  import.meta.dirname,
  '../../fixtures/traces/checkout-otlp-lines/traces.jsonl',
);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function jaegerConfig(p: { http: number; grpc: number; query: number; queryGrpc: number }): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
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
          max_traces: 10000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${p.grpc}
      http:
        endpoint: 127.0.0.1:${p.http}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

/** The checkout fixture as OTLP/HTTP JSON bodies, moved to now and given `n` trace ids. */
async function checkoutRequests(n: number, now: number): Promise<string[]> {
  const lines = (await readFile(FIXTURE, 'utf8')).trim().split('\n');
  const shift = BigInt(now - 1_700_000_000_000 - 60_000) * 1_000_000n;
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const traceId = `5b8efff798038103d269b633813f${k.toString(16).padStart(4, '0')}`;
    for (const line of lines) {
      const moved = line
        .replace(
          /"(start|end)TimeUnixNano":"(\d+)"/g,
          (_, which: string, ns: string) =>
            `"${which}TimeUnixNano":"${BigInt(ns) + shift + BigInt(k) * 1_000_000_000n}"`,
        )
        .replaceAll('5b8efff798038103d269b633813fc60c', traceId);
      out.push(moved);
    }
  }
  return out;
}

describe('obs analyze traces --jaeger (real Jaeger v2)', () => {
  let dir: string;
  let jaeger: ChildProcess;
  let queryUrl: string;
  let stderr = '';

  beforeAll(async () => {
    const [http, grpc, query, queryGrpc] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    dir = await mkdtemp(path.join(tmpdir(), 'obs-jaeger-traces-'));
    const config = path.join(dir, 'jaeger.yaml');
    await writeFile(config, jaegerConfig({ http, grpc, query, queryGrpc }));
    jaeger = spawn(tools.jaeger(), ['--config', `file:${config}`], {
      env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', OTEL_SDK_DISABLED: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    jaeger
      .stderr!.setEncoding('utf8')
      .on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    queryUrl = `http://127.0.0.1:${query}`;
    await until(`Jaeger's query API (${stderr})`, async () =>
      (await fetch(`${queryUrl}/api/services`)).ok ? true : undefined,
    );
    for (const body of await checkoutRequests(5, Date.now())) {
      const res = await fetch(`http://127.0.0.1:${http}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status, await res.text()).toBe(200);
    }
    await until('the traces to be stored', async () => {
      const res = await fetch(`${queryUrl}/api/traces?service=frontend&limit=100&lookback=1h`);
      const doc = (await res.json()) as { data: { spans: unknown[] }[] };
      return doc.data.length === 5 && doc.data.every((t) => t.spans.length === 6)
        ? true
        : undefined;
    });
  });

  afterAll(async () => {
    if (jaeger !== undefined && jaeger.exitCode === null) {
      const exited = new Promise((r) => jaeger.once('exit', r));
      jaeger.kill('SIGTERM');
      await exited;
    }
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('reads the traces back through the query API, page by page, and finds the failing service', async () => {
    const r = await runObs([
      'analyze',
      'traces',
      '--jaeger',
      queryUrl,
      '--service',
      'frontend',
      '--since',
      '1h',
      '--limit',
      '2',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as TraceReport;
    if (report.input.spans !== 30)
      console.log(JSON.stringify(report.input), JSON.stringify(report.warnings));
    expect(report.input.sources).toEqual([
      expect.objectContaining({ format: 'jaeger', layout: 'api', spans: 30 }),
    ]);
    expect(report.input).toMatchObject({ spans: 30, traces: 5, partialTraces: 0 });
    // Two traces per answer: the window was asked in parts.
    expect(report.input.sources[0]!.lines).toBeGreaterThanOrEqual(3);
    expect(report.services.map((s) => s.service).sort()).toEqual([
      'frontend',
      'orders',
      'payments',
    ]);
    expect(report.rootCauses[0]!.service).toBe('payments');
    expect(report.errorOrigins.services[0]).toMatchObject({ service: 'payments', traces: 5 });
  });

  it('says so when Jaeger has no traces of the service', async () => {
    const r = await runObs([
      'analyze',
      'traces',
      '--jaeger',
      queryUrl,
      '--service',
      'nobody',
      '--since',
      '1h',
      '--json',
    ]);
    expect(r.code).toBe(65);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe(
      'OBS_EMPTY_INPUT',
    );
  });
});
