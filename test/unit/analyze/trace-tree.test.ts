import { describe, expect, it } from 'vitest';
import { at, span, traceOf } from '../../support/spans.js';
import { buildTrace, calleeService, sharedClientOf } from '../../../analyze/traces/trace.js';

describe('buildTrace', () => {
  it('links children to parents, roots first by start, with self times', () => {
    const t = traceOf([
      { id: 'root', service: 'web', start: 0, end: 100 },
      { id: 'a', parent: 'root', service: 'web', start: 10, end: 40 },
      { id: 'b', parent: 'root', service: 'web', start: 30, end: 60 },
    ]);
    expect(t.roots.map((r) => t.spans[r]!.spanId)).toEqual(['root']);
    expect(t.children[at(t, 'root')]!.map((c) => t.spans[c]!.spanId)).toEqual(['a', 'b']);
    // Overlapping children cover 10..60: the root's own time is 50 ms.
    expect(t.self[at(t, 'root')]).toBeCloseTo(50);
    expect(t.depth[at(t, 'b')]).toBe(1);
  });

  it('clips children that overflow their parent when computing self time', () => {
    const t = traceOf([
      { id: 'root', service: 'web', start: 0, end: 100 },
      { id: 'late', parent: 'root', service: 'web', start: 80, end: 150 },
    ]);
    expect(t.self[at(t, 'root')]).toBeCloseTo(80);
  });

  it('makes spans with a missing parent roots and counts them as orphans', () => {
    const t = traceOf([
      { id: 'root', service: 'web', start: 0, end: 100 },
      { id: 'lost', parent: 'nowhere', service: 'db', start: 10, end: 20 },
    ]);
    expect(t.roots).toHaveLength(2);
    expect(t.issues.orphans).toBe(1);
  });

  it('keeps several roots, ordered by start', () => {
    const t = traceOf([
      { id: 'second', service: 'b', start: 50, end: 60 },
      { id: 'first', service: 'a', start: 0, end: 10 },
    ]);
    expect(t.roots.map((r) => t.spans[r]!.spanId)).toEqual(['first', 'second']);
    expect(t.issues.orphans).toBe(0);
  });

  it('cuts parent cycles and counts them', () => {
    const t = traceOf([
      { id: 'x', parent: 'z', service: 's', start: 0, end: 10 },
      { id: 'y', parent: 'x', service: 's', start: 1, end: 9 },
      { id: 'z', parent: 'y', service: 's', start: 2, end: 8 },
      { id: 'self', parent: 'self', service: 's', start: 0, end: 1 },
    ]);
    // The three-span loop, and a span naming itself as parent (a cycle of one).
    expect(t.issues.cycles).toBe(2);
    expect(t.issues.orphans).toBe(0);
    // Every span is reachable from a root exactly once.
    const seen = new Set<number>();
    const stack = [...t.roots];
    while (stack.length > 0) {
      const i = stack.pop()!;
      expect(seen.has(i)).toBe(false);
      seen.add(i);
      stack.push(...t.children[i]!);
    }
    expect(seen.size).toBe(4);
  });

  it('moves a child from another service that does not fit its parent (clock skew)', () => {
    // The orders host clock is 1 s ahead: its server span starts after the client span ended.
    const t = traceOf([
      { id: 'client', service: 'web', start: 0, end: 50 },
      { id: 'server', parent: 'client', service: 'orders', start: 1010, end: 1040 },
      { id: 'db', parent: 'server', service: 'orders', start: 1015, end: 1025 },
    ]);
    const server = t.spans[at(t, 'server')]!;
    const db = t.spans[at(t, 'db')]!;
    const client = t.spans[at(t, 'client')]!;
    expect(server.start - client.start).toBeCloseTo(10); // centred: (50 - 30) / 2
    expect(server.end - server.start).toBeCloseTo(30);
    // Its same-service child moved with it.
    expect(db.start - server.start).toBeCloseTo(5);
    expect(t.issues.skewAdjusted).toBe(1);
    expect(t.self[at(t, 'client')]).toBeCloseTo(20);
  });

  it('leaves a message consumer where it is: queue lag is not clock skew', () => {
    const t = traceOf([
      { id: 'req', service: 'orders', kind: 'server', start: 0, end: 20 },
      { id: 'send', parent: 'req', service: 'orders', kind: 'producer', start: 5, end: 7 },
      { id: 'recv', parent: 'send', service: 'mailer', kind: 'consumer', start: 3000, end: 3001 },
    ]);
    expect(t.issues.skewAdjusted).toBe(0);
    expect(t.spans[at(t, 'recv')]!.start - t.spans[at(t, 'req')]!.start).toBe(3000);
  });

  it('leaves a same-service child alone even when it overflows', () => {
    const t = traceOf([
      { id: 'p', service: 'web', start: 0, end: 50 },
      { id: 'c', parent: 'p', service: 'web', start: 40, end: 70 },
    ]);
    expect(t.issues.skewAdjusted).toBe(0);
    expect(t.spans[at(t, 'c')]!.start).toBe(t.spans[at(t, 'p')]!.start + 40);
  });

  it('splits a Zipkin shared span id into client and server, and drops exact repeats', () => {
    const spans = [
      span({ id: 'call', service: 'web', kind: 'client', start: 0, end: 40 }),
      span({ id: 'call', service: 'orders', kind: 'server', start: 5, end: 35 }),
      span({ id: 'q', parent: 'call', service: 'orders', start: 10, end: 20 }),
      span({ id: 'q', parent: 'call', service: 'orders', start: 10, end: 20 }),
    ];
    const t = buildTrace('trace1', spans);
    expect(t.spans).toHaveLength(3);
    // The exact repeat only: the shared client/server id is legal (B3), not a repeated id.
    expect(t.issues.duplicateIds).toBe(1);
    const client = t.spans.findIndex((s) => s.service === 'web');
    const server = t.spans.findIndex((s) => s.service === 'orders' && s.kind === 'server');
    expect(t.parent[server]).toBe(client);
    // The database call belongs under the server side, in its own service.
    expect(t.parent[t.spans.findIndex((s) => s.spanId === 'q')]).toBe(server);
    expect(calleeService(t, client)).toBe('orders');
  });

  it('does not count a Zipkin shared client/server span as a repeated id, and nests it', () => {
    // B3: the server reuses the client's id and parent; its children name the shared id.
    const spans = [
      span({ id: 'req', service: 'web', kind: 'server', start: 0, end: 50 }),
      span({ id: 'call', parent: 'req', service: 'web', kind: 'client', start: 2, end: 45 }),
      span({ id: 'call', parent: 'req', service: 'orders', kind: 'server', start: 5, end: 40 }),
      span({ id: 'q', parent: 'call', service: 'orders', kind: 'client', start: 10, end: 20 }),
    ];
    const t = buildTrace('trace1', spans);
    expect(t.issues.duplicateIds).toBe(0);
    expect(t.spans).toHaveLength(4);
    const client = t.spans.findIndex((s) => s.service === 'web' && s.kind === 'client');
    const server = t.spans.findIndex((s) => s.service === 'orders' && s.kind === 'server');
    expect(t.parent[client]).toBe(at(t, 'req'));
    expect(t.parent[server]).toBe(client);
    expect(t.parent[at(t, 'q')]).toBe(server);
    expect(t.depth[at(t, 'q')]).toBe(3);
    // The log evidence finds the pair by it: the server's id, its client the span that has it.
    expect(t.sharedIds).toBe(1);
    expect(sharedClientOf(t, server)).toBe(client);
    expect(sharedClientOf(t, client)).toBe(-1);
    expect(traceOf([{ id: 'a', service: 'web', start: 0, end: 1 }]).sharedIds).toBe(0);
  });

  it("splits by Zipkin's shared flag, whatever the kinds say", () => {
    // The callee's side joined the call's span (shared) though neither side names its kind,
    // and it comes first: it is still the child, not a repeat to drop.
    const spans = [
      span({ id: 'req', service: 'web', kind: 'server', start: 0, end: 50 }),
      span({ id: 'call', parent: 'req', service: 'orders', start: 5, end: 40, shared: true }),
      span({ id: 'call', parent: 'req', service: 'web', start: 2, end: 45 }),
      span({ id: 'q', parent: 'call', service: 'orders', kind: 'client', start: 10, end: 20 }),
      span({ id: 'log', parent: 'call', service: 'web', start: 41, end: 44 }),
    ];
    const t = buildTrace('trace1', spans);
    expect(t.issues.duplicateIds).toBe(0);
    expect(t.spans).toHaveLength(5);
    const caller = t.spans.findIndex((s) => s.service === 'web' && s.spanId === 'call');
    const joined = t.spans.findIndex((s) => s.service === 'orders' && s.shared);
    expect(t.parent[caller]).toBe(at(t, 'req'));
    expect(t.parent[joined]).toBe(caller);
    expect(t.parent[at(t, 'q')]).toBe(joined);
    expect(t.parent[at(t, 'log')]).toBe(caller);
  });

  it('counts a pair that both claim to have joined the span as a repeated id', () => {
    const spans = [
      span({ id: 'call', service: 'web', kind: 'client', start: 0, end: 40, shared: true }),
      span({ id: 'call', service: 'web', kind: 'server', start: 5, end: 35, shared: true }),
    ];
    const t = buildTrace('trace1', spans);
    expect(t.issues.duplicateIds).toBe(1);
  });

  it('splits the shared span of a service calling itself, and counts a third span with its id', () => {
    const spans = [
      span({ id: 'call', service: 'web', kind: 'client', start: 0, end: 40 }),
      span({ id: 'call', service: 'web', kind: 'server', start: 5, end: 35 }),
      span({ id: 'work', parent: 'call', service: 'web', start: 10, end: 20 }),
      span({ id: 'call', service: 'web', kind: 'server', start: 5, end: 35 }),
    ];
    const t = buildTrace('trace1', spans);
    expect(t.issues.duplicateIds).toBe(1);
    expect(t.spans).toHaveLength(3);
    const client = t.spans.findIndex((s) => s.kind === 'client');
    const server = t.spans.findIndex((s) => s.kind === 'server');
    expect(t.roots).toEqual([client]);
    expect(t.parent[server]).toBe(client);
    expect(t.parent[at(t, 'work')]).toBe(server);
  });
});
