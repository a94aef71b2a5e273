import { describe, expect, it } from 'vitest';
import { Histogram } from '../../../analyze/stats/histogram.js';
import {
  criticalZ,
  normalCdf,
  proportionIncreaseZ,
  shiftedRankTest,
} from '../../../analyze/stats/tests.js';
import {
  DocumentSplitter,
  decideLayout,
  parseItem,
} from '../../../analyze/traces/readers/json-items.js';
import type { JsonItem } from '../../../analyze/traces/readers/json-items.js';
import { TraceAssembler } from '../../../analyze/traces/assemble.js';
import type { RawTrace } from '../../../analyze/traces/assemble.js';
import { absurdTime, httpIsError } from '../../../analyze/traces/span.js';
import { packSpans, unpackSpans } from '../../../analyze/traces/readers/convert-items.js';
import { convertValue } from '../../../analyze/traces/readers/convert.js';
import { Problems } from '../../../analyze/traces/readers/problems.js';
import type { Span } from '../../../analyze/traces/span.js';
import { span } from '../../support/spans.js';

describe('Histogram', () => {
  it('gives quantiles within 1% and counts samples clearly above a value', () => {
    const h = new Histogram();
    for (let i = 1; i <= 10_000; i++) h.add(i / 10); // 0.1 .. 1000 ms
    expect(h.count).toBe(10_000);
    for (const q of [0.5, 0.95, 0.99]) {
      expect(Math.abs(h.quantile(q) - q * 1000) / (q * 1000)).toBeLessThan(0.011);
    }
    // Buckets are 2% wide: values within a bucket of 900 are not "clearly above".
    const above = h.countAbove(900);
    expect(above).toBeGreaterThan(800);
    expect(above).toBeLessThan(1000);
    expect(h.countAbove(1000)).toBe(0);
    expect(h.mean).toBeCloseTo(500.05, 1);
  });

  it('keeps zero and sub-microsecond values apart, and merges', () => {
    const a = new Histogram();
    const b = new Histogram();
    a.add(0);
    a.add(5);
    b.add(50);
    a.merge(b);
    expect(a.count).toBe(3);
    expect(a.quantile(0)).toBe(0);
    expect(a.quantile(1)).toBe(50);
    expect(a.countAbove(1)).toBe(2);
  });
});

describe('significance tests', () => {
  it('two-proportion z grows with the difference and the samples', () => {
    expect(proportionIncreaseZ(1, 100, 1, 100)).toBe(0);
    expect(proportionIncreaseZ(1, 100, 50, 100)).toBeGreaterThan(7);
    expect(proportionIncreaseZ(0, 5, 5, 5)).toBeLessThan(proportionIncreaseZ(0, 500, 500, 500));
    expect(proportionIncreaseZ(50, 100, 1, 100)).toBeLessThan(0);
  });

  it('shifted rank test: a whole distribution slower by more than delta, not its tail', () => {
    const hist = (values: number[]) => {
      const h = new Histogram();
      for (const v of values) h.add(v);
      return h.entries();
    };
    const base = Array.from({ length: 200 }, (_, k) => 2 + (k % 10) / 10);
    // A heavy tail in the baseline: 5% of calls take 80 ms.
    for (let k = 0; k < 10; k++) base[k] = 80;
    const b = hist(base);
    // Every call 40 ms slower: below the baseline's tail, far beyond delta.
    const moved = shiftedRankTest(b, hist(base.map((v) => v + 40)), 1);
    expect(moved.effect).toBeGreaterThan(0.85);
    expect(moved.z).toBeGreaterThan(10);
    // The same distribution again, or one slower by less than delta: nothing.
    expect(shiftedRankTest(b, hist(base), 1)).toMatchObject({ effect: 0 });
    expect(shiftedRankTest(b, hist(base.map((v) => v + 0.5)), 1).effect).toBe(0);
    // A tail: 10% of calls much slower, the rest as before: not a shift (the tail test's job).
    expect(
      shiftedRankTest(b, hist(base.map((v, k) => (k % 10 === 5 ? v + 500 : v))), 1).effect,
    ).toBe(0);
  });

  it('Bonferroni critical z rises with the number of tests', () => {
    expect(criticalZ(1)).toBeCloseTo(1.645, 2);
    expect(criticalZ(1000)).toBeCloseTo(3.89, 2);
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
  });
});

describe('span semantics', () => {
  it('HTTP errors: 5xx on servers, 4xx and 5xx on clients', () => {
    expect(httpIsError(404, 'server')).toBe(false);
    expect(httpIsError(503, 'server')).toBe(true);
    expect(httpIsError(404, 'client')).toBe(true);
    expect(httpIsError(500, 'unspecified')).toBe(true);
    expect(httpIsError(undefined, 'client')).toBe(false);
  });

  it('absurd times: seconds for nanoseconds, far future, longer than a day', () => {
    expect(absurdTime(1_700_000_000_000, 1_700_000_000_100)).toBeUndefined();
    expect(absurdTime(1_700_000, 1_700_001)).toMatch(/not between 2000 and 2100/);
    expect(absurdTime(1_700_000_000_000, 1_700_000_000_000 + 2 * 86_400_000)).toMatch(
      /longer than a day/,
    );
    expect(absurdTime(NaN, 1)).toMatch(/missing/);
  });

  it('spans survive packing for the trip between threads', () => {
    const spans = [
      span({ id: 'a1', service: 'web', start: 0, end: 10, kind: 'server', error: true }),
      span({ id: 'b2', parent: 'a1', service: 'db', start: 1, end: 2, kind: 'client' }),
      span({
        id: 'c3',
        parent: 'a1',
        service: 'web',
        start: 3,
        end: 4,
        kind: 'client',
        peer: 'stripe',
      }),
    ];
    spans[0]!.httpStatus = 503;
    spans[1]!.grpcStatus = 0;
    spans[2]!.grpcStatus = 16;
    // Zipkin's shared flag sits above the largest gRPC status: neither spoils the other.
    spans[2]!.shared = true;
    expect(unpackSpans(packSpans(spans))).toEqual(spans);
  });

  it('reads the other side of a call in every format, for calls out only', () => {
    const target = () => ({ spans: [] as Span[], problems: new Problems(), file: 'f', line: 1 });
    const ids = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000001000000',
    };
    const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });
    const otlp = target();
    convertValue(
      {
        resourceSpans: [
          {
            resource: { attributes: [attr('service.name', 'checkout')] },
            scopeSpans: [
              {
                spans: [
                  // The logical name outranks the host and the URL, whatever their order.
                  {
                    ...ids,
                    spanId: '00f067aa0ba902b1',
                    kind: 3,
                    attributes: [
                      attr('url.full', 'https://api.stripe.com/v1/charges'),
                      attr('peer.service', 'stripe'),
                    ],
                  },
                  {
                    ...ids,
                    spanId: '00f067aa0ba902b2',
                    kind: 3,
                    attributes: [attr('http.url', 'https://s3.amazonaws.com/x')],
                  },
                  {
                    ...ids,
                    spanId: '00f067aa0ba902b3',
                    kind: 2,
                    attributes: [attr('server.address', 'checkout-7d9f')],
                  },
                ],
              },
            ],
          },
        ],
      },
      'otlp',
      otlp,
    );
    expect(otlp.spans.map((s) => s.peer)).toEqual(['stripe', 's3.amazonaws.com', undefined]);
    const jaeger = target();
    convertValue(
      {
        traceID: 'aa',
        spans: [
          {
            traceID: 'aa',
            spanID: 'b1',
            operationName: 'POST',
            startTime: 1.7e15,
            duration: 5,
            processID: 'p1',
            tags: [
              { key: 'span.kind', value: 'client' },
              { key: 'net.peer.name', value: 'payments.internal' },
            ],
          },
        ],
        processes: { p1: { serviceName: 'checkout' } },
      },
      'jaeger',
      jaeger,
    );
    expect(jaeger.spans[0]!.peer).toBe('payments.internal');
    const zipkin = target();
    convertValue(
      [
        {
          traceId: 'aa',
          id: 'b1',
          name: 'get',
          kind: 'CLIENT',
          timestamp: 1.7e15,
          duration: 5,
          localEndpoint: { serviceName: 'checkout' },
          remoteEndpoint: { serviceName: 'redis' },
        },
      ],
      'zipkin',
      zipkin,
    );
    expect(zipkin.spans[0]!.peer).toBe('redis');
  });

  it('reads rpc.grpc.status_code in every format: server codes of its own failure, any non-OK on a client', () => {
    const target = () => ({ spans: [] as Span[], problems: new Problems(), file: 'f', line: 1 });
    // [kind, code as written, error expected]: NOT_FOUND is an answer on a server, a failure
    // for the client that asked; names and numeric strings count as the number.
    const cases: [number, unknown, boolean][] = [
      [2, 14, true],
      [2, '4', true],
      [2, 5, false],
      [2, 0, false],
      [3, 5, true],
      [3, '0', false],
      [3, 'UNAVAILABLE', true],
      [2, 'NOT_FOUND', false],
    ];
    const kindName = (k: number) => (k === 2 ? 'server' : 'client');
    const id = (i: number) => `00f067aa0ba902b${i}`;
    const otlp = target();
    convertValue(
      {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
            scopeSpans: [
              {
                spans: cases.map(([kind, code], i) => ({
                  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
                  spanId: id(i),
                  kind,
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000001000000',
                  attributes: [
                    {
                      key: 'rpc.grpc.status_code',
                      // OTLP writes ints as strings; a name arrives as a string value.
                      value:
                        typeof code === 'number' || /^\d+$/.test(String(code))
                          ? { intValue: String(code) }
                          : { stringValue: code },
                    },
                  ],
                })),
              },
            ],
          },
        ],
      },
      'otlp',
      otlp,
    );
    const jaeger = target();
    convertValue(
      {
        traceID: 'aa',
        spans: cases.map(([kind, code], i) => ({
          traceID: 'aa',
          spanID: id(i),
          operationName: '/shop.Payments/Charge',
          startTime: 1.7e15,
          duration: 5,
          processID: 'p1',
          tags: [
            { key: 'span.kind', type: 'string', value: kindName(kind) },
            { key: 'rpc.grpc.status_code', type: 'int64', value: code },
          ],
        })),
        processes: { p1: { serviceName: 'checkout' } },
      },
      'jaeger',
      jaeger,
    );
    const zipkin = target();
    convertValue(
      cases.map(([kind, code], i) => ({
        traceId: 'aa',
        id: id(i),
        name: 'charge',
        kind: kindName(kind).toUpperCase(),
        timestamp: 1.7e15,
        duration: 5,
        localEndpoint: { serviceName: 'checkout' },
        // Zipkin tags are strings.
        tags: { 'rpc.grpc.status_code': String(code) },
      })),
      'zipkin',
      zipkin,
    );
    const expected = cases.map(([, , error]) => error);
    for (const t of [otlp, jaeger, zipkin]) {
      expect(t.problems.counts.size).toBe(0);
      expect(t.spans.map((s) => s.error)).toEqual(expected);
    }
    expect(zipkin.spans.map((s) => s.grpcStatus)).toEqual([14, 4, 5, 0, 5, 0, 14, 5]);
  });

  it("reads Brave's grpc.status_code in Zipkin: a NOT_FOUND answer and a timeout keep their codes", () => {
    const zipkin = { spans: [] as Span[], problems: new Problems(), file: 'f', line: 1 };
    const call = (id: string, code: string) => ({
      traceId: 'aa',
      id,
      name: 'charge',
      kind: 'CLIENT',
      timestamp: 1.7e15,
      duration: 5,
      localEndpoint: { serviceName: 'checkout' },
      // Brave tags a failed call with the code's name, and `error` beside it.
      tags: { 'grpc.status_code': code, error: code },
    });
    convertValue(
      [call('00f067aa0ba902b1', 'NOT_FOUND'), call('00f067aa0ba902b2', 'DEADLINE_EXCEEDED')],
      'zipkin',
      zipkin,
    );
    expect(zipkin.spans.map((s) => s.grpcStatus)).toEqual([5, 4]);
  });
});

describe('JSON items', () => {
  function split(doc: string): JsonItem[] {
    const s = new DocumentSplitter();
    const out: JsonItem[] = [];
    doc.split('\n').forEach((l, i) => s.feed(l, i + 1, out));
    return out;
  }

  it('cuts the elements of resourceSpans, data or a top-level array out of a document', () => {
    const otlp = split(JSON.stringify({ resourceSpans: [{ a: 1 }, { b: '}]"' }] }, null, 2));
    expect(otlp.map((i) => [i.line, i.wrap, parseItem(i)])).toEqual([
      [3, 'resourceSpans', { resourceSpans: [{ a: 1 }] }],
      [6, 'resourceSpans', { resourceSpans: [{ b: '}]"' }] }],
    ]);
    const jaeger = split(
      JSON.stringify(
        { data: [{ traceID: 'x', spans: [] }], total: 0, errors: [{ e: 1 }] },
        null,
        1,
      ),
    );
    expect(jaeger.map((i) => parseItem(i))).toEqual([{ data: [{ traceID: 'x', spans: [] }] }]);
    const zipkin = split(JSON.stringify([{ traceId: 'a', id: 'b' }], null, 1));
    expect(zipkin.map((i) => parseItem(i))).toEqual([[{ traceId: 'a', id: 'b' }]]);
  });

  it('counts elements of the span array that are not objects, at the line of the first', () => {
    const s = new DocumentSplitter();
    const out: JsonItem[] = [];
    const doc = JSON.stringify(
      [{ traceId: 'a' }, 42, null, 'x,y', { traceId: 'b' }, -1.5e3],
      null,
      1,
    );
    doc.split('\n').forEach((l, i) => s.feed(l, i + 1, out));
    expect(out.map((i) => parseItem(i))).toEqual([[{ traceId: 'a' }], [{ traceId: 'b' }]]);
    expect([s.scalars, s.firstScalarLine]).toEqual([4, 5]);
    const one = new DocumentSplitter();
    one.feed('{"data": [ {"traceID": "x"}, true ], "total": 3}', 1, out);
    expect(one.scalars).toBe(1);
  });

  it('parses a document without such an array whole', () => {
    const s = new DocumentSplitter();
    const out: JsonItem[] = [];
    JSON.stringify({ traceID: 'x', spans: [{ spanID: 'y' }], processes: {} }, null, 2)
      .split('\n')
      .forEach((l, i) => s.feed(l, i + 1, out));
    expect(out.map((i) => [i.line, parseItem(i)])).toMatchObject([[1, { traceID: 'x' }]]);
    expect(s.wholeDocument()).toBeUndefined();
  });

  it('reads every document of a file of several (`jq .` of JSON lines), not only the first', () => {
    const s = new DocumentSplitter();
    const out: JsonItem[] = [];
    const otlp = (id: string) => ({
      resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: id }] }] }],
    });
    const jaeger = { traceID: 'j', spans: [{ spanID: 'k' }], processes: {} };
    const text = [otlp('a'), otlp('b'), jaeger, [{ traceId: 'z' }]]
      .map((d) => JSON.stringify(d, null, 2))
      .join('\n\n');
    text.split('\n').forEach((l, i) => s.feed(l, i + 1, out));
    expect(out.map((i) => parseItem(i))).toEqual([
      otlp('a'),
      otlp('b'),
      jaeger,
      [{ traceId: 'z' }],
    ]);
    // Each item at the line its element starts.
    expect(out.map((i) => text.split('\n')[i.line - 1]!.trim())).toEqual(['{', '{', '{', '{']);
    expect([s.foundContainer, s.open, s.unfinished()]).toEqual([true, false, undefined]);
    expect(s.wholeDocument()).toBeUndefined();
  });

  it('tells JSON lines from a document spread over lines', () => {
    expect(decideLayout(['{"a":1}', '{"b":2}'])).toBe('lines');
    expect(decideLayout(['{"a":', '{"b":2}'])).toBe('lines'); // a malformed first line
    expect(decideLayout(['{"a":', '{"b":', '{"c":3}'])).toBe('lines'); // and a second
    expect(decideLayout(['{', '  "resourceSpans": ['])).toBe('document');
    // A document whose elements are compact lines that parse alone.
    expect(decideLayout(['[', '{"traceId":"a","id":"b"}', ']'])).toBe('document');
    expect(decideLayout(['{"resourceSpans": [', '{"scopeSpans":[]}', ']}'])).toBe('document');
    expect(decideLayout(['{'])).toBe('document');
  });
});

describe('TraceAssembler', () => {
  it('hands on whole traces at the end, in first-arrival order', () => {
    const got: RawTrace[] = [];
    const a = new TraceAssembler((t) => got.push(t));
    a.add([
      span({ id: '1', trace: 'A', service: 's', start: 0, end: 1 }),
      span({ id: '2', trace: 'B', service: 's', start: 0, end: 1 }),
    ]);
    a.add([span({ id: '3', trace: 'A', service: 's', start: 0, end: 1 })]);
    expect(got).toHaveLength(0);
    a.finish();
    expect(got.map((t) => [t.traceId, t.spans.length, t.partial])).toEqual([
      ['A', 2, false],
      ['B', 1, false],
    ]);
  });

  it('bounds the spans in flight and counts spans that come too late', () => {
    const got: RawTrace[] = [];
    const a = new TraceAssembler((t) => got.push(t), { maxSpansInFlight: 10 });
    for (let k = 0; k < 30; k++)
      a.add([span({ id: `s${k}`, trace: `T${k}`, service: 's', start: 0, end: 1 })]);
    expect(got.length).toBeGreaterThanOrEqual(19); // never more than 10 waiting
    a.add([span({ id: 'late', trace: 'T0', service: 's', start: 0, end: 1 })]);
    a.finish();
    expect(a.stats.lateSpans).toBe(1);
    expect(got.filter((t) => t.traceId === 'T0').map((t) => t.partial)).toEqual([false, true]);
  });

  it('hands on traces that stopped receiving spans while input went on (idle)', () => {
    const got: RawTrace[] = [];
    const a = new TraceAssembler((t) => got.push(t), { idleSpans: 1000 });
    a.add([span({ id: 'first', trace: 'early', service: 's', start: 0, end: 1 })]);
    for (let k = 0; k < 1500; k++)
      a.add([span({ id: `s${k}`, trace: `busy${k % 3}`, service: 's', start: 0, end: 1 })]);
    expect(got.map((t) => t.traceId)).toEqual(['early']);
    a.finish();
    expect(got).toHaveLength(4);
    expect(a.stats.lateSpans).toBe(0);
  });

  it('hands on an oversized trace in parts', () => {
    const got: RawTrace[] = [];
    const a = new TraceAssembler((t) => got.push(t), { maxSpansPerTrace: 3 });
    for (let k = 0; k < 7; k++)
      a.add([span({ id: `s${k}`, trace: 'big', service: 's', start: 0, end: 1 })]);
    a.finish();
    expect(got.map((t) => t.spans.length)).toEqual([3, 3, 1]);
    expect(a.stats.oversizedTraces).toBe(1);
  });

  it('hands on an oversized trace in parts when its spans come in one batch, among others', () => {
    const got: RawTrace[] = [];
    const a = new TraceAssembler((t) => got.push(t), { maxSpansPerTrace: 3 });
    const ids = ['big', 'big', 'small', 'big', 'big', 'big', 'big', 'small'];
    a.add(ids.map((trace, k) => span({ id: `s${k}`, trace, service: 's', start: 0, end: 1 })));
    a.finish();
    expect(got.map((t) => [t.traceId, t.spans.map((s) => s.spanId)])).toEqual([
      ['big', ['s0', 's1', 's3']],
      ['big', ['s4', 's5', 's6']],
      ['small', ['s2', 's7']],
    ]);
  });
});
