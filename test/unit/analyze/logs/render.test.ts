import { describe, expect, it } from 'vitest';
import { renderMarkdown, renderText } from '../../../../analyze/logs/render.js';
import type { LogReport, PatternChange } from '../../../../analyze/logs/report-types.js';

const change = (over: Partial<PatternChange>): PatternChange => ({
  id: 'aaaaaaaaaaaa',
  template: 'retrying payment <*>',
  kind: 'spiking',
  count: 60,
  baselineCount: 6,
  ratio: 10,
  pValue: 1e-9,
  level: 'warn',
  traceIds: [],
  exceptions: [],
  ...over,
});

/** One service whose only listed pattern is a spiking warning: no error pattern repeats it. */
const report = (spiking: PatternChange[]): LogReport => ({
  version: 1,
  inputs: [],
  totals: {
    lines: 100,
    records: 100,
    patterns: 1,
    skipped: 0,
    malformedJson: 0,
    firstSeen: null,
    lastSeen: null,
  },
  services: [
    {
      service: 'orders',
      records: 100,
      errors: 0,
      warnings: 60,
      errorPatterns: [],
      warningPatterns: [],
      baselineRecords: 100,
      newPatterns: [],
      spikingPatterns: spiking,
    },
  ],
  patterns: [],
  warnings: [],
});

describe('renderText', () => {
  it('shows what a spiking pattern raised and its traces under it, as Markdown does', () => {
    const exceptions = [
      { type: 'TimeoutError', count: 29, example: 'TimeoutError: bank did not answer' },
      { type: 'ValueError', count: 3, example: 'ValueError: card declined' },
    ];
    const r = report([change({ exceptions })]);
    const raised = 'TimeoutError: bank did not answer (29); ValueError (3)';
    expect(renderMarkdown(r)).toContain(`| ${raised} |`);
    const text = renderText(r).split('\n');
    const at = text.findIndex((l) => l.includes('aaaaaaaaaaaa  x10.0 (was 6'));
    expect(text[at - 1]).toBe('  spiking against baseline:');
    expect(text[at + 1]).toBe(`             raised: ${raised}`);
    // A spiking pattern that raised nothing gets no line; its traces follow, as a new one's do.
    const none = renderText(report([change({ traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'] })]));
    expect(none).not.toContain('raised:');
    expect(none).toContain('\n             traces: 4bf92f3577b34da6a3ce929d0e0e4736');
  });
});
