import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { learnHeader } from '../../../../analyze/logs/header.js';
import { LineCache } from '../../../../analyze/logs/line-cache.js';
import { isPlainText } from '../../../../analyze/logs/records.js';

const dirs = ['formats', 'pinned'];
const files = dirs.flatMap((d) =>
  readdirSync(`test/fixtures/logs/${d}`)
    .filter((f) => f.endsWith('.log'))
    .map((f) => `test/fixtures/logs/${d}/${f}`),
);

/** The line with other digits, its digit shape kept (seeded). */
function redigit(s: string, seed: number): string {
  let x = seed;
  return s.replace(/\d/g, (d, i: number) => {
    const beforeX = /[xX]/.test(s[i + 1] ?? '');
    if (d === '0' && beforeX) return d;
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return String(beforeX ? 1 + ((x >>> 16) % 9) : (x >>> 16) % 10);
  });
}

describe('LineCache', () => {
  it.each(files)('gives the spans and states the parser gives, line after line: %s', (file) => {
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    // The lines again with other digits, cut short, and with their fields moved: shapes repeat,
    // and the parser's state changes on the way.
    const stream = [
      ...lines,
      ...lines.map((l, i) => redigit(l, i + 1)),
      ...lines.map((l) => l.split(' ').slice(0, 3).join(' ')),
      ...lines.map((l) => `x ${l}`),
      ...lines.map((l, i) => redigit(l, i + 7)),
    ].filter(isPlainText);
    const plain = learnHeader(lines);
    const cached = learnHeader(lines);
    const cache = new LineCache(cached, { next: 0 });
    for (const line of stream) {
      const expected = plain.spans(line);
      expect((cache.lookup(line) ?? cache.parse(line)).spans, line).toEqual(expected);
      expect(cached.state(), line).toBe(plain.state());
    }
  });

  it('knows a line whose shape it has seen, whatever its digits', () => {
    const lines = readFileSync('test/fixtures/logs/pinned/inventory-java.log', 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(0, 500); // fewer than it looks up before it checks its hit rate
    const cache = new LineCache(learnHeader(lines), { next: 0 });
    for (const line of lines) if (cache.lookup(line) === undefined) cache.parse(line);
    const again = lines.map((l, i) => cache.lookup(redigit(l, i + 1)));
    // All but the first, which the parser read before it knew where the time is (another state).
    expect(again.slice(1).every((s) => s !== undefined)).toBe(true);
  });
});
