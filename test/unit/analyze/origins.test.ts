import { describe, expect, it } from 'vitest';
import { at, traceOf } from '../../support/spans.js';
import {
  failureStarts,
  refusedByCallee,
  startsError,
} from '../../../analyze/traces/analyses/origins.js';

describe('where an error starts', () => {
  /**
   * web calls orders (which fails in a query) and then stock (which answers 404, a decision);
   * web writes its 502 in an in-process span after the failed call.
   */
  const t = traceOf([
    { id: 'req', service: 'web', kind: 'server', start: 0, end: 100, error: true },
    { id: 'call', parent: 'req', service: 'web', kind: 'client', start: 5, end: 40, error: true },
    {
      id: 'ord',
      parent: 'call',
      service: 'orders',
      kind: 'server',
      start: 6,
      end: 39,
      error: true,
    },
    { id: 'q', parent: 'ord', service: 'orders', kind: 'client', start: 10, end: 30, error: true },
    { id: 'look', parent: 'req', service: 'web', kind: 'client', start: 45, end: 60, error: true },
    { id: 'stk', parent: 'look', service: 'stock', kind: 'server', start: 46, end: 59 },
    { id: 'send', parent: 'req', service: 'web', start: 70, end: 75, error: true },
  ]);
  t.spans[at(t, 'look')]!.httpStatus = 404;

  it('starts at the deepest failure, not at callers, answers or reports of it', () => {
    const starts = t.spans.filter((_, i) => startsError(t, i)).map((s) => s.spanId);
    expect(starts).toEqual(['q']);
  });

  it('gives the same answer, once failure and refusal are checked by the caller', () => {
    // error-origin.ts checks both itself before it asks: failureStarts does not check again.
    for (let i = 0; i < t.spans.length; i++) {
      const checked = t.spans[i]!.error && !refusedByCallee(t, i);
      expect(checked && failureStarts(t, i)).toBe(startsError(t, i));
    }
    expect(refusedByCallee(t, at(t, 'look'))).toBe(true);
  });
});
