import { describe, expect, it } from 'vitest';
import { digitShape } from '../../../../analyze/logs/mask.js';
import { createTimeParser, newTimeMemo, parseTime } from '../../../../analyze/logs/times.js';
import type { TimeMemo } from '../../../../analyze/logs/times.js';

describe('parseTime', () => {
  it.each([
    ['2015-10-18 18:01:47,978', Date.UTC(2015, 9, 18, 18, 1, 47, 978)],
    ['2024-03-01T12:00:00+02:00', Date.UTC(2024, 2, 1, 10, 0, 0)],
    ['17/06/09 20:10:40', Date.UTC(2017, 5, 9, 20, 10, 40)],
    ['20171223-22:15:29:606', Date.UTC(2017, 11, 23, 22, 15, 29)],
    ['081109 203615', Date.UTC(2008, 10, 9, 20, 36, 15)],
    ['Jun 14 15:16:01', Date.UTC(2024, 5, 14, 15, 16, 1)],
    ['01/May/2024:12:00:01 +0200', Date.UTC(2024, 4, 1, 10, 0, 1)], // nginx, Apache
    ['01/May/2024 12:00:01', Date.UTC(2024, 4, 1, 12, 0, 1)], // werkzeug
    ['0501 12:00:02.123456', Date.UTC(2024, 4, 1, 12, 0, 2, 123)], // glog, klog
    ['11/29/2026, 3:23:09 PM', Date.UTC(2026, 10, 29, 15, 23, 9)], // NestJS (en-US)
    ['1/2/2026, 12:05:00 AM', Date.UTC(2026, 0, 2, 0, 5, 0)],
    ['- 1117838570 2005.06.03', 1117838570000],
    ['no time here', undefined],
  ])('%s', (text, ms) => expect(parseTime(text, 2024)).toBe(ms));
});

describe('createTimeParser().byShape', () => {
  it('reads every text as the parser does, whichever format it tried first', () => {
    // Templates whose `9`s become random digits; some texts match two formats with different
    // times (an epoch and a date), so the answer depends on the format the parser tries first.
    const templates = [
      '9999-99-99 99:99:99,999',
      '9999-99-99T99:99:99.9+99:99',
      '9999-99-99T99:99:99.999999Z',
      '99/99/99 99:99:99',
      '99999999-99:99:99:999',
      '999999 999999',
      'Jun 99 99:99:99',
      '99/May/9999:99:99:99 +9999',
      '99/Dec/9999 99:99:99',
      '0999 99:99:99.999999',
      'Dec 9 99:99:99 9999',
      '9999999999999',
      '- 9999999999 9999.99.99',
      '9999999999 9999.99.99 99:99:99',
      '9999.99.99 99:99:99',
      '99/99/9999, 9:99:99 PM',
      'no time 99 here',
    ];
    let x = 0x2545f491;
    const random = (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    const texts: string[] = [];
    for (let i = 0; i < 3000; i++) {
      // Runs of one template, as in a log, then another.
      const t = templates[random(templates.length)]!;
      for (let k = random(4); k >= 0; k--) texts.push(t.replace(/9/g, () => String(random(10))));
    }
    const plain = createTimeParser(2024);
    const shaped = createTimeParser(2024);
    const memos = new Map<string, TimeMemo>();
    const memo = (t: string) => {
      let m = memos.get(digitShape(t));
      if (m === undefined) memos.set(digitShape(t), (m = newTimeMemo()));
      return m;
    };
    const a = texts.map((t) => plain(t));
    const b = texts.map((t) => shaped.byShape(t, memo(t)));
    expect(b).toEqual(a);
    expect(a.filter((t) => t === undefined).length).toBeLessThan(texts.length / 5);
  });
});
