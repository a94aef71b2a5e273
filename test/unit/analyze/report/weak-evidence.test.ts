import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../../analyze/report/markdown.js';
import type { TraceReport } from '../../../../analyze/report/shape.js';
import { renderText } from '../../../../analyze/report/text.js';

/** The smallest report the renderers take, with one ranked service of the given score. */
function report(score: number): TraceReport {
  const input = {
    sources: [],
    spans: 10,
    traces: 2,
    partialTraces: 0,
    window: null,
    skipped: { lines: 0, spans: 0, byKind: {}, samples: [] },
    repaired: { orphans: 0, duplicateIds: 0, cycles: 0, skewAdjusted: 0, negativeDurations: 0 },
    assembly: { traces: 2, flushedEarly: 0, lateSpans: 0, oversizedTraces: 0 },
  };
  return {
    schema: 'obs.analyze.traces/v1',
    input,
    services: [],
    operations: [],
    errorOrigins: { failingTraces: 0, traces: 2, operations: [], services: [] },
    criticalPath: { traces: 2, totalMs: 10, services: [], operations: [], slowest: [] },
    rootCauses: [
      { rank: 1, service: 'orders', score, reasons: ['SELECT is slower'], evidence: [] },
    ],
    warnings: [],
  };
}

describe('a ranking on weak evidence', () => {
  it('is said to be weak in both human reports, and only then', () => {
    expect(renderText(report(0.03))).toMatch(/weak evidence: .*\(best 0\.03\)/);
    expect(renderMarkdown(report(0.03))).toMatch(/\*Weak evidence: .*\(best 0\.03\)/);
    expect(renderText(report(0.4))).not.toMatch(/weak evidence/i);
    expect(renderMarkdown(report(0.4))).not.toMatch(/weak evidence/i);
  });
});
