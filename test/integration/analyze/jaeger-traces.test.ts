/**
 * `obs analyze traces --jaeger` against a real Jaeger v2 (tools.jaeger()) on free loopback
 * ports: spans go in as OTLP/HTTP JSON, the analysis reads them back through the query API.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJaeger } from '../../support/jaeger.js';
import type { Jaeger } from '../../support/jaeger.js';
import { waitFor } from '../../support/processes.js';
import { runObs } from '../../support/run-obs.js';
import type { TraceReport } from '../../../analyze/report/shape.js';

const FIXTURE = path.resolve(
  import.meta.dirname,
  '../../fixtures/traces/checkout-otlp-lines/traces.jsonl',
);

/** The checkout fixture as OTLP/HTTP JSON bodies, moved to now and given `n` trace ids. */
async function checkoutRequests(n: number, now: number, first = 0): Promise<string[]> {
  const lines = (await readFile(FIXTURE, 'utf8')).trim().split('\n');
  const shift = BigInt(now - 1_700_000_000_000 - 60_000) * 1_000_000n;
  const out: string[] = [];
  for (let k = first; k < first + n; k++) {
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
  let jaeger: Jaeger | undefined;
  let queryUrl: string;
  /** `obs analyze traces --jaeger <this Jaeger> ARGS --json`. */
  const analyzeJaeger = (...args: string[]) =>
    runObs(['analyze', 'traces', '--jaeger', queryUrl, ...args, '--json']);

  beforeAll(async () => {
    jaeger = await startJaeger();
    queryUrl = jaeger.queryUrl;
    // Five traces a minute ago, and three half an hour before: the baseline window's.
    const now = Date.now();
    const bodies = [
      ...(await checkoutRequests(5, now)),
      ...(await checkoutRequests(3, now - 30 * 60_000, 5)),
    ];
    for (const body of bodies) {
      const res = await fetch(`http://127.0.0.1:${jaeger.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status, await res.text()).toBe(200);
    }
    await waitFor('the traces to be stored', async () => {
      const res = await fetch(`${queryUrl}/api/traces?service=frontend&limit=100&lookback=1h`);
      const doc = (await res.json()) as { data: { spans: unknown[] }[] };
      return doc.data.length === 8 && doc.data.every((t) => t.spans.length === 6)
        ? true
        : undefined;
    });
  });

  afterAll(async () => {
    await jaeger?.stop();
  });

  it('reads the traces back through the query API, page by page, and finds the failing service', async () => {
    const r = await analyzeJaeger('--service', 'frontend', '--since', '10m', '--limit', '2');
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

  it('without --service reads every service; --baseline-since takes the window before --since', async () => {
    const r = await analyzeJaeger('--since', '10m', '--baseline-since', '1h');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as TraceReport;
    expect(report.input).toMatchObject({ spans: 30, traces: 5 });
    expect(report.baseline).toMatchObject({ spans: 18, traces: 3 });
    expect(report.changes).toBeDefined();
  });

  it('says so when Jaeger has no traces of the service', async () => {
    const r = await analyzeJaeger('--service', 'nobody', '--since', '1h');
    expect(r.code).toBe(65);
    expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe(
      'OBS_EMPTY_INPUT',
    );
  });
});
