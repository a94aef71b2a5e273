import { describe, expect, it } from 'vitest';
import {
  SPIKE_DEFAULTS,
  binomialUpperTail,
  classify,
  compareRates,
} from '../../../../analyze/logs/baseline.js';

describe('binomialUpperTail', () => {
  it('matches exact values', () => {
    // P(X >= 8 | n = 10, p = 0.5) = (45 + 10 + 1) / 1024
    expect(binomialUpperTail(8, 10, 0.5)).toBeCloseTo(56 / 1024, 12);
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
    // P(X >= 1 | n = 3, p = 0.1) = 1 - 0.9^3
    expect(binomialUpperTail(1, 3, 0.1)).toBeCloseTo(1 - 0.729, 12);
  });

  it('stays finite and small on large counts', () => {
    const p = binomialUpperTail(60_000, 100_000, 0.5);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(1e-100);
  });
});

describe('classify', () => {
  const cfg = SPIKE_DEFAULTS;
  it('calls a pattern the baseline never had new', () => {
    expect(classify(12, 600, 0, 600, 50, cfg)?.change).toBe('new');
  });

  it('calls a significant rise of the rate spiking, with its ratio', () => {
    const c = classify(300, 600, 30, 600, 50, cfg);
    expect(c?.change).toBe('spiking');
    expect(c?.test.ratio).toBeCloseTo(10);
  });

  it('takes the exposure into account: the same count over a longer baseline is a rise', () => {
    expect(classify(100, 60, 100, 600, 50, cfg)?.change).toBe('spiking');
    expect(classify(100, 600, 100, 60, 50, cfg)).toBeUndefined();
  });

  it('ignores noise: a small rise, or few records', () => {
    expect(classify(110, 600, 100, 600, 50, cfg)).toBeUndefined();
    expect(classify(2, 600, 0, 600, 50, cfg)).toBeUndefined();
    // doubled but not significant once corrected for 50 patterns
    expect(classify(6, 600, 3, 600, 50, cfg)).toBeUndefined();
  });

  it('compareRates gives Infinity for a zero baseline and 1 for two zeros', () => {
    expect(compareRates(5, 1, 0, 1).ratio).toBe(Infinity);
    expect(compareRates(0, 1, 0, 1).ratio).toBe(1);
  });
});
