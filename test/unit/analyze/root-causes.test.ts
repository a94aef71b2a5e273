import { describe, expect, it } from 'vitest';
import { span } from '../../support/spans.js';
import type { SpanSpec } from '../../support/spans.js';
import { analyzeTraces } from '../../../analyze/traces/analyze.js';
import type { SpanSource } from '../../../analyze/traces/analyze.js';
import type { Span } from '../../../analyze/traces/span.js';
import { rankRootCauses } from '../../../analyze/traces/analyses/root-causes.js';
import type { Change } from '../../../analyze/traces/analyses/changes.js';
import type { ErrorOriginResult } from '../../../analyze/traces/analyses/error-origin.js';

function memory(spans: Span[]): SpanSource {
  return {
    describe: 'memory',
    // eslint-disable-next-line @typescript-eslint/require-await
    spans: async function* () {
      yield spans;
    },
  };
}

/** A small deterministic jitter so latencies have a spread. */
const jitter = (k: number, spread: number): number => (((k * 7919) % 100) / 100) * spread;

interface Shape {
  /** Extra ms between orders and payments (network into payments). */
  paymentsNetwork?: number;
  /** Extra own work in orders, ms. */
  ordersWork?: number;
  /** The request stops after the catalog call. */
  stopAfterCatalog?: boolean;
  /** Payments fails (explicit status). */
  paymentsError?: boolean;
  /** Orders stops calling payments (a wrong answer, no error status). */
  ordersSkipsPayment?: boolean;
}

/**
 * web -> catalog, then web -> orders -> payments, and web -> payments directly (a second caller
 * of payments). Times in ms.
 */
function request(k: number, s: Shape): SpanSpec[] {
  const trace = `t${k}`;
  const j = jitter(k, 2);
  const out: SpanSpec[] = [
    { id: `${k}root`, service: 'web', name: 'GET /checkout', start: 0, end: 0, trace },
    {
      id: `${k}c1`,
      parent: `${k}root`,
      service: 'web',
      name: 'GET /catalog',
      start: 1,
      end: 9 + j,
      trace,
    },
    {
      id: `${k}cat`,
      parent: `${k}c1`,
      service: 'catalog',
      name: 'GET /catalog',
      start: 2,
      end: 8 + j,
      trace,
    },
  ];
  let t = 10 + j;
  if (!s.stopAfterCatalog) {
    const net = s.paymentsNetwork ?? 0;
    const work = s.ordersWork ?? 0;
    const o0 = t;
    out.push(
      {
        id: `${k}c2`,
        parent: `${k}root`,
        service: 'web',
        name: 'POST /orders',
        start: o0,
        end: 0,
        trace,
      },
      {
        id: `${k}ord`,
        parent: `${k}c2`,
        service: 'orders',
        name: 'POST /orders',
        start: o0 + 1,
        end: 0,
        trace,
      },
      {
        id: `${k}c3`,
        parent: `${k}ord`,
        service: 'orders',
        name: 'POST /pay',
        start: o0 + 3 + work,
        end: 0,
        trace,
      },
      {
        id: `${k}pay`,
        parent: `${k}c3`,
        service: 'payments',
        name: 'POST /pay',
        start: o0 + 4 + work + net / 2,
        end: o0 + 10 + work + net / 2 + j,
        trace,
        error: s.paymentsError ?? false,
      },
      {
        id: `${k}ledger`,
        parent: `${k}pay`,
        service: 'payments',
        name: 'INSERT ledger',
        start: o0 + 5 + work + net / 2,
        end: o0 + 7 + work + net / 2,
        trace,
      },
    );
    const payEnd = o0 + 11 + work + net + j;
    out.find((x) => x.id === `${k}c3`)!.end = payEnd;
    out.find((x) => x.id === `${k}c3`)!.error = s.paymentsError ?? false;
    out.find((x) => x.id === `${k}ord`)!.end = payEnd + 2;
    out.find((x) => x.id === `${k}c2`)!.end = payEnd + 3;
    t = payEnd + 4;
    out.push(
      {
        id: `${k}c4`,
        parent: `${k}root`,
        service: 'web',
        name: 'GET /balance',
        start: t,
        end: t + 8 + net + j,
        trace,
      },
      {
        id: `${k}bal`,
        parent: `${k}c4`,
        service: 'payments',
        name: 'GET /balance',
        start: t + 1 + net / 2,
        end: t + 7 + net / 2 + j,
        trace,
      },
    );
    t += 9 + net + j;
  }
  out[0]!.end = t + 1;
  if (s.ordersSkipsPayment) {
    const gone = new Set([`${k}c3`, `${k}pay`, `${k}ledger`]);
    return out.filter((x) => !gone.has(x.id));
  }
  return out;
}

function traces(n: number, s: Shape, from = 0): Span[] {
  const out: Span[] = [];
  for (let k = from; k < from + n; k++) {
    for (const spec of request(k, s))
      out.push(span({ ...spec, start: spec.start + k * 1000, end: spec.end + k * 1000 }));
  }
  return out;
}

/**
 * web renders every request and calls `rare` in one request in `every`; `netOf(k)` is the extra
 * network time of request k's call.
 */
function sideCalls(n: number, every: number, netOf: (k: number) => number, from: number): Span[] {
  const out: Span[] = [];
  for (let k = from; k < from + n; k++) {
    const t0 = k * 1000;
    const j = jitter(k, 2);
    const net = netOf(k);
    const trace = `w${k}`;
    const specs: SpanSpec[] = [
      { id: `${k}r`, service: 'web', name: 'GET /', start: 0, end: 40 + j, trace },
      {
        id: `${k}w`,
        parent: `${k}r`,
        service: 'web',
        name: 'render',
        start: 1,
        end: 30,
        trace,
      },
    ];
    if (k % every === 0) {
      specs[0]!.end += 10 + net;
      specs.push(
        {
          id: `${k}c`,
          parent: `${k}r`,
          service: 'web',
          name: 'GET /rare',
          start: 31,
          end: 39 + net + j,
          trace,
        },
        {
          id: `${k}s`,
          parent: `${k}c`,
          service: 'rare',
          name: 'GET /rare',
          start: 32 + net / 2,
          end: 38 + net / 2 + j,
          trace,
        },
      );
    }
    for (const sp of specs) out.push(span({ ...sp, start: sp.start + t0, end: sp.end + t0 }));
  }
  return out;
}

async function rank(incident: Span[], baseline: Span[]) {
  const r = await analyzeTraces({ input: memory(incident), baseline: memory(baseline) });
  return r;
}

describe('root-cause ranking against a baseline', () => {
  it('blames the callee when every call into it got slower (network delay)', async () => {
    const r = await rank(traces(200, { paymentsNetwork: 300 }, 1000), traces(200, {}));
    expect(r.rootCauses[0]!.service).toBe('payments');
    expect(r.rootCauses[0]!.reasons[0]).toMatch(
      /calls from (orders|web) to .*time outside payments/,
    );
    expect(
      r.changes!.changes.some((c) => c.kind === 'slowerCall' && c.service === 'payments'),
    ).toBe(true);
  });

  it('blames the caller when its own work is slow too and the callee is fast for others', async () => {
    // orders is starved: its own work grows, and so does the time around its call to payments;
    // web's calls to payments stay fast.
    const incident = traces(200, { ordersWork: 200 }, 1000);
    for (const s of incident) {
      if (s.service === 'orders' && s.name === 'POST /pay') s.end += 150;
      if (s.service === 'orders' && s.name === 'POST /orders') s.end += 150;
    }
    const r = await rank(incident, traces(200, {}));
    expect(r.rootCauses[0]!.service).toBe('orders');
  });

  it('blames the service after whose call requests stop (cut short)', async () => {
    const incident = [...traces(120, { stopAfterCatalog: true }, 1000), ...traces(80, {}, 2000)];
    const r = await rank(incident, traces(200, {}));
    expect(r.rootCauses[0]!.service).toBe('catalog');
    expect(r.rootCauses[0]!.reasons[0]).toMatch(/ends right after GET \/catalog/);
    // web stopped calling orders, but only because of what happened before: not the cause.
    const web = r.rootCauses.find((c) => c.service === 'web');
    expect(web === undefined || web.score < r.rootCauses[0]!.score / 2).toBe(true);
  });

  it('does not blame an error handler that requests end after when they were cut short below it', async () => {
    // web's GET /x runs Controller.x, which calls a and then b. In the incident Controller.x
    // stops after a in most requests, and web's framework answers through ErrorController.error,
    // the last thing GET /x does: GET /x ends after it, but lost its work inside Controller.x.
    const request = (k: number, failing: boolean): Span[] => {
      const trace = `t${k}`;
      const t = k * 1000;
      const at = (s: SpanSpec) => span({ ...s, trace, start: s.start + t, end: s.end + t });
      const out = [
        at({ id: `${k}r`, service: 'web', name: 'GET /x', start: 0, end: failing ? 25 : 40 }),
        at({
          id: `${k}c`,
          parent: `${k}r`,
          service: 'web',
          name: 'Controller.x',
          start: 1,
          end: failing ? 20 : 39,
        }),
        at({ id: `${k}ca`, parent: `${k}c`, service: 'web', name: 'GET a', start: 2, end: 18 }),
        at({ id: `${k}a`, parent: `${k}ca`, service: 'a', name: 'GET /a', start: 3, end: 17 }),
      ];
      if (failing) {
        out.push(
          at({
            id: `${k}e`,
            parent: `${k}r`,
            service: 'web',
            name: 'ErrorController.error',
            start: 21,
            end: 22,
          }),
        );
      } else {
        out.push(
          at({ id: `${k}cb`, parent: `${k}c`, service: 'web', name: 'GET b', start: 19, end: 37 }),
          at({ id: `${k}b`, parent: `${k}cb`, service: 'b', name: 'GET /b', start: 20, end: 36 }),
          at({ id: `${k}b2`, parent: `${k}b`, service: 'b', name: 'SELECT', start: 21, end: 30 }),
        );
      }
      return out;
    };
    const incident: Span[] = [];
    for (let k = 1000; k < 1200; k++) incident.push(...request(k, k % 10 < 7));
    const baseline: Span[] = [];
    for (let k = 0; k < 200; k++) baseline.push(...request(k, false));
    const r = await rank(incident, baseline);
    expect(r.rootCauses[0]!.service).toBe('a');
    expect(r.rootCauses[0]!.reasons[0]).toMatch(/Controller\.x ends right after GET a/);
    const handler = r.changes!.changes.find(
      (c) => c.kind === 'cutShort' && c.operation === 'ErrorController.error',
    );
    expect(handler?.score ?? 0).toBeLessThan(0.05);
    const web = r.rootCauses.find((c) => c.service === 'web');
    expect(web === undefined || web.score < r.rootCauses[0]!.score / 2).toBe(true);
  });

  it('blames the service that stopped making calls, not its callers whose requests shrank with it', async () => {
    const r = await rank(traces(200, { ordersSkipsPayment: true }, 1000), traces(200, {}));
    expect(r.rootCauses[0]!.service).toBe('orders');
    expect(r.rootCauses[0]!.reasons.join('\n')).toMatch(
      /POST \/orders does \d+% less work per request itself/,
    );
    // web's requests shrank too, but inside its call to orders: not web's doing.
    const web = r.rootCauses.find((c) => c.service === 'web');
    expect(web === undefined || web.score < 0.05).toBe(true);
  });

  it('blames where errors start, not the services that pass them up', async () => {
    const incident = traces(200, { paymentsError: true }, 1000);
    for (const s of incident)
      if (s.name === 'POST /orders' || s.name === 'GET /checkout') s.error = true;
    const r = await rank(incident, traces(200, {}));
    expect(r.rootCauses[0]!.service).toBe('payments');
    expect(r.errorOrigins.services[0]).toMatchObject({ service: 'payments', traces: 200 });
  });

  it('does not count the own time of requests whose callee failed as slower work', async () => {
    // Orders now spends 30 ms more of its own in every request: where its call to payments
    // fails, that is handling the failure (retries, backoff), not a slowdown of its own work.
    const slowWork = (r: Awaited<ReturnType<typeof rank>>) =>
      r.changes!.changes.filter((c) => c.kind === 'slowerWork' && c.service === 'orders');
    const failing = await rank(
      traces(200, { paymentsError: true, ordersWork: 30 }, 1000),
      traces(200, {}),
    );
    expect(slowWork(failing)).toEqual([]);
    expect(failing.rootCauses[0]!.service).toBe('payments');
    // The same time without failures is orders' own slowdown.
    const slow = await rank(traces(200, { ordersWork: 30 }, 1000), traces(200, {}));
    expect(slowWork(slow)).toHaveLength(1);
    expect(slow.rootCauses[0]!.service).toBe('orders');
    // Its service's own time still counts that work.
    const self = (r: Awaited<ReturnType<typeof rank>>) =>
      r.services.find((x) => x.service === 'orders')!.selfMs;
    expect(self(failing)).toBeCloseTo(self(slow), 0);
  });

  it('reports calls repeated more often per request (retries) against the callee', async () => {
    const incident = traces(200, {}, 1000);
    // Each call to payments is tried three times: client span and server side alike.
    const extra: Span[] = [];
    for (let r = 1; r <= 2; r++) {
      for (const s of incident) {
        if (s.name !== 'POST /pay' && s.name !== 'INSERT ledger') continue;
        extra.push({
          ...s,
          spanId: `${s.spanId}-r${r}`,
          parentId: s.service === 'orders' ? s.parentId : `${s.parentId}-r${r}`,
        });
      }
    }
    const r = await rank([...incident, ...extra], traces(200, {}));
    const retry = r.changes!.changes.find((c) => c.kind === 'moreCalls');
    expect(retry).toMatchObject({ service: 'payments', parent: 'POST /orders' });
    expect(retry!.text).toMatch(/3\.0 times per request \(baseline 1\.0\)/);
  });

  it('weighs a slowdown in the requests that reach it, however few they are', async () => {
    // In the incident every call to `rare` waits 60 ms more on the network. The share of
    // traffic that reaches it must not decide its weight.
    const scoreOf = async (every: number) => {
      const r = await rank(
        sideCalls(400, every, () => 60, 10_000),
        sideCalls(400, every, () => 0, 0),
      );
      expect(r.rootCauses[0]!.service).toBe('rare');
      return r.rootCauses[0]!.score;
    };
    const often = await scoreOf(1);
    const seldom = await scoreOf(8);
    expect(seldom).toBeGreaterThan(0.2);
    expect(seldom).toBeGreaterThan(often * 0.8);
  });

  it('finds every call a little slower, within the tail the baseline already had', async () => {
    // In the baseline one call in 20 waits 80 ms; in the incident every call waits 30 ms: few
    // calls pass the baseline's tail, but the whole distribution moved.
    const r = await rank(
      sideCalls(400, 1, () => 30, 10_000),
      sideCalls(400, 1, (k) => (k % 20 === 0 ? 80 : 0), 0),
    );
    expect(r.rootCauses[0]!.service).toBe('rare');
    const c = r.changes!.changes.find((x) => x.kind === 'slowerCall' && x.service === 'rare');
    expect(c).toMatchObject({ test: 'shift' });
    expect(c!.text).toMatch(/longer across most calls/);
  });

  it('blames the one caller less when its calls to other services are as fast as ever', async () => {
    // web calls `rare` (every call 60 ms slower) and `other` (unchanged) in each request.
    const withOther = (spans: Span[]): Span[] => {
      const out = [...spans];
      for (const root of spans.filter((x) => x.parentId === undefined)) {
        const at = root.start + 2;
        const j = jitter(Number(root.spanId.slice(0, -1)), 2);
        const ids = { c: `${root.spanId}oc`, s: `${root.spanId}os` };
        out.push(
          {
            ...root,
            spanId: ids.c,
            parentId: root.spanId,
            name: 'GET /other',
            start: at,
            end: at + 8 + j,
          },
          {
            ...root,
            spanId: ids.s,
            parentId: ids.c,
            service: 'other',
            name: 'GET /other',
            start: at + 1,
            end: at + 7 + j,
          },
        );
      }
      return out;
    };
    const r = await rank(
      withOther(sideCalls(400, 1, () => 60, 10_000)),
      withOther(sideCalls(400, 1, () => 0, 0)),
    );
    const call = r.changes!.changes.find((c) => c.kind === 'slowerCall' && c.service === 'rare');
    expect(call!.calleeShare).toBeGreaterThan(0.8);
    expect(r.rootCauses[0]!.service).toBe('rare');
    const web = r.rootCauses.find((c) => c.service === 'web');
    expect(web === undefined || web.score < r.rootCauses[0]!.score / 4).toBe(true);
  });

  it('finds nothing when nothing changed', async () => {
    const r = await rank(traces(200, {}, 1000), traces(200, {}));
    expect(r.rootCauses.filter((c) => c.score > 0.05)).toEqual([]);
  });

  it('does not count more 404 answers from a healthy callee as errors starting in the caller', async () => {
    // web asks catalog for items; catalog answers 404 for missing ones (not its failure), which
    // the client span marks failed. More asks for missing items are no incident of web's.
    const requests = (from: number, n: number, missingEvery: number): Span[] =>
      Array.from({ length: n }, (_, k) => {
        const trace = `m${from + k}`;
        const missing = (from + k) % missingEvery === 0;
        const status = missing ? 404 : 200;
        const at = (k % 50) * 3;
        return [
          span({
            id: `${trace}r`,
            service: 'web',
            name: 'GET /item',
            start: at,
            end: at + 12,
            kind: 'server',
            trace,
          }),
          {
            ...span({
              id: `${trace}c`,
              parent: `${trace}r`,
              service: 'web',
              name: 'GET catalog',
              start: at + 1,
              end: at + 10,
              kind: 'client',
              error: missing,
              trace,
            }),
            httpStatus: status,
          },
          {
            ...span({
              id: `${trace}s`,
              parent: `${trace}c`,
              service: 'catalog',
              name: 'GET /items/:id',
              start: at + 2,
              end: at + 9,
              kind: 'server',
              trace,
            }),
            httpStatus: status,
          },
        ];
      }).flat();
    const r = await analyzeTraces({
      input: memory(requests(1000, 400, 2)),
      baseline: memory(requests(0, 400, 50)),
    });
    expect(r.errorOrigins.services).toEqual([]);
    expect(r.changes!.changes.filter((c) => c.kind === 'moreErrors')).toEqual([]);
    expect(r.rootCauses.filter((c) => c.score > 0.01)).toEqual([]);
  });

  it('blames a service of the system that did not record the calls that failed (down), not its caller', async () => {
    /** frontend -> backend; `down`: the call fails before backend records it. */
    const checkout = (k: number, down: boolean, peer = 'backend'): Span[] => {
      const trace = `u${k}`;
      const specs: SpanSpec[] = [
        {
          id: `${k}r`,
          service: 'frontend',
          name: 'GET /checkout',
          start: 0,
          end: 30,
          kind: 'server',
          trace,
          error: down,
        },
        {
          id: `${k}c`,
          parent: `${k}r`,
          service: 'frontend',
          name: 'GET',
          start: 1,
          end: down ? 2 : 25,
          kind: 'client',
          trace,
          error: down,
          peer,
        },
      ];
      if (!down)
        specs.push({
          id: `${k}s`,
          parent: `${k}c`,
          service: 'backend',
          name: 'GET /pay',
          start: 2,
          end: 24,
          kind: 'server',
          trace,
        });
      return specs.map(span);
    };
    const run = (peer: string) =>
      rank(
        Array.from({ length: 200 }, (_, k) => checkout(k, k % 2 === 0, peer)).flat(),
        Array.from({ length: 200 }, (_, k) => checkout(k + 1000, false, peer)).flat(),
      );
    const down = await run('backend');
    expect(down.rootCauses[0]).toMatchObject({ service: 'backend' });
    expect(down.rootCauses[0]!.evidence[0]!.kind).toBe('unreachable');
    expect(down.rootCauses[0]!.reasons[0]).toMatch(
      /^calls from frontend failed before backend recorded them/,
    );
    // Its requests stopping after the failed call is that too, not the frontend's own doing.
    const frontend = down.rootCauses.find((c) => c.service === 'frontend');
    const cut = frontend?.evidence.filter((e) => e.kind === 'cutShort' && e.score > 0.01);
    expect(cut ?? []).toEqual([]);
    // A dependency outside the system (no spans anywhere): the caller is the nearest place to look.
    const external = await run('api.example.com');
    expect(external.rootCauses[0]).toMatchObject({ service: 'frontend' });
    expect(external.rootCauses[0]!.reasons[0]).toMatch(
      /errors start at its calls to api\.example\.com/,
    );
  });

  it('blames a callee still working when its caller timed out, not the caller', async () => {
    /** frontend -> backend; `timeout`: frontend gives up at 20 ms while backend works on. */
    const checkout = (k: number, timeout: boolean): Span[] => {
      const trace = `s${k}`;
      const j = jitter(k, 2);
      return [
        {
          id: `${k}r`,
          service: 'frontend',
          name: 'GET /checkout',
          start: 0,
          end: timeout ? 22 : 30 + j,
          kind: 'server' as const,
          trace,
          error: timeout,
        },
        {
          id: `${k}c`,
          parent: `${k}r`,
          service: 'frontend',
          name: 'GET',
          start: 1,
          end: timeout ? 21 : 25 + j,
          kind: 'client' as const,
          trace,
          error: timeout,
        },
        {
          id: `${k}s`,
          parent: `${k}c`,
          service: 'backend',
          name: 'GET /pay',
          start: 2,
          end: timeout ? 60 + j : 24 + j,
          kind: 'server' as const,
          trace,
        },
      ].map(span);
    };
    const incident = Array.from({ length: 200 }, (_, k) => checkout(k, k % 2 === 0)).flat();
    const baseline = Array.from({ length: 200 }, (_, k) => checkout(k + 1000, false)).flat();
    const slowCallee = (r: Awaited<ReturnType<typeof rank>>) => {
      expect(r.rootCauses[0]).toMatchObject({ service: 'backend' });
      const e = r.rootCauses[0]!.evidence.find((x) => x.kind === 'slowCallee');
      expect(e?.text).toMatch(
        /^calls from frontend to backend failed while backend was still working on them/,
      );
      expect(r.errorOrigins.services.find((s) => s.service === 'frontend')).toMatchObject({
        slowCallees: [{ service: 'backend', traces: 100 }],
      });
    };
    slowCallee(await rank(incident, baseline));
    // Without a baseline too: where errors start is frontend's span, but backend's doing.
    slowCallee(await analyzeTraces({ input: memory(incident) }));
  });

  it('ranks by where errors start when there is no baseline', async () => {
    const incident = traces(50, { paymentsError: true });
    for (const s of incident) if (s.name === 'POST /orders') s.error = true;
    const r = await analyzeTraces({ input: memory(incident) });
    expect(r.rootCauses[0]!.service).toBe('payments');
    expect(r.changes).toBeUndefined();
  });
  it('words a reason moved from a caller to the callee for the callee: the caller, not "here" or "its"', async () => {
    /**
     * A chain of services, each calling the next: `fail` is where the request fails, `down` a
     * call that fails before its callee records it, `fast` a service that fails without its
     * usual call (an open breaker). Spans of the chain above the failure fail with it.
     */
    const request = (
      k: number,
      chain: string[],
      how: { fail?: string; down?: string; fast?: string },
    ): Span[] => {
      const trace = `w${k}`;
      const specs: SpanSpec[] = [];
      let parent: string | undefined;
      const failing = how.fail ?? how.down ?? how.fast;
      for (let i = 0; i < chain.length; i++) {
        const service = chain[i]!;
        const error = failing !== undefined && chain.indexOf(failing) >= i;
        const id = `${k}${service}`;
        specs.push({
          id,
          parent,
          service,
          name: `GET /${service}`,
          start: i * 2,
          end: 40 - i * 2,
          kind: 'server',
          trace,
          error,
        });
        if (i === chain.length - 1 || how.fast === service) break;
        const down = how.down === service;
        specs.push({
          id: `${id}c`,
          parent: id,
          service,
          name: 'GET',
          start: i * 2 + 1,
          end: 39 - i * 2,
          kind: 'client',
          trace,
          error: error && (down || chain.indexOf(failing) > i),
          peer: chain[i + 1],
        });
        if (down) break;
        parent = `${id}c`;
      }
      return specs.map(span);
    };
    const reasons = (spans: Span[][], service: string) =>
      analyzeTraces({ input: memory(spans.flat()) }).then(
        (r) => r.rootCauses.find((c) => c.service === service)?.evidence.map((e) => e.text) ?? [],
      );
    const moved = (texts: string[], kind: RegExp) => texts.filter((t) => kind.test(t));

    // frontend's calls to backend fail before backend records them: frontend's errors move there.
    const down = await reasons(
      Array.from({ length: 40 }, (_, k) =>
        request(k, ['frontend', 'backend'], k % 2 === 0 ? { down: 'frontend' } : {}),
      ),
      'backend',
    );
    const unreachable = moved(down, /^calls from frontend failed before backend/);
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]).toMatch(/: errors start in frontend in 20 of 20 failing traces/);
    expect(unreachable[0]).not.toMatch(/\bhere\b/);

    // orders fails fast without calling payments, whose own errors start in it.
    const ordersPayments = Array.from({ length: 40 }, (_, k) =>
      request(
        k,
        ['orders', 'payments'],
        k % 4 === 0 ? { fast: 'orders' } : k % 4 === 1 ? { fail: 'payments' } : {},
      ),
    );
    const skipped = await reasons(ordersPayments, 'payments');
    const fast = moved(skipped, /^orders failed fast without calling payments/);
    expect(fast).toHaveLength(1);
    expect(fast[0]).toMatch(/ \(an open circuit breaker\?\): errors start in orders in 10 of 20/);
    expect(fast[0]).not.toMatch(/\bhere\b/);
    // Among payments' reasons, "its requests" would be payments': the caller is named.
    expect(fast[0]).toMatch(
      /10 of them failed fast, without the call to payments that orders' requests usually make/,
    );
    expect(fast[0]).not.toMatch(/\bits requests\b/);
    // Among orders' own reasons, "its" is orders.
    const own = moved(await reasons(ordersPayments, 'orders'), /^errors start here/);
    expect(own[0]).toMatch(
      /10 of them failed fast, without the call to payments that its requests usually make/,
    );

    // gateway fails fast without calling orders, which only passes up payments' errors.
    const passed = await reasons(
      Array.from({ length: 40 }, (_, k) =>
        request(
          k,
          ['gateway', 'orders', 'payments'],
          k % 4 === 0 ? { fast: 'gateway' } : k % 4 === 1 ? { fail: 'payments' } : {},
        ),
      ),
      'payments',
    );
    const up = moved(passed, /^gateway failed fast without calling orders, which passes up/);
    expect(up).toHaveLength(1);
    // "here" is payments, whose reason it is; gateway's evidence names gateway.
    expect(up[0]).toMatch(/passes up errors that start here: errors start in gateway in 10 of 20/);
    expect(up[0]).toMatch(/without the call to orders that gateway's requests usually make/);
  });
});

describe('root causes from changes', () => {
  const change = (c: Partial<Change> & Pick<Change, 'kind' | 'service' | 'operation'>): Change => ({
    baseline: { n: 100, k: 0 },
    incident: { n: 100, k: 0 },
    effect: 0.5,
    z: 10,
    score: 0.3,
    weight: 1,
    text: `${c.kind} ${c.service}`,
    ...c,
  });
  const rank = (changes: Change[], errorOrigins?: ErrorOriginResult) =>
    rankRootCauses(
      { top: 10, reasons: 3 },
      {
        results: { changes: { comparisons: changes.length, criticalZ: 3, changes }, errorOrigins },
        baseline: undefined,
        logs: undefined,
      },
    ).map((r) => [r.service, Number(r.score.toFixed(3))]);

  /** Error origins of one service: `traces` where errors start in it, of `failing`. */
  const svc = (service: string, traces: number, failing = traces) => ({
    service,
    traces,
    failing,
    origins: traces,
    propagated: 0,
    failFast: 0,
    skippedBy: 0,
    skipped: [] as { service: string; traces: number }[],
    dependencies: [],
    slowCallees: [] as { service: string; traces: number }[],
    examples: [],
  });

  it('shares the new errors of a caller that failed fast without calling a failing callee', () => {
    const callerErrors = change({
      kind: 'moreErrors',
      service: 'orders',
      operation: 'POST /orders',
      score: 0.4,
    });
    const calleeErrors = change({
      kind: 'moreErrors',
      service: 'payments',
      operation: 'POST /payments',
      score: 0.25,
    });
    const origins = (failFast: number): ErrorOriginResult => {
      const orders = {
        ...svc('orders', 10),
        failFast,
        skipped: [{ service: 'payments', traces: failFast }],
      };
      return {
        failingTraces: 15,
        traces: 100,
        operations: [],
        services: [orders, svc('payments', 5)],
      };
    };
    // Orders' own errors alone outrank payments'.
    expect(rank([callerErrors, calleeErrors], origins(0))[0]).toEqual(['orders', 0.4]);
    // 8 of its 10 failing requests skipped payments (an open breaker): 40% of it goes there.
    const ranked = rank([callerErrors, calleeErrors], origins(8));
    expect(ranked[0]).toEqual(['payments', Number((1 - 0.75 * (1 - 0.4 * 0.4)).toFixed(3))]);
    expect(ranked[1]).toEqual(['orders', Number((0.4 * 0.6).toFixed(3))]);
  });

  it('moves to a slow callee the errors of the operations that gave up waiting on it only', () => {
    // frontend's GET calls timed out on backend (8 of 10 failed spans); its own POST /login
    // errors have nothing to do with backend.
    const frontend = { ...svc('frontend', 20), slowCallees: [{ service: 'backend', traces: 8 }] };
    const op = (operation: string, origins: number, slow: number) => ({
      service: 'frontend',
      operation,
      origins,
      propagated: 0,
      slowCallees: slow > 0 ? [{ service: 'backend', spans: slow }] : [],
    });
    const origins: ErrorOriginResult = {
      failingTraces: 20,
      traces: 100,
      operations: [op('GET', 10, 8), op('POST /login', 10, 0), op('GET /here', 10, 8)],
      services: [frontend],
    };
    const run = (operation: string) =>
      rankRootCauses(
        { top: 10, reasons: 3 },
        {
          results: {
            changes: {
              comparisons: 1,
              criticalZ: 3,
              changes: [
                change({
                  kind: 'moreErrors',
                  service: 'frontend',
                  operation,
                  score: 0.5,
                  incident: { n: 100, k: 10 },
                  text: `${operation}: errors start here in 10% of spans (baseline 0%)`,
                }),
              ],
            },
            errorOrigins: origins,
          },
          baseline: undefined,
          logs: undefined,
        },
      );
    // The login errors stay frontend's: none of its login spans waited on backend.
    expect(run('POST /login').map((r) => [r.service, r.score])).toEqual([['frontend', 0.5]]);
    // 8 of 10 failed GET spans gave up waiting on backend: 80% of their evidence goes there.
    const get = run('GET');
    expect(get.map((r) => [r.service, Number(r.score.toFixed(3))])).toEqual([
      ['backend', 0.4],
      ['frontend', 0.1],
    ]);
    // Told among backend's reasons, the caller's evidence says where the errors start.
    expect(get[0]!.reasons[0]).toBe(
      'calls from frontend to backend failed while backend was still working on them (a timeout waiting for a slow backend?): GET: errors start in frontend in 10% of spans (baseline 0%)',
    );
    // Only the words that place the errors change: an operation named with "here" keeps its name.
    expect(run('GET /here')[0]!.reasons[0]).toMatch(
      /slow backend\?\): GET \/here: errors start in frontend in 10% of spans/,
    );
  });

  it('passes a fail-fast share on to where the skipped callee’s errors start', () => {
    // gateway's breaker to orders opened; orders only passes up payments' errors.
    const gateway = {
      ...svc('gateway', 10),
      failFast: 8,
      skipped: [{ service: 'orders', traces: 8 }],
    };
    const origins: ErrorOriginResult = {
      failingTraces: 20,
      traces: 100,
      operations: [],
      services: [gateway, svc('orders', 1, 10), svc('payments', 9)],
    };
    const ranked = rank(
      [
        change({ kind: 'moreErrors', service: 'gateway', operation: 'POST /checkout', score: 0.4 }),
        change({ kind: 'moreErrors', service: 'payments', operation: 'POST /pay', score: 0.2 }),
      ],
      origins,
    );
    // 40% of gateway's 0.4 is passed on: a tenth to orders, the rest to payments.
    expect(ranked).toEqual([
      ['payments', Number((1 - 0.8 * (1 - 0.16 * 0.9)).toFixed(3))],
      ['gateway', 0.24],
      ['orders', 0.016],
    ]);
  });

  it('puts the slower own work of a request that retries a callee more on the callee', () => {
    const failing = change({
      kind: 'moreErrors',
      service: 'payments',
      operation: 'POST /payments',
      score: 0.2,
    });
    const slower = change({ kind: 'slowerWork', service: 'orders', operation: 'POST /orders' });
    const retries = change({
      kind: 'moreCalls',
      service: 'payments',
      operation: 'POST',
      parent: 'POST /orders',
      effect: 0.4,
      score: 0.01,
    });
    // Alone, the slower work outranks the failing callee; with the retries of a callee whose
    // errors rose, all of it is waiting on the callee's failures, and counts against the callee.
    expect(rank([failing, slower])[0]).toEqual(['orders', 0.3]);
    const ranked = rank([failing, slower, retries]);
    expect(ranked).toEqual([['payments', Number((1 - 0.8 * 0.7 * 0.99).toFixed(3))]]);
    // Retries of a callee whose errors did not rise (timeouts, say) explain the share the extra
    // calls do (effect 0.4 of 0.5), which moves to the callee.
    const unexplained = rank([slower, retries]);
    expect(unexplained[0]![0]).toBe('payments');
    expect(unexplained.find((r) => r[0] === 'orders')![1]).toBeCloseTo(0.3 * (1 - 0.4 / 0.5), 3);
  });
});
