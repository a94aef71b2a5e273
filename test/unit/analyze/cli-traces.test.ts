import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runObs } from '../../support/run-obs.js';
import type { TraceReport } from '../../../analyze/report/shape.js';

// Runs the built CLI (dist/), as the `obs` binary does.
const FIX = path.resolve(import.meta.dirname, '../../fixtures/traces');
const fx = (p: string) => path.join(FIX, p);
/** oclif wraps error messages to the terminal width: join the pieces back. */
const flat = (s: string) => s.replace(/\n\s*›\s*/g, ' ');

/**
 * `n` OTLP lines of one three-span trace each (web -> orders -> payments, a tenth of the
 * payments spans failed); the lines where `broken(k)` holds are cut JSON instead.
 */
function manyTraceLines(n: number, broken: (k: number) => boolean): string {
  const lines: string[] = [];
  for (let k = 0; k < n; k++) {
    if (broken(k)) {
      lines.push('{"resourceSpans": [ broken');
      continue;
    }
    const trace = (k + 1).toString(16).padStart(32, '0');
    const start = 1_700_000_000_000_000_000n + BigInt(k) * 1_000_000n;
    const spans = ['web', 'orders', 'payments'].map((service, d) => ({
      service,
      span: {
        traceId: trace,
        spanId: (k * 4 + d + 1).toString(16).padStart(16, '0'),
        ...(d > 0 ? { parentSpanId: (k * 4 + d).toString(16).padStart(16, '0') } : {}),
        name: `GET /${service}`,
        kind: 2,
        startTimeUnixNano: String(start + BigInt(d) * 1000n),
        endTimeUnixNano: String(start + BigInt(50 - d * 10) * 1_000_000n),
        status: { code: service === 'payments' && k % 10 === 0 ? 2 : 0 },
      },
    }));
    lines.push(
      JSON.stringify({
        resourceSpans: spans.map(({ service, span }) => ({
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [{ spans: [span] }],
        })),
      }),
    );
  }
  return lines.join('\n') + '\n';
}

// Each run starts Node and oclif: allow for a loaded machine.
describe('obs analyze traces', { timeout: 60_000 }, () => {
  it('prints the --json report with the documented top level', async () => {
    const r = await runObs(['analyze', 'traces', fx('checkout-otlp-lines/traces.jsonl'), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as TraceReport;
    expect(Object.keys(report)).toEqual([
      'schema',
      'input',
      'services',
      'operations',
      'errorOrigins',
      'criticalPath',
      'rootCauses',
      'warnings',
    ]);
    expect(report.schema).toBe('obs.analyze.traces/v1');
    expect(report.input).toMatchObject({ spans: 6, traces: 1, skipped: { lines: 0, spans: 0 } });
    expect(report.rootCauses[0]).toMatchObject({ rank: 1, service: 'payments' });
    expect(report.rootCauses[0]!.reasons[0]).toMatch(/errors start here in 1 of 1 failing traces/);
  });

  it('gives the same report with and without worker threads', async () => {
    const args = [
      'analyze',
      'traces',
      fx('checkout-otlp-lines/traces.jsonl'),
      fx('checkout-zipkin-v2/spans.json'),
      '--json',
    ];
    const a = await runObs([...args, '--workers', '0']);
    const b = await runObs([...args, '--workers', '2']);
    // One worker: spans parsed on the main thread, analysed in the worker.
    const c = await runObs([...args, '--workers', '1']);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).toBe(a.stdout);
  });

  it('gives the same report, problems and --strict error with one worker, on many read batches', async () => {
    // Several 1 MiB read batches, bad lines in the first and the last: what the worker is sent
    // and what it reports must not change the report or which bad line --strict stops at.
    const dir = mkdtempSync(path.join(tmpdir(), 'obs-traces-worker-'));
    const file = path.join(dir, 'many.jsonl');
    writeFileSync(
      file,
      manyTraceLines(12_000, (k) => k === 7 || k === 11_000),
    );
    const args = ['analyze', 'traces', file, '--json'];
    const a = await runObs([...args, '--workers', '0']);
    const c = await runObs([...args, '--workers', '1']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({
      input: { spans: 3 * 11_998, skipped: { lines: 2 } },
    });
    expect(c.stdout).toBe(a.stdout);
    const strict0 = await runObs([...args, '--strict', '--workers', '0']);
    const strict1 = await runObs([...args, '--strict', '--workers', '1']);
    const strict2 = await runObs([...args, '--strict', '--workers', '2']);
    expect(strict2.stdout).toBe(strict0.stdout);
    expect(strict0.code).toBe(65);
    expect(strict1.code).toBe(65);
    expect(strict1.stdout).toBe(strict0.stdout);
    expect(strict0.stdout).toMatch(/"line": ?8\b/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops --strict at the first bad line of the input whichever shard finds one first', async () => {
    // A bad line in every read batch: four shards each stop at their first, in whatever order
    // they start; the run must stop at the input's first, as one thread does.
    const dir = mkdtempSync(path.join(tmpdir(), 'obs-traces-strict-'));
    const file = path.join(dir, 'many.jsonl');
    writeFileSync(
      file,
      manyTraceLines(12_000, (k) => k % 500 === 7),
    );
    const args = ['analyze', 'traces', file, '--json', '--strict'];
    for (let run = 0; run < 3; run++) {
      const r = await runObs([...args, '--workers', '4']);
      expect(r.code).toBe(65);
      expect((JSON.parse(r.stdout) as { error: { line: number } }).error.line).toBe(8);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops --strict at a bad element a shard finds before a cut end this thread finds', async () => {
    // One OTLP document, an element per line: the 8th holds a span without ids, and the document
    // is cut short inside its last element, which the reading thread finds after sending every
    // batch. The shard's earlier bad element must win, as with one thread.
    const dir = mkdtempSync(path.join(tmpdir(), 'obs-traces-strict-doc-'));
    const file = path.join(dir, 'doc.json');
    const elements = manyTraceLines(12_000, () => false)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.stringify((JSON.parse(l) as { resourceSpans: unknown[] }).resourceSpans[0]));
    elements[7] = elements[7]!.replace(/"traceId":"[0-9a-f]+",/, '');
    const text = `{"resourceSpans": [\n${elements.join(',\n')}\n]}\n`;
    writeFileSync(file, text.slice(0, text.length - 40));
    const args = ['analyze', 'traces', file, '--json', '--strict'];
    const one = await runObs([...args, '--workers', '0']);
    expect(one.code).toBe(65);
    expect((JSON.parse(one.stdout) as { error: { line: number } }).error.line).toBe(9);
    for (let run = 0; run < 2; run++)
      expect((await runObs([...args, '--workers', '4'])).stdout).toBe(one.stdout);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the first bad lines of the input whichever thread parsed them', async () => {
    // More bad lines than the report keeps cases of (20), in every read batch: the threads each
    // find some, and the report must keep the first ones of the whole input.
    const dir = mkdtempSync(path.join(tmpdir(), 'obs-traces-samples-'));
    const file = path.join(dir, 'many.jsonl');
    writeFileSync(
      file,
      manyTraceLines(12_000, (k) => k % 250 === 3),
    );
    const args = ['analyze', 'traces', file, '--json'];
    const [a, c, b] = [
      await runObs([...args, '--workers', '0']),
      await runObs([...args, '--workers', '1']),
      await runObs([...args, '--workers', '2']),
    ];
    expect(a.code).toBe(0);
    const samples = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as TraceReport).input.skipped.samples.map((x) => x.line);
    expect(samples(a)).toEqual(Array.from({ length: 20 }, (_, k) => k * 250 + 4));
    expect(samples(c)).toEqual(samples(a));
    expect(samples(b)).toEqual(samples(a));
    expect(c.stdout).toBe(a.stdout);
    expect(b.stdout).toBe(a.stdout);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads stdin with -', async () => {
    const input = readFileSync(fx('checkout-otlp-lines/traces.jsonl'), 'utf8');
    const r = await runObs(['analyze', 'traces', '-', '--json'], { input });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as TraceReport).input.spans).toBe(6);
  });

  it('renders the terminal and Markdown reports', async () => {
    const text = await runObs(['analyze', 'traces', fx('checkout-jaeger-ui-export/trace.json')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Traces: 6 spans in 1 traces/);
    expect(text.stdout).toMatch(/Likely root causes\n\s+1\. payments/);
    const md = await runObs([
      'analyze',
      'traces',
      fx('checkout-jaeger-ui-export/trace.json'),
      '--format',
      'markdown',
    ]);
    expect(md.stdout).toMatch(/^## Trace analysis/);
    expect(md.stdout).toMatch(/\| service \| requests \|/);
    expect(md.stdout).toMatch(/1\. \*\*payments\*\*/);
  });

  it('says how much input was skipped', async () => {
    const r = await runObs(['analyze', 'traces', fx('malformed-line/traces.jsonl'), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as TraceReport;
    expect(report.input.skipped.lines).toBe(1);
    expect(report.warnings[0]).toMatch(
      /skipped 1 malformed JSON lines .*malformed-line\/traces\.jsonl:3/,
    );
  });

  it('exits 65 with file and line under --strict', async () => {
    const r = await runObs(['analyze', 'traces', fx('malformed-line/traces.jsonl'), '--strict']);
    expect(r.code).toBe(65);
    expect(flat(r.stderr)).toMatch(/malformed-line\/traces\.jsonl:3: malformed JSON/);
  });

  it('exits 65 on empty input, unknown format and truncated gzip, with the JSON error shape', async () => {
    const cases: [string, string][] = [
      ['empty-input/traces.jsonl', 'OBS_EMPTY_INPUT'],
      ['no-spans/traces.jsonl', 'OBS_EMPTY_INPUT'],
      ['unknown-format/metrics.json', 'OBS_UNKNOWN_FORMAT'],
      ['truncated-gzip/traces.jsonl.gz', 'OBS_BAD_GZIP'],
    ];
    const runs = await Promise.all(
      cases.map(([file]) => runObs(['analyze', 'traces', fx(file), '--json'])),
    );
    for (const [k, [file, code]] of cases.entries()) {
      const r = runs[k]!;
      expect(r.code, file).toBe(65);
      const err = (JSON.parse(r.stdout) as { error: { code: string; file?: string } }).error;
      expect(err.code, file).toBe(code);
      expect(err.file, file).toBe(fx(file));
    }
  });

  it('exits 66 on a missing file and 64 without input', async () => {
    const missing = await runObs(['analyze', 'traces', fx('nope.jsonl')]);
    expect(missing.code).toBe(66);
    expect(flat(missing.stderr)).toMatch(/nope\.jsonl: cannot read input: no such file/);
    const none = await runObs(['analyze', 'traces']);
    expect(none.code).toBe(64);
    expect(flat(none.stderr)).toMatch(/give trace files to read, or --jaeger URL/);
  });

  it('exits 64 when standard input is asked for twice', async () => {
    const r = await runObs(['analyze', 'traces', '-', '--baseline', '-'], { input: '' });
    expect(r.code).toBe(64);
    expect(flat(r.stderr)).toMatch(/standard input \(-\) can be read once/);
  });

  it('exits 64 when flags of --jaeger come with files (they would be ignored)', async () => {
    const file = fx('checkout-otlp-lines/traces.jsonl');
    const one = await runObs(['analyze', 'traces', file, '--baseline-since', '1h']);
    expect(one.code).toBe(64);
    expect(flat(one.stderr)).toMatch(/--baseline-since needs --jaeger URL/);
    const two = await runObs(['analyze', 'traces', file, '--service', 'cart', '--since', '5m']);
    expect(two.code).toBe(64);
    expect(flat(two.stderr)).toMatch(/--since, --service need --jaeger URL/);
  });

  it('exits 64 on --workers with --jaeger alone (it applies to files), not with --baseline files', async () => {
    // A port nothing listens on: the usage error must come before any request.
    const jaeger = 'http://127.0.0.1:9';
    const r = await runObs(['analyze', 'traces', '--jaeger', jaeger, '--workers', '2']);
    expect(r.code).toBe(64);
    expect(flat(r.stderr)).toMatch(
      /--workers applies to trace files: with --jaeger it needs --baseline files/,
    );
    const withFiles = await runObs([
      'analyze',
      'traces',
      '--jaeger',
      jaeger,
      '--workers',
      '2',
      '--baseline',
      fx('checkout-otlp-lines/traces.jsonl'),
    ]);
    expect(flat(withFiles.stderr)).not.toMatch(/--workers applies/);
    expect(withFiles.code).not.toBe(64);
  });

  it('honours --strict with --jaeger: exits 65 at a malformed span in an answer', async () => {
    // Answers as Jaeger's /api/traces does, with one span that has no span id.
    const trace = JSON.parse(
      readFileSync(fx('checkout-jaeger-api-answer/traces.json'), 'utf8'),
    ) as { data: { spans: { spanID: string }[] }[] };
    trace.data[0]!.spans[1]!.spanID = '';
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(trace));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const jaeger = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const args = ['analyze', 'traces', '--jaeger', jaeger, '--service', 'web', '--since', '1d'];
      const lenient = await runObs([...args, '--json']);
      expect(lenient.code).toBe(0);
      expect((JSON.parse(lenient.stdout) as TraceReport).input.skipped.spans).toBe(1);
      const strict = await runObs([...args, '--strict']);
      expect(strict.code).toBe(65);
      expect(flat(strict.stderr)).toMatch(
        /span without a valid trace id or span id \(--strict stops/,
      );
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('counts the spans of a file given twice once for each, with shards too', async () => {
    const f = fx('checkout-otlp-lines/traces.jsonl');
    for (const workers of ['0', '2']) {
      const r = await runObs(['analyze', 'traces', f, f, '--workers', workers, '--json']);
      const report = JSON.parse(r.stdout) as TraceReport;
      expect(
        report.input.sources.map((s) => s.spans),
        `--workers ${workers}`,
      ).toEqual([6, 6]);
    }
  });

  it('refuses more worker threads than it can use', async () => {
    const r = await runObs([
      'analyze',
      'traces',
      fx('checkout-otlp-lines/traces.jsonl'),
      '--workers',
      '1000',
    ]);
    expect(r.code).toBe(2);
    expect(flat(r.stderr)).toMatch(/--workers.*less than or equal to 32/s);
  });
});

describe('a baseline comparison with many changes', { timeout: 60_000 }, () => {
  /** 150 operations under one root, all 3x slower in the incident than in the baseline. */
  function write(file: string, slow: boolean, seed: number): void {
    const lines: string[] = [];
    const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
    const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
    let id = seed * 1e6;
    for (let t = 0; t < 40; t++) {
      const start = 1_764_000_000_000 + t * 100;
      const root = hex(++id, 16);
      const spans: object[] = [
        {
          traceId: hex(seed * 1e6 + t, 32),
          spanId: root,
          name: 'root',
          kind: 2,
          startTimeUnixNano: nanos(start),
          endTimeUnixNano: nanos(start + 2000),
        },
      ];
      for (let o = 0; o < 150; o++) {
        const d = (slow ? 30 : 10) + ((t * 7 + o) % 5);
        spans.push({
          traceId: hex(seed * 1e6 + t, 32),
          spanId: hex(++id, 16),
          parentSpanId: root,
          name: `op${o}`,
          kind: 1,
          startTimeUnixNano: nanos(start + o * 10),
          endTimeUnixNano: nanos(start + o * 10 + d),
        });
      }
      lines.push(
        JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
              scopeSpans: [{ spans }],
            },
          ],
        }),
      );
    }
    writeFileSync(file, lines.join('\n') + '\n');
  }

  it('counts as significant only the changes at or above the corrected z', async () => {
    const shop = path.resolve(import.meta.dirname, '../../../examples/shop/telemetry');
    const r = await runObs([
      'analyze',
      'traces',
      path.join(shop, 'incident.otlp.jsonl.gz'),
      '--baseline',
      path.join(shop, 'baseline.otlp.jsonl.gz'),
      '--json',
    ]);
    const { changes } = JSON.parse(r.stdout) as TraceReport;
    expect(changes!.found).toBe(changes!.changes.length);
    const strong = changes!.changes.filter((c) => c.z >= changes!.criticalZ).length;
    expect(changes!.significant).toBe(strong);
    expect(strong).toBeLessThan(changes!.found);
  });

  it('lists 100 and counts them all', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'obs-many-'));
    try {
      write(path.join(dir, 'base.jsonl'), false, 1);
      write(path.join(dir, 'inc.jsonl'), true, 2);
      const args = ['analyze', 'traces', 'inc.jsonl', '--baseline', 'base.jsonl'];
      const json = await runObs([...args, '--json'], { cwd: dir });
      const { changes } = JSON.parse(json.stdout) as TraceReport;
      expect(changes!.changes).toHaveLength(100);
      expect(changes!.found).toBeGreaterThanOrEqual(150);
      // Significant: at or above the Bonferroni-corrected z, which the listed scores only weigh.
      const listed = changes!.changes.filter((c) => c.z >= changes!.criticalZ).length;
      expect(changes!.significant).toBeGreaterThanOrEqual(listed);
      expect(changes!.significant).toBeLessThanOrEqual(changes!.found);
      const text = await runObs(args, { cwd: dir });
      expect(text.stdout).toContain(
        `Changes against the baseline (${changes!.found} found, ${changes!.significant} significant (Bonferroni) of ${changes!.comparisons} compared)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
