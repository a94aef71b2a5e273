import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { analyzeTraces, fileSource } from '../../../analyze/traces/analyze.js';
import { readTraceFiles } from '../../../analyze/traces/readers/files.js';
import type { SourceSummary } from '../../../analyze/traces/readers/files.js';
import { Problems } from '../../../analyze/traces/readers/problems.js';
import type { Span } from '../../../analyze/traces/span.js';

const FIX = path.resolve(import.meta.dirname, '../../fixtures/traces');
const fx = (p: string) => path.join(FIX, p);

async function read(files: string[], opts: { strict?: boolean } = {}) {
  const problems = new Problems();
  const summaries: SourceSummary[] = [];
  const spans: Span[] = [];
  for await (const b of readTraceFiles(files, problems, summaries, { workers: 0, ...opts }))
    spans.push(...b);
  return { spans, problems, summaries };
}

/** The fields every format carries, in a stable order, for comparing readers. */
function essence(spans: Span[]) {
  return spans
    .map((s) => ({
      id: s.spanId,
      parent: s.parentId ?? null,
      service: s.service,
      name: s.name,
      start: Math.round(s.start * 1000) / 1000,
      dur: Math.round((s.end - s.start) * 1000) / 1000,
      kind: s.kind,
      error: s.error,
      http: s.httpStatus ?? null,
      trace: s.traceId,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

const CHECKOUT = [
  'checkout-otlp-lines/traces.jsonl',
  'checkout-otlp-lines-gzip/traces.jsonl.gz',
  'checkout-otlp-document/trace.json',
  'checkout-jaeger-ui-export/trace.json',
  'checkout-jaeger-api-answer/traces.json',
  'checkout-zipkin-v2/spans.json',
];

describe('trace readers', () => {
  it('read the same checkout trace from every format alike', async () => {
    const reference = essence((await read([fx(CHECKOUT[0]!)])).spans);
    expect(reference).toHaveLength(6);
    expect(reference.find((s) => s.id === 'c100000000000001')).toEqual({
      id: 'c100000000000001',
      parent: 'b100000000000003',
      service: 'payments',
      name: 'GET /api/payment',
      start: 1_700_000_000_040,
      dur: 38,
      kind: 'server',
      error: true,
      http: 503,
      trace: '5b8efff798038103d269b633813fc60c',
    });
    for (const f of CHECKOUT.slice(1)) {
      const { spans, problems } = await read([fx(f)]);
      expect(essence(spans), f).toEqual(reference);
      expect(problems.counts.size, f).toBe(0);
    }
  });

  it('recognise format, layout and gzip from content', async () => {
    const { summaries } = await read(CHECKOUT.map(fx));
    expect(summaries.map((s) => [s.format, s.layout, s.gzip, s.spans])).toEqual([
      ['otlp', 'lines', false, 6],
      ['otlp', 'lines', true, 6],
      ['otlp', 'document', false, 6],
      ['jaeger', 'document', false, 6],
      ['jaeger', 'lines', false, 6],
      ['zipkin', 'document', false, 6],
    ]);
  });

  it('mark HTTP 5xx on server and client spans as errors', async () => {
    const { spans } = await read([fx('checkout-otlp-lines/traces.jsonl')]);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    expect(byId.get('b100000000000003')!.error).toBe(true); // client, 503
    expect(byId.get('a100000000000001')!.error).toBe(true); // server, 500
    expect(byId.get('b100000000000002')!.error).toBe(false); // client without a status
  });
});

describe('bad trace input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'obs-traces-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('counts a malformed line with its number and reads on', async () => {
    const { spans, problems } = await read([fx('malformed-line/traces.jsonl')]);
    expect(spans).toHaveLength(6);
    expect(problems.count('malformedJson')).toBe(1);
    expect(problems.samples[0]).toMatchObject({
      kind: 'malformedJson',
      file: fx('malformed-line/traces.jsonl'),
      line: 3,
    });
    expect(problems.samples[0]!.problem).toMatch(/^malformed JSON: /);
  });

  it('stops at a malformed line with --strict, naming file and line', async () => {
    const err = await read([fx('malformed-line/traces.jsonl')], { strict: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ObsError);
    expect((err as ObsError).code).toBe('OBS_BAD_INPUT');
    expect((err as ObsError).located).toMatch(
      /malformed-line\/traces\.jsonl:3: malformed JSON: .*--strict/,
    );
  });

  it('fails on an unknown format, naming the file', async () => {
    const err = await read([fx('unknown-format/metrics.json')]).catch((e: unknown) => e);
    expect((err as ObsError).code).toBe('OBS_UNKNOWN_FORMAT');
    expect((err as ObsError).exit).toBe(65);
    expect((err as ObsError).located).toMatch(/metrics\.json:1: unknown trace format/);
  });

  it('fails on truncated gzip', async () => {
    const err = await read([fx('truncated-gzip/traces.jsonl.gz')]).catch((e: unknown) => e);
    expect((err as ObsError).code).toBe('OBS_BAD_GZIP');
    expect((err as ObsError).message).toMatch(/gzip stream is truncated/);
  });

  it('skips spans with absurd times and keeps negative durations as zero', async () => {
    const { spans, problems } = await read([fx('absurd-times/traces.jsonl')]);
    expect(problems.count('absurdTime')).toBe(2);
    expect(problems.count('negativeDuration')).toBe(1);
    expect(problems.samples.map((p) => p.problem).join('\n')).toMatch(/not between 2000 and 2100/);
    expect(problems.samples.map((p) => p.problem).join('\n')).toMatch(/longer than a day/);
    expect(spans).toHaveLength(6);
    const flipped = spans.find((s) => s.spanId === 'c100000000000003')!;
    expect(flipped.end).toBe(flipped.start);
  });

  it('reads an empty file as no spans', async () => {
    const { spans, summaries } = await read([fx('empty-input/traces.jsonl')]);
    expect(spans).toHaveLength(0);
    expect(summaries[0]!.format).toBeUndefined();
  });

  it('reads a JSON line of more than 1 MiB whole (a Collector batch on one line)', async () => {
    const f = path.join(dir, 'big-batch.jsonl');
    const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
    const spans = Array.from({ length: 6000 }, (_, i) => ({
      traceId: hex(1 + (i >> 4), 32),
      spanId: hex(1 + i, 16),
      name: `GET /items/{id} ${'x'.repeat(150)}`,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000005000000',
    }));
    const line = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
          scopeSpans: [{ spans }],
        },
      ],
    });
    expect(line.length).toBeGreaterThan(1 << 20);
    await writeFile(f, `${line}\n${line.replace(/"spanId":"0/g, '"spanId":"a')}\n`);
    const r = await read([f]);
    expect(r.spans).toHaveLength(12_000);
    expect(r.problems.counts.size).toBe(0);
  });

  it('points a problem inside a pretty-printed document at its line, not its element', async () => {
    const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
    const span = (i: number, start: string) => ({
      traceId: hex(1, 32),
      spanId: hex(1 + i, 16),
      name: 'GET /',
      startTimeUnixNano: start,
      endTimeUnixNano: '1700000000005000000',
    });
    const doc = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
          scopeSpans: [{ spans: [span(0, '1700000000000000000'), span(1, '99')] }],
        },
      ],
    };
    const text = JSON.stringify(doc, null, 2);
    const f = path.join(dir, 'pretty.json');
    await writeFile(f, text + '\n');
    const lineOf = (needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
    const r = await read([f]);
    expect(r.problems.count('absurdTime')).toBe(1);
    expect(r.problems.samples[0]!.line).toBe(lineOf(`"${hex(2, 16)}"`));
    expect(r.problems.samples[0]!.line).toBeGreaterThan(lineOf('"resource"'));
    // A missing comma deep in the element: the line the parser stopped at.
    const broken = text.replace(/("name": "GET \/"),/, '$1');
    const g = path.join(dir, 'pretty-broken.json');
    await writeFile(g, broken + '\n');
    const b = await read([g]);
    expect(b.problems.count('malformedJson')).toBe(1);
    expect(b.problems.samples[0]!.line).toBe(lineOf('"startTimeUnixNano"'));
    // A stray token, where V8's message names no position: the token's line all the same.
    const stray = text.replace(/"name": "GET \/"/, '"name": GET');
    const h = path.join(dir, 'pretty-stray.json');
    await writeFile(h, stray + '\n');
    const c = await read([h]);
    expect(c.problems.samples[0]!.problem).toMatch(/Unexpected token/);
    expect(c.problems.samples[0]!.line).toBe(lineOf('"name"'));
  });

  it('reports a document cut short', async () => {
    const f = path.join(dir, 'cut.json');
    const text = JSON.stringify(
      { data: [1, 2].map(() => ({ traceID: 'aa', spans: [], processes: {} })) },
      null,
      2,
    );
    await writeFile(f, text.slice(0, text.length - 40));
    const { problems } = await read([f]);
    expect(problems.count('malformedJson')).toBe(1);
    expect(problems.samples[0]!.problem).toMatch(/ends inside this element/);
  });

  it('reads every document of a file of several, as `jq .` pretty-prints JSON lines', async () => {
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(fx('checkout-otlp-lines/traces.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    const f = path.join(dir, 'jq.json');
    await writeFile(f, lines.map((l) => JSON.stringify(JSON.parse(l), null, 2)).join('\n') + '\n');
    const pretty = await read([f]);
    const plain = await read([fx('checkout-otlp-lines/traces.jsonl')]);
    expect(pretty.summaries[0]!.layout).toBe('document');
    expect(essence(pretty.spans)).toEqual(essence(plain.spans));
    expect(pretty.problems.samples).toEqual([]);
    // Zipkin arrays the same; and one whose element is a compact line that parses alone.
    const zipkin = readFileSync(fx('checkout-zipkin-v2/spans.json'), 'utf8');
    const spans = JSON.parse(zipkin) as unknown[];
    const z = path.join(dir, 'zipkin-compact.json');
    await writeFile(
      z,
      [
        '[',
        spans.map((x) => JSON.stringify(x)).join(',\n'),
        ']',
        '[',
        JSON.stringify(spans[0]),
        ']',
      ].join('\n'),
    );
    const zr = await read([z]);
    expect(zr.spans).toHaveLength(spans.length + 1);
  });

  it('counts values that are not traces after the first one', async () => {
    const f = path.join(dir, 'mixed.jsonl');
    const good = (await import('node:fs')).readFileSync(
      fx('checkout-otlp-lines/traces.jsonl'),
      'utf8',
    );
    await writeFile(f, `${good}{"hello":"world"}\n`);
    const { spans, problems } = await read([f]);
    expect(spans).toHaveLength(6);
    expect(problems.samples[0]).toMatchObject({ kind: 'unknownDocument', line: 4 });
  });

  it('reads a service.name that is no string (null, a number, a list) as unknown_service', async () => {
    const f = path.join(dir, 'odd-service.jsonl');
    const line = (name: unknown) =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: name } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '5b8efff798038103d269b633813fc60c',
                    spanId: 'a100000000000001',
                    name: 'x',
                    startTimeUnixNano: '1700000000000000000',
                    endTimeUnixNano: '1700000000100000000',
                  },
                ],
              },
            ],
          },
        ],
      });
    await writeFile(f, [null, 42, ['a']].map(line).join('\n') + '\n');
    const { spans, problems } = await read([f]);
    expect(spans.map((s) => s.service)).toEqual([
      'unknown_service',
      'unknown_service',
      'unknown_service',
    ]);
    expect(problems.counts.size).toBe(0);
    // The report says so: a root cause called unknown_service must not come unexplained.
    const report = await analyzeTraces({ input: fileSource([f], { workers: 0 }) });
    expect(report.warnings.filter((w) => w.includes('name no service'))).toEqual([
      `input: ${report.input.spans} spans name no service (no service.name, Jaeger process or Zipkin endpoint); counted as unknown_service`,
    ]);
  });

  it('takes Zipkin shared client/server spans (B3) as legal, not as repeated ids', async () => {
    const f = path.join(dir, 'shared.json');
    const z = (o: Record<string, unknown>) => ({
      traceId: '5b8efff798038103d269b633813fc60c',
      timestamp: 1_700_000_000_000_000,
      ...o,
    });
    await writeFile(
      f,
      JSON.stringify([
        z({
          id: 'a1',
          name: 'get /',
          kind: 'SERVER',
          duration: 50_000,
          localEndpoint: { serviceName: 'web' },
        }),
        z({
          id: 'b2',
          parentId: 'a1',
          name: 'post',
          kind: 'CLIENT',
          duration: 40_000,
          localEndpoint: { serviceName: 'web' },
        }),
        z({
          id: 'b2',
          parentId: 'a1',
          name: 'post /orders',
          kind: 'SERVER',
          shared: true,
          duration: 30_000,
          localEndpoint: { serviceName: 'orders' },
        }),
        z({
          id: 'c3',
          parentId: 'b2',
          name: 'select',
          kind: 'CLIENT',
          duration: 10_000,
          localEndpoint: { serviceName: 'orders' },
        }),
      ]),
    );
    const report = await analyzeTraces({ input: fileSource([f], { workers: 0 }) });
    expect(report.input.repaired.duplicateIds).toBe(0);
    expect(report.warnings.filter((w) => w.includes('repeated span ids'))).toEqual([]);
    // The server side is a child of the client side: the call's own time is what the server
    // does not cover (40 - 30 ms), and the server's is what its query does not (30 - 10 ms).
    const op = (name: string) => report.operations.find((o) => o.operation === name)!;
    expect(op('post').selfP50Ms).toBeCloseTo(10, 0);
    expect(op('post /orders').selfP50Ms).toBeCloseTo(20, 0);
    expect(report.input.repaired.orphans).toBe(0);
  });

  it("reads Zipkin's shared flag: the joined side is the callee even without a kind", async () => {
    const f = path.join(dir, 'shared-flag.json');
    const z = (o: Record<string, unknown>) => ({
      traceId: '5b8efff798038103d269b633813fc60d',
      timestamp: 1_700_000_000_000_000,
      ...o,
    });
    await writeFile(
      f,
      JSON.stringify([
        z({
          id: 'a1',
          name: 'get /',
          kind: 'SERVER',
          duration: 50_000,
          localEndpoint: { serviceName: 'web' },
        }),
        z({
          id: 'b2',
          parentId: 'a1',
          name: 'post',
          kind: 'CLIENT',
          duration: 40_000,
          localEndpoint: { serviceName: 'web' },
        }),
        // The callee's instrumentation names no kind, but says it joined the caller's span.
        z({
          id: 'b2',
          parentId: 'a1',
          name: 'post /orders',
          shared: true,
          duration: 30_000,
          localEndpoint: { serviceName: 'orders' },
        }),
      ]),
    );
    const { spans } = await read([f]);
    expect(spans.map((s) => s.shared)).toEqual([false, false, true]);
    const report = await analyzeTraces({ input: fileSource([f], { workers: 0 }) });
    expect(report.input.repaired.duplicateIds).toBe(0);
    // Kept and nested under the call: the call's own time is what the callee does not cover.
    const op = (name: string) => report.operations.find((o) => o.operation === name);
    expect(op('post /orders')?.service).toBe('orders');
    expect(op('post')!.selfP50Ms).toBeCloseTo(10, 0);
  });

  it('takes a FOLLOWS_FROM in the same trace as the parent, one into another trace as a link', async () => {
    const f = path.join(dir, 'follows.json');
    const T1 = '00000000000000000000000000000a01';
    const T2 = '00000000000000000000000000000b02';
    const span = (o: Record<string, unknown>) => ({
      traceID: T2,
      startTime: 1_700_000_000_000_000,
      duration: 1000,
      processID: 'p1',
      tags: [],
      references: [],
      ...o,
    });
    await writeFile(
      f,
      JSON.stringify({
        data: [
          {
            traceID: T2,
            processes: { p1: { serviceName: 'worker', tags: [] } },
            spans: [
              // A consumer's batch: it links the message's producer, in trace T1.
              span({
                spanID: '00000000000000c1',
                operationName: 'process batch',
                references: [{ refType: 'FOLLOWS_FROM', traceID: T1, spanID: '00000000000000a1' }],
              }),
              // An async child in its own trace (OpenTracing style): its parent.
              span({
                spanID: '00000000000000c2',
                operationName: 'send receipt',
                references: [{ refType: 'FOLLOWS_FROM', traceID: T2, spanID: '00000000000000c1' }],
              }),
            ],
          },
        ],
      }),
    );
    const { spans } = await read([f]);
    const parent = (id: string) => spans.find((s) => s.spanId === id)?.parentId;
    expect(parent('00000000000000c1')).toBeUndefined();
    expect(parent('00000000000000c2')).toBe('00000000000000c1');
    const report = await analyzeTraces({ input: fileSource([f], { workers: 0 }) });
    expect(report.input.repaired.orphans).toBe(0);
  });

  it('reads base64 ids (protobuf JSON mapping) as hex', async () => {
    const f = path.join(dir, 'b64.jsonl');
    const doc = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex').toString(
                    'base64',
                  ),
                  spanId: Buffer.from('a100000000000001', 'hex').toString('base64'),
                  name: 'x',
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000100000000',
                  status: { code: 'STATUS_CODE_ERROR' },
                  kind: 'SPAN_KIND_SERVER',
                },
              ],
            },
          ],
        },
      ],
    };
    await writeFile(f, JSON.stringify(doc) + '\n');
    const { spans } = await read([f]);
    expect(spans[0]).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'a100000000000001',
      kind: 'server',
      error: true,
    });
  });
});
