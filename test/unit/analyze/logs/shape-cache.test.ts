import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { digitShape, hasDigit, maskMessage } from '../../../../analyze/logs/mask.js';
import { ShapeCache } from '../../../../analyze/logs/shape-cache.js';

/** Every line of the log fixtures: many formats and kinds of values. */
const corpus = ['formats', 'pinned'].flatMap((d) =>
  readdirSync(`test/fixtures/logs/${d}`)
    .filter((f) => /\.(log|jsonl)$/.test(f))
    .flatMap((f) => readFileSync(`test/fixtures/logs/${d}/${f}`, 'utf8').split('\n')),
);

/** The message with its digits changed, its digit shape kept (seeded). */
function redigit(s: string, seed: number): string {
  let x = seed;
  return s.replace(/\d/g, (d, i: number) => {
    const beforeX = /[xX]/.test(s[i + 1] ?? '');
    if (d === '0' && beforeX) return d;
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return String(beforeX ? 1 + ((x >>> 16) % 9) : (x >>> 16) % 10);
  });
}

describe('digitShape', () => {
  it('writes digits as 1 but keeps the 0 of 0x', () => {
    expect(digitShape('blk_-42 at 0x1f0 in 2.5s')).toBe('blk_-11 at 0x1f1 in 1.1s');
  });

  it('is all masking tells apart: messages of one shape mask alike where no digit is kept', () => {
    let compared = 0;
    for (const line of corpus) {
      const masked = maskMessage(line);
      if (masked.some(hasDigit)) continue;
      for (let seed = 1; seed <= 5; seed++) {
        const other = redigit(line, seed);
        expect(digitShape(other)).toBe(digitShape(line));
        expect(maskMessage(other), `${line}\n${other}`).toEqual(masked);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });
});

describe('ShapeCache', () => {
  it('finds a value by the digit shape of a message, not by its digits', () => {
    const cache = new ShapeCache<string>(10);
    cache.set('took 12 ms', 'a');
    expect(cache.get('took 97 ms')).toBe('a');
    expect(cache.get('took 9 ms')).toBeUndefined();
    expect(cache.get('took 12 s')).toBeUndefined();
    cache.set('at 0x1f', 'hex');
    expect(cache.get('at 0x3f')).toBe('hex');
    expect(cache.get('at 1x3f')).toBeUndefined();
    expect(cache.get('änderung 5 ✓')).toBeUndefined();
    cache.set('änderung 5 ✓', 'unicode');
    expect(cache.get('änderung 7 ✓')).toBe('unicode');
  });

  it('keeps the 0 of a 0x or 0X wherever it falls in the words the shape is read in', () => {
    for (let pad = 0; pad < 8; pad++) {
      const cache = new ShapeCache<string>(100);
      const at = (s: string) => 'p'.repeat(pad) + s;
      cache.set(at('0x4f 12'), 'hex');
      cache.set(at('0X4f 12'), 'HEX');
      expect(cache.get(at('0x9f 37'))).toBe('hex');
      expect(cache.get(at('0X9f 37'))).toBe('HEX');
      expect(cache.get(at('5x9f 37'))).toBeUndefined();
      expect(cache.get(at('5X9f 37'))).toBeUndefined();
      cache.set(at('7x4f 12'), 'digit x');
      expect(cache.get(at('8x3f 99'))).toBe('digit x');
      expect(cache.get(at('0x3f 99'))).toBe('hex');
    }
  });

  it('hits exactly for messages of a digit shape it holds, over every fixture line and variant', () => {
    const cache = new ShapeCache<string>(1_000_000);
    const seen = new Set<string>();
    const lines = corpus.flatMap((l, i) => [l, redigit(l, i), l.replace(/\d(?=\d)/, '')]);
    for (const line of lines) {
      if (line.includes('\ufffd')) continue;
      const shape = digitShape(line);
      expect(cache.get(line), line).toBe(seen.has(shape) ? shape : undefined);
      if (!seen.has(shape)) {
        cache.set(line, shape);
        seen.add(shape);
      }
    }
    expect(seen.size).toBeGreaterThan(3000);
  });

  it('does not cache messages holding U+FFFD, which a lone surrogate also encodes to', () => {
    const cache = new ShapeCache<string>(10);
    cache.set('bad \ud800 1', 'a');
    expect(cache.get('bad \ud801 1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('empties itself when full', () => {
    const cache = new ShapeCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.size).toBe(2);
    cache.set('c', 3);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBe(3);
  });

  it('keeps messages longer than its scratch buffer apart', () => {
    const cache = new ShapeCache<string>(10);
    const long = 'x'.repeat(40_000);
    cache.set(long + ' 1', 'long');
    expect(cache.get(long + ' 2')).toBe('long');
    expect(cache.get(long + 'y 2')).toBeUndefined();
  });
});
