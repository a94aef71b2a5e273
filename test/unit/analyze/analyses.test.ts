import { describe, expect, it } from 'vitest';
import { at, traceOf } from '../../support/spans.js';
import type { SpanSpec } from '../../support/spans.js';
import {
  criticalPath,
  criticalPathAnalysis,
} from '../../../analyze/traces/analyses/critical-path.js';
import { errorOriginAnalysis } from '../../../analyze/traces/analyses/error-origin.js';
import {
  UsualCalls,
  calleesOf,
  entryOf,
  opKey,
} from '../../../analyze/traces/analyses/usual-calls.js';
import { profileAnalysis } from '../../../analyze/traces/analyses/profile.js';
import { healthAnalysis } from '../../../analyze/traces/analyses/health.js';
import { rankRootCauses } from '../../../analyze/traces/analyses/root-causes.js';
import type { Trace } from '../../../analyze/traces/trace.js';

const env = { logs: undefined };
const ctx = { results: {}, baseline: undefined, logs: undefined };

function pathOf(t: Trace, root = t.roots[0]!): Record<string, number> {
  const out: Record<string, number> = {};
  criticalPath(t, root, (i, ms) => {
    const id = t.spans[i]!.spanId;
    out[id] = (out[id] ?? 0) + ms;
  });
  return out;
}

describe('critical path', () => {
  it('walks back from the end through the last-finishing child (overlapping children)', () => {
    // a and b overlap; b finishes last. a ends after b started, so (as in Jaeger) it is not on
    // the path: what precedes b is the parent's own time.
    const t = traceOf([
      { id: 'root', service: 'web', start: 0, end: 100 },
      { id: 'a', parent: 'root', service: 'x', start: 10, end: 50 },
      { id: 'b', parent: 'root', service: 'y', start: 40, end: 90 },
    ]);
    const p = pathOf(t);
    expect(p.b).toBeCloseTo(50); // 40..90
    expect(p.a).toBeUndefined();
    expect(p.root).toBeCloseTo(50); // 0..40 and 90..100
    expect(Object.values(p).reduce((x, y) => x + y, 0)).toBeCloseTo(100);
  });

  it('clips children that overflow the parent', () => {
    const t = traceOf([
      { id: 'root', service: 'web', start: 0, end: 100 },
      { id: 'c', parent: 'root', service: 'web', start: 60, end: 180 },
      { id: 'gc', parent: 'c', service: 'web', start: 150, end: 170 },
    ]);
    const p = pathOf(t);
    expect(p.c).toBeCloseTo(40); // 60..100, clipped at the parent's end
    expect(p.gc).toBeUndefined(); // entirely after the parent ended
    expect(p.root).toBeCloseTo(60);
  });

  it('takes an earlier child that ends before the later one starts', () => {
    const t = traceOf([
      { id: 'root', service: 'web', start: 0, end: 100 },
      { id: 'a', parent: 'root', service: 'x', start: 10, end: 30 },
      { id: 'b', parent: 'root', service: 'y', start: 40, end: 90 },
    ]);
    expect(pathOf(t)).toEqual({
      root: expect.closeTo(30, 5) as number,
      a: expect.closeTo(20, 5) as number,
      b: expect.closeTo(50, 5) as number,
    });
  });

  it('skips a child hidden behind a later one and sums to the root duration', () => {
    const t = traceOf([
      { id: 'root', service: 'web', start: 0, end: 100 },
      { id: 'long', parent: 'root', service: 'x', start: 5, end: 95 },
      { id: 'inner', parent: 'root', service: 'y', start: 20, end: 30 },
    ]);
    const p = pathOf(t);
    expect(p.long).toBeCloseTo(90);
    expect(p.inner).toBeUndefined();
    expect(p.root).toBeCloseTo(10);
  });

  it('aggregates shares per service', () => {
    const run = criticalPathAnalysis.create({ slowestTraces: 2 }, env);
    run.add!(
      traceOf([
        { id: 'root', service: 'web', start: 0, end: 100 },
        { id: 'db', parent: 'root', service: 'db', start: 0, end: 75 },
      ]),
    );
    run.add!(
      traceOf(
        [
          { id: 'root', service: 'web', start: 0, end: 300 },
          { id: 'a', parent: 'root', service: 'cart', start: 10, end: 100 },
          { id: 'b', parent: 'root', service: 'db', start: 120, end: 280 },
        ],
        'slow',
      ),
    );
    run.add!(traceOf([{ id: 'r', service: 'web', start: 0, end: 50 }], 'fast'));
    const r = run.finish(ctx)!;
    expect(r.services.find((s) => s.service === 'db')!.share).toBeCloseTo((75 + 160) / 450);
    // The slowest traces step by step, in time order, at most as many as configured.
    expect(r.slowest.map((p) => p.traceId)).toEqual(['slow', 'trace1']);
    expect(r.slowest[0]!.path).toEqual([
      { service: 'web', operation: 'root', ms: 10 },
      { service: 'cart', operation: 'a', ms: 90 },
      { service: 'web', operation: 'root', ms: 20 },
      { service: 'db', operation: 'b', ms: 160 },
      { service: 'web', operation: 'root', ms: 20 },
    ]);
  });

  it('keeps the same slowest traces whatever order equally slow traces complete in', () => {
    // Shards see their traces complete in any order; ties go to the smaller trace id.
    const slowest = (ids: string[]) => {
      const run = criticalPathAnalysis.create({ slowestTraces: 2 }, env);
      for (const id of ids) run.add!(traceOf([{ id: 'r', service: 'web', start: 0, end: 50 }], id));
      return run.finish(ctx)!.slowest.map((p) => p.traceId);
    };
    expect(slowest(['c', 'b', 'a'])).toEqual(['a', 'b']);
    expect(slowest(['a', 'b', 'c'])).toEqual(['a', 'b']);
  });

  it('names the service a step calls: a slow network shows on the calling client span', () => {
    const run = criticalPathAnalysis.create({ slowestTraces: 1 }, env);
    run.add!(
      traceOf([
        { id: 'root', service: 'web', start: 0, end: 1000 },
        { id: 'HTTP POST', parent: 'root', service: 'web', start: 10, end: 990 },
        { id: 'POST /route', parent: 'HTTP POST', service: 'route', start: 495, end: 505 },
      ]),
    );
    const steps = run.finish(ctx)!.slowest[0]!.path;
    expect(steps.find((p) => p.operation === 'HTTP POST')).toMatchObject({
      service: 'web',
      calls: 'route',
    });
    // A span whose children are in its own service, or in none, calls nobody.
    expect(steps.find((p) => p.operation === 'root')!.calls).toBeUndefined();
    expect(steps.find((p) => p.operation === 'POST /route')!.calls).toBeUndefined();
  });
});

describe('error origin', () => {
  const chain: SpanSpec[] = [
    { id: 'web', service: 'web', start: 0, end: 100, error: true },
    { id: 'call', parent: 'web', service: 'web', start: 10, end: 90, error: true },
    { id: 'orders', parent: 'call', service: 'orders', start: 15, end: 85, error: true },
    { id: 'ok', parent: 'orders', service: 'db', start: 20, end: 30 },
    { id: 'pay', parent: 'orders', service: 'payments', start: 40, end: 80, error: true },
  ];

  it('names the deepest failed span, not those that pass the error up', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    run.add!(traceOf(chain, 'failing'));
    run.add!(traceOf([{ id: 'fine', service: 'web', start: 0, end: 10 }], 'fine'));
    const r = run.finish(ctx)!;
    expect(r.failingTraces).toBe(1);
    expect(r.traces).toBe(2);
    expect(r.services[0]).toMatchObject({
      service: 'payments',
      traces: 1,
      origins: 1,
      examples: ['failing'],
    });
    const orders = r.services.find((s) => s.service === 'orders')!;
    expect(orders).toMatchObject({ origins: 0, propagated: 1, traces: 0 });
  });

  it('does not blame a service for reporting a downstream error (ASGI `http send` spans)', () => {
    // A failed span of `service` under `parent`, from `start` to `end` (ms).
    const failed = (
      id: string,
      parent: string | undefined,
      service: string,
      start: number,
      end: number,
      kind: SpanSpec['kind'],
    ): SpanSpec => ({ id, parent, service, start, end, kind, error: true });
    const chain = [
      failed('gw', undefined, 'gateway', 0, 100, 'server'),
      failed('call', 'gw', 'gateway', 5, 80, 'client'),
      failed('pay', 'call', 'payments', 10, 70, 'server'),
    ];
    const origins = (specs: SpanSpec[]) => {
      const run = errorOriginAnalysis.create({ examples: 3 }, env);
      run.add!(traceOf(specs));
      return run
        .finish(ctx)!
        .services.filter((s) => s.origins > 0)
        .map((s) => s.service)
        .sort();
    };
    expect(
      origins([
        ...chain,
        failed('paysend', 'pay', 'payments', 60, 61, 'internal'),
        failed('send', 'gw', 'gateway', 85, 86, 'internal'),
        { id: 'body', parent: 'gw', service: 'gateway', start: 86, end: 87, kind: 'internal' },
      ]),
    ).toEqual(['payments']);
    // An in-process step that failed before the call is the gateway's own error.
    expect(origins([...chain, failed('auth', 'gw', 'gateway', 1, 4, 'internal')])).toEqual([
      'gateway',
      'payments',
    ]);
  });

  it('shares a fail-fast error with the usual callee it skipped (open circuit breaker)', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    // orders -> payments; `error`: every span failed; `calls: false`: orders failed at once.
    const order = (id: string, error: boolean, calls = true) =>
      traceOf(
        [
          {
            id: 'o',
            service: 'orders',
            name: 'POST /orders',
            start: 0,
            end: 50,
            kind: 'server',
            error,
          },
          ...(calls
            ? [
                {
                  id: 'c',
                  parent: 'o',
                  service: 'orders',
                  start: 5,
                  end: 40,
                  kind: 'client',
                  error,
                },
                {
                  id: 'p',
                  parent: 'c',
                  service: 'payments',
                  start: 10,
                  end: 30,
                  kind: 'server',
                  error,
                },
              ]
            : []),
        ] as SpanSpec[],
        id,
      );
    // Five fine requests teach that orders usually calls payments.
    for (let k = 0; k < 5; k++) run.add!(order(`ok${k}`, false));
    run.add!(order('slow', true));
    run.add!(order('fast', true, false));
    const r = run.finish(ctx)!;
    expect(r.services.find((s) => s.service === 'orders')).toMatchObject({
      traces: 1,
      failFast: 1,
      skippedBy: 0,
    });
    expect(r.services.find((s) => s.service === 'payments')).toMatchObject({
      traces: 1,
      failFast: 0,
      skippedBy: 1,
    });
  });

  it('learns usual calls in one pass: the callees calleesOf finds for each successful entry', () => {
    // Children listed before their parents; an entry reached through nested same-service spans;
    // a callee called twice by one entry; a failed entry whose calls do not count.
    const t = traceOf([
      { id: 'q2', parent: 'cl2', service: 'search', start: 22, end: 28 },
      { id: 'p1', parent: 'cl1', service: 'payments', start: 11, end: 19 },
      { id: 'cl1', parent: 'mid', service: 'orders', start: 10, end: 20, kind: 'client' },
      { id: 'cl2', parent: 'mid', service: 'orders', start: 21, end: 29, kind: 'client' },
      { id: 'p2', parent: 'cl3', service: 'payments', start: 31, end: 39 },
      { id: 'cl3', parent: 'o', service: 'orders', start: 30, end: 40, kind: 'client' },
      { id: 'mid', parent: 'o', service: 'orders', start: 5, end: 29 },
      { id: 'o', parent: 'gw', service: 'orders', start: 2, end: 45, kind: 'server' },
      { id: 'gw', service: 'gateway', start: 0, end: 50, kind: 'server' },
      { id: 'bad', parent: 'gw', service: 'stock', start: 46, end: 49, error: true },
      { id: 'w', parent: 'bad', service: 'warehouse', start: 47, end: 48 },
    ]);
    const usual = new UsualCalls();
    usual.add(t);
    const expected = new Map<string, { n: number; calls: Map<string, number> }>();
    for (let i = 0; i < t.spans.length; i++) {
      if (t.spans[i]!.error || entryOf(t, i) !== i) continue;
      const o = expected.get(opKey(t, i)) ?? { n: 0, calls: new Map<string, number>() };
      o.n++;
      for (const c of calleesOf(t, i)) o.calls.set(c, (o.calls.get(c) ?? 0) + 1);
      expected.set(opKey(t, i), o);
    }
    expect(usual.state.ok).toEqual(expected);
    expect(usual.state.ok.get(opKey(t, at(t, 'o')))!.calls).toEqual(
      new Map([
        ['payments', 1],
        ['search', 1],
      ]),
    );
    expect(usual.state.ok.has(opKey(t, at(t, 'bad')))).toBe(false);
  });

  it('does not count a 4xx the callee answered without failing (a declined payment)', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    const t = traceOf([
      { id: 'gw', service: 'gateway', start: 0, end: 100, kind: 'server' },
      {
        id: 'call',
        parent: 'gw',
        service: 'gateway',
        start: 5,
        end: 80,
        kind: 'client',
        error: true,
      },
      { id: 'pay', parent: 'call', service: 'payments', start: 10, end: 70, kind: 'server' },
    ]);
    t.spans[at(t, 'call')]!.httpStatus = 402;
    run.add!(t);
    const r = run.finish(ctx)!;
    expect(r.failingTraces).toBe(0);
    expect(r.services.filter((s) => s.origins > 0)).toEqual([]);
  });

  it('takes a gRPC NOT_FOUND as the callee answer, UNAVAILABLE as an error', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    const call = (code: number, trace: string) => {
      const t = traceOf(
        [
          { id: 'gw', service: 'gateway', start: 0, end: 100, kind: 'server' },
          {
            id: 'call',
            parent: 'gw',
            service: 'gateway',
            start: 5,
            end: 80,
            kind: 'client',
            error: true,
          },
          { id: 'inv', parent: 'call', service: 'inventory', start: 10, end: 70, kind: 'server' },
        ],
        trace,
      );
      t.spans[at(t, 'call')]!.grpcStatus = code;
      return t;
    };
    run.add!(call(5, 'notFound'));
    run.add!(call(14, 'unavailable'));
    const r = run.finish(ctx)!;
    expect(r.failingTraces).toBe(1);
    expect(r.services).toMatchObject([
      { service: 'gateway', traces: 1, examples: ['unavailable'] },
    ]);
  });

  it('takes a 4xx of a callee without spans (a third-party API) as its answer, a 5xx as an error', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    const external = (status: number, trace: string) => {
      const t = traceOf(
        [
          { id: 'web', service: 'web', start: 0, end: 100, kind: 'server' },
          {
            id: 'ext',
            parent: 'web',
            service: 'web',
            start: 5,
            end: 80,
            kind: 'client',
            error: true,
          },
        ],
        trace,
      );
      t.spans[at(t, 'ext')]!.httpStatus = status;
      return t;
    };
    run.add!(external(404, 'notFound'));
    run.add!(external(503, 'unavailable'));
    const r = run.finish(ctx)!;
    expect(r.failingTraces).toBe(1);
    expect(r.services).toMatchObject([{ service: 'web', traces: 1, examples: ['unavailable'] }]);
  });

  it('counts the callee still working when a call failed: overrunning it, or on a timeout status', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    /** gateway calls orders; the call fails at 50 ms; orders ends at `end` without failing. */
    const call = (trace: string, end: number, status?: { http?: number; grpc?: number }) => {
      const t = traceOf(
        [
          { id: 'gw', service: 'gateway', start: 0, end: 60, kind: 'server', error: true },
          {
            id: 'call',
            parent: 'gw',
            service: 'gateway',
            start: 5,
            end: 50,
            kind: 'client',
            error: true,
          },
          { id: 'ord', parent: 'call', service: 'orders', start: 10, end, kind: 'server' },
        ],
        trace,
      );
      t.spans[at(t, 'call')]!.httpStatus = status?.http;
      t.spans[at(t, 'call')]!.grpcStatus = status?.grpc;
      return t;
    };
    run.add!(call('overran', 90));
    run.add!(call('sameEnd', 50));
    run.add!(call('gatewayTimeout', 40, { http: 504 }));
    run.add!(call('deadline', 40, { grpc: 4 }));
    // Orders answered in time: a 500 it did not record as failed is the call's own error.
    run.add!(call('answered', 40, { http: 500 }));
    const r = run.finish(ctx)!;
    expect(r.services.find((s) => s.service === 'gateway')).toMatchObject({
      traces: 5,
      slowCallees: [{ service: 'orders', traces: 4 }],
    });
  });

  it('counts per operation the failed spans that gave up waiting on a slow callee', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    // gateway's checkout calls orders, which is still working when the call fails at 50 ms;
    // its login fails on its own in the same trace.
    const t = traceOf([
      {
        id: 'gw',
        service: 'gateway',
        name: 'POST /checkout',
        start: 0,
        end: 60,
        kind: 'server',
        error: true,
      },
      {
        id: 'call',
        parent: 'gw',
        service: 'gateway',
        name: 'POST',
        start: 5,
        end: 50,
        kind: 'client',
        error: true,
      },
      { id: 'ord', parent: 'call', service: 'orders', start: 10, end: 90, kind: 'server' },
      {
        id: 'login',
        service: 'gateway',
        name: 'POST /login',
        start: 0,
        end: 5,
        kind: 'server',
        error: true,
      },
    ]);
    run.add!(t);
    const r = run.finish(ctx)!;
    const slow = (operation: string) =>
      r.operations.find((o) => o.service === 'gateway' && o.operation === operation)!.slowCallees;
    // The call, and the request that failed with it, gave up waiting on orders.
    expect(slow('POST')).toEqual([{ service: 'orders', spans: 1 }]);
    expect(slow('POST /checkout')).toEqual([{ service: 'orders', spans: 1 }]);
    expect(slow('POST /login')).toEqual([]);
  });

  it('does not take a message consumer that runs after its producer for a slow callee', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    run.add!(
      traceOf([
        { id: 'req', service: 'orders', start: 0, end: 20, kind: 'server', error: true },
        {
          id: 'send',
          parent: 'req',
          service: 'orders',
          start: 5,
          end: 7,
          kind: 'producer',
          error: true,
        },
        { id: 'recv', parent: 'send', service: 'mailer', start: 30, end: 40, kind: 'consumer' },
      ]),
    );
    const r = run.finish(ctx)!;
    expect(r.services.find((s) => s.service === 'orders')!.slowCallees).toEqual([]);
  });

  it('names the dependency without spans where errors start, first among the reasons', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    for (const [k, peer] of ['stripe', 'stripe', 'redis'].entries()) {
      run.add!(
        traceOf(
          [
            { id: 'in', service: 'checkout', kind: 'server', start: 0, end: 100, error: true },
            {
              id: 'out',
              parent: 'in',
              service: 'checkout',
              kind: 'client',
              start: 5,
              end: 90,
              error: true,
              peer,
            },
          ],
          `t${k}`,
        ),
      );
    }
    const errorOrigins = run.finish(ctx)!;
    expect(errorOrigins.services[0]).toMatchObject({
      service: 'checkout',
      traces: 3,
      dependencies: [
        { peer: 'stripe', traces: 2 },
        { peer: 'redis', traces: 1 },
      ],
    });
    const [top] = rankRootCauses({ top: 5, reasons: 3 }, { ...ctx, results: { errorOrigins } });
    expect(top!.service).toBe('checkout');
    expect(top!.reasons[0]).toBe(
      'errors start at its calls to stripe (2), redis (1), which send no spans of their own (3 of its 3 failing traces)',
    );
  });

  it('finds two origins when two branches fail on their own', () => {
    const run = errorOriginAnalysis.create({ examples: 3 }, env);
    run.add!(
      traceOf([
        { id: 'web', service: 'web', start: 0, end: 100, error: true },
        { id: 'a', parent: 'web', service: 'a', start: 10, end: 20, error: true },
        { id: 'b', parent: 'web', service: 'b', start: 30, end: 40, error: true },
      ]),
    );
    const r = run.finish(ctx)!;
    expect(
      r.services
        .filter((s) => s.origins > 0)
        .map((s) => s.service)
        .sort(),
    ).toEqual(['a', 'b']);
  });
});

describe('profile and health', () => {
  it('splits a client span into the call (network time) and leaves own work to the rest', () => {
    const run = profileAnalysis.create({ maxOperations: 100 }, env);
    const t = traceOf([
      { id: 'root', service: 'web', name: 'GET /', start: 0, end: 100 },
      { id: 'call', parent: 'root', service: 'web', name: 'POST /orders', start: 10, end: 90 },
      { id: 'srv', parent: 'call', service: 'orders', name: 'POST /orders', start: 30, end: 70 },
    ]);
    run.add!(t);
    const p = run.finish(ctx)!;
    const call = [...p.calls.values()][0]!;
    expect(call).toMatchObject({
      caller: 'web',
      callee: 'orders',
      operation: 'POST /orders',
      count: 1,
    });
    expect(call.gap.quantile(0.5)).toBeCloseTo(40, 0); // 80 ms call, 40 ms in orders
    const clientOp = [...p.ops.values()].find(
      (o) => o.service === 'web' && o.name === 'POST /orders',
    )!;
    expect(clientOp.clientLike).toBe(1);
    expect(clientOp.work.count).toBe(0);
    expect(at(t, 'srv')).toBeGreaterThanOrEqual(0);
  });

  it('reports requests, errors and percentiles per service from entry spans', () => {
    const prof = profileAnalysis.create({ maxOperations: 100 }, env);
    const cp = criticalPathAnalysis.create({ slowestTraces: 2 }, env);
    const eo = errorOriginAnalysis.create({ examples: 1 }, env);
    for (let k = 0; k < 10; k++) {
      const t = traceOf(
        [
          { id: 'root', service: 'web', start: 0, end: 100 + k },
          { id: 'db', parent: 'root', service: 'db', start: 10, end: 20, error: k === 0 },
        ],
        `t${k}`,
      );
      for (const r of [prof, cp, eo]) r.add!(t);
    }
    const results = {
      profile: prof.finish(ctx)!,
      criticalPath: cp.finish(ctx)!,
      errorOrigins: eo.finish(ctx)!,
    };
    const h = healthAnalysis.create({ maxOperations: 10 }, env).finish({ ...ctx, results })!;
    const db = h.services.find((s) => s.service === 'db')!;
    expect(db).toMatchObject({ requests: 10, errors: 1, errorOrigins: 1 });
    expect(db.errorRatio).toBeCloseTo(0.1);
    const web = h.services.find((s) => s.service === 'web')!;
    expect(web.p50Ms).toBeGreaterThanOrEqual(103);
    expect(web.p50Ms).toBeLessThanOrEqual(106);
    expect(web.p99Ms).toBeLessThanOrEqual(109.1);
  });

  it('counts failed requests, not failed calls out, when both share an operation name', () => {
    // Node's HTTP instrumentation without a route names server and client spans alike: `GET`.
    const prof = profileAnalysis.create({ maxOperations: 100 }, env);
    for (let k = 0; k < 4; k++) {
      prof.add!(
        traceOf(
          [
            { id: 'in', service: 'api', name: 'GET', kind: 'server', start: 0, end: 50 },
            {
              id: 'out',
              parent: 'in',
              service: 'api',
              name: 'GET',
              kind: 'client',
              start: 5,
              end: 45,
              error: true,
            },
            { id: 'cache', parent: 'out', service: 'cache', kind: 'server', start: 10, end: 40 },
          ],
          `t${k}`,
        ),
      );
    }
    const results = { profile: prof.finish(ctx)! };
    const h = healthAnalysis.create({ maxOperations: 10 }, env).finish({ ...ctx, results })!;
    expect(h.services.find((s) => s.service === 'api')).toMatchObject({ requests: 4, errors: 0 });
    // The operation still shows its failed spans.
    expect(h.operations.find((o) => o.service === 'api')).toMatchObject({ count: 8, errors: 4 });
  });

  it('counts one request for nested server spans of one service, two for a call to itself', () => {
    // WSGI middleware and Django's instrumentation both record the request: one request.
    const prof = profileAnalysis.create({ maxOperations: 100 }, env);
    for (let k = 0; k < 3; k++) {
      prof.add!(
        traceOf(
          [
            { id: 'wsgi', service: 'web', name: 'GET /', kind: 'server', start: 0, end: 50 },
            { id: 'dj', parent: 'wsgi', service: 'web', kind: 'server', start: 1, end: 49 },
            { id: 'call', parent: 'dj', service: 'web', kind: 'client', start: 2, end: 20 },
            { id: 'self', parent: 'call', service: 'web', kind: 'server', start: 3, end: 19 },
          ],
          `n${k}`,
        ),
      );
    }
    const results = { profile: prof.finish(ctx)! };
    const h = healthAnalysis.create({ maxOperations: 10 }, env).finish({ ...ctx, results })!;
    // The request from outside, and the one it sent to the service itself.
    expect(h.services.find((s) => s.service === 'web')).toMatchObject({ requests: 6 });
  });

  it('keeps memory bounded when operation names hold ids', () => {
    const run = profileAnalysis.create({ maxOperations: 5 }, env);
    for (let k = 0; k < 20; k++)
      run.add!(
        traceOf([{ id: 'r', service: 'web', name: `GET /users/${k}`, start: 0, end: 1 }], `t${k}`),
      );
    const p = run.finish(ctx)!;
    expect(p.ops.size).toBe(6);
    expect([...p.ops.values()].some((o) => o.name === '(other operations)')).toBe(true);
  });
});

describe('analysis configs', () => {
  it('validate with messages that name the setting', () => {
    expect(profileAnalysis.validate({ maxOperations: 0 })).toEqual([
      'maxOperations must be between 1 and 1000000, got 0',
    ]);
    expect(errorOriginAnalysis.validate({ examples: 3 })).toEqual([]);
  });
});
