import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { parseSince, readJaeger } from '../../../analyze/traces/readers/jaeger-api.js';
import type { SourceSummary } from '../../../analyze/traces/readers/files.js';
import { Problems } from '../../../analyze/traces/readers/problems.js';
import type { Span } from '../../../analyze/traces/span.js';

// A local server answering /api/traces the way Jaeger's memory store does (at most `limit`
// traces of the window [start, end] in µs, in storage order, oldest first): enough to check the
// paging, not Jaeger itself (the integration test runs the real one).
const T0 = 1_700_000_000_000;
const TRACES = Array.from({ length: 7 }, (_, k) => ({
  traceID: `${k}`.padStart(32, 'a'),
  spans: [
    {
      traceID: `${k}`.padStart(32, 'a'),
      spanID: `${k}`.padStart(16, 'b'),
      operationName: 'GET /',
      references: [],
      startTime: (T0 + k * 1000) * 1000,
      duration: 5000,
      tags: [],
      processID: 'p1',
    },
  ],
  processes: { p1: { serviceName: 'web', tags: [] } },
}));

let server: Server;
let url: string;
const requests: URLSearchParams[] = [];
let flakyFailures = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x');
    res.setHeader('content-type', 'application/json');
    if (u.pathname === '/jaeger/api/services') {
      res.end(JSON.stringify({ data: ['web', 'jaeger-all-in-one', 'api'], total: 3 }));
      return;
    }
    const q = u.searchParams;
    // `flaky` fails its first request, then answers as `web`.
    if (q.get('service') === 'flaky' && flakyFailures++ === 0) {
      res.writeHead(503);
      res.end('{}');
      return;
    }
    requests.push(q);
    if (q.get('service') === 'refused') {
      res.writeHead(400);
      res.end('{"errors":[{"code":400,"msg":"bad request"}]}');
      return;
    }
    if (q.get('service') === 'broken') {
      // One good span and one without a span id.
      const t = TRACES[0]!;
      const bad = { ...t.spans[0]!, spanID: '' };
      res.end(JSON.stringify({ data: [{ ...t, spans: [t.spans[0], bad] }], total: 1 }));
      return;
    }
    // `web` is in every trace, `api` in the last two, Jaeger's own service in none.
    const svc = q.get('service');
    const only = svc === 'api' ? 5 : svc === 'web' || svc === 'flaky' ? 0 : Infinity;
    const start = Number(q.get('start'));
    const end = Number(q.get('end'));
    const data = TRACES.filter(
      (t, k) => k >= only && t.spans[0]!.startTime >= start && t.spans[0]!.startTime <= end,
    ).slice(0, Number(q.get('limit')));
    res.end(JSON.stringify({ data, total: data.length, limit: 0, offset: 0, errors: null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/jaeger`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function collect(q: Parameters<typeof readJaeger>[0]) {
  const spans: Span[] = [];
  const summaries: SourceSummary[] = [];
  for await (const b of readJaeger(q, new Problems(), summaries)) spans.push(...b);
  return { spans, summaries };
}

describe('Jaeger query API source', () => {
  it('splits a window whose answer is full until every answer is short, and finds every trace', async () => {
    requests.length = 0;
    const { spans, summaries } = await collect({
      url,
      service: 'web',
      startMs: T0 - 1000,
      endMs: T0 + 60_000,
      limit: 3,
    });
    expect(spans.map((s) => s.traceId).sort()).toEqual(TRACES.map((t) => t.traceID).sort());
    expect(requests.length).toBeGreaterThan(2);
    expect(requests.map((q) => q.get('service'))).toEqual(requests.map(() => 'web'));
    // Every window asked is inside the one given.
    for (const q of requests) {
      expect(Number(q.get('start'))).toBeGreaterThanOrEqual((T0 - 1000) * 1000);
      expect(Number(q.get('end'))).toBeLessThanOrEqual((T0 + 60_000) * 1000);
    }
    expect(summaries[0]).toMatchObject({
      format: 'jaeger',
      layout: 'api',
      spans: 7,
      lines: requests.length,
    });
  });

  it('without a service, reads every service Jaeger lists but its own, each trace once', async () => {
    requests.length = 0;
    const { spans } = await collect({ url, startMs: T0 - 1000, endMs: T0 + 60_000, limit: 3 });
    expect(spans.map((s) => s.traceId).sort()).toEqual(TRACES.map((t) => t.traceID).sort());
    expect([...new Set(requests.map((q) => q.get('service')))]).toEqual(['api', 'web']);
  });

  it('says when it stopped before the window was read', async () => {
    const problems = new Problems();
    for await (const b of readJaeger(
      { url, service: 'web', startMs: T0 - 1000, endMs: T0 + 60_000, limit: 3, maxPages: 1 },
      problems,
      [],
    ))
      void b;
    expect(problems.samples[0]!.problem).toMatch(
      /stopped after 1 requests with part of the window unread/,
    );
  });

  it('counts a malformed span in an answer, and stops at it with strict', async () => {
    const q = { url, service: 'broken', startMs: T0 - 1000, endMs: T0 + 60_000 };
    const problems = new Problems();
    for await (const b of readJaeger(q, problems, [])) void b;
    expect(problems.count('invalidSpan')).toBe(1);
    const strict = async () => {
      for await (const b of readJaeger({ ...q, strict: true }, new Problems(), [])) void b;
    };
    const err = await strict().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    expect(err).toMatchObject({ code: 'OBS_BAD_INPUT', exit: 65, line: 1 });
    expect((err as ObsError).message).toMatch(/--strict stops at the first bad input/);
  });

  it('keeps the path prefix of the URL', async () => {
    requests.length = 0;
    await collect({ url, service: 'web', startMs: T0, endMs: T0 + 10, limit: 3 });
    expect(requests).toHaveLength(1);
  });

  it('retries a failed request, telling of it, and reads on', async () => {
    const retries: string[] = [];
    const { spans } = await collect({
      url,
      service: 'flaky',
      startMs: T0 - 1000,
      endMs: T0 + 60_000,
      retry: { retries: 2, minDelayMs: 5, maxDelayMs: 5, timeoutMs: 500 },
      onRetry: (r) => retries.push(`${r.reason} (${r.retriesLeft} left)`),
    });
    expect(retries).toEqual(['HTTP 503 (2 left)']);
    expect(spans).toHaveLength(TRACES.length);
  });

  it('reports an unreachable Jaeger after retrying', async () => {
    // A port nothing listens on (port 1 would not do: fetch refuses it outright, no retries).
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await collect({
      url: `http://127.0.0.1:${port}`,
      service: 'web',
      startMs: T0,
      endMs: T0 + 10,
      retry: { retries: 1, minDelayMs: 10, maxDelayMs: 10, timeoutMs: 500 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    expect((err as ObsError).exit).toBe(69);
    // Without the query string, where a token may travel (an authenticating proxy's ?token=).
    expect((err as ObsError).message).toMatch(
      new RegExp(
        `cannot reach Jaeger at http://127\\.0\\.0\\.1:${port}/api/traces after 2 attempts`,
      ),
    );
  });

  it("shows Jaeger's URL without its query string when Jaeger answers an error", async () => {
    const err = await collect({
      url: `${url}?token=s3cret`,
      service: 'refused',
      startMs: T0,
      endMs: T0 + 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    expect((err as ObsError).message).toBe(
      `Jaeger answered HTTP 400 at ${url}/api/traces: {"errors":[{"code":400,"msg":"bad request"}]}`,
    );
    expect(JSON.stringify(err)).not.toContain('s3cret');
  });

  it('parses --since durations and refuses others', () => {
    expect(parseSince('15m')).toBe(900_000);
    expect(parseSince('2h')).toBe(7_200_000);
    expect(parseSince('90s')).toBe(90_000);
    expect(() => parseSince('soon')).toThrow(/not a duration: "soon"/);
    expect(() => parseSince('0m')).toThrow(/not a duration: "0m"/);
  });
});
