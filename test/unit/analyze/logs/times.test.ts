import { describe, expect, it } from 'vitest';
import { genericHeader } from '../../../../analyze/logs/header.js';
import { digitShape, maskMessage } from '../../../../analyze/logs/mask.js';
import {
  createTimeParser,
  MONTH_NAMES,
  newTimeMemo,
  parseTime,
} from '../../../../analyze/logs/times.js';
import type { TimeMemo } from '../../../../analyze/logs/times.js';

describe('month names', () => {
  it('are one list, January first, that every format with a month name reads', () => {
    const months = MONTH_NAMES.split('|');
    expect(months).toEqual([
      'Jan',
      'Feb',
      'Mar',
      'Apr',
      'May',
      'Jun',
      'Jul',
      'Aug',
      'Sep',
      'Oct',
      'Nov',
      'Dec',
    ]);
    months.forEach((m, i) => {
      const at = (d: number, h = 12) => Date.UTC(2026, i, d, h, 16, 27);
      expect(parseTime(`29/${m}/2026:12:16:27 +0000`), m).toBe(at(29)); // Common Log Format
      expect(parseTime(`Sun, 9 ${m} 2026 12:16:27 GMT`), m).toBe(at(9)); // RFC 1123
      expect(parseTime(`${m} 9, 2026 - 12:16:27`), m).toBe(at(9)); // written out
      expect(parseTime(`Sun ${m} 9 12:16:27 UTC 2026`), m).toBe(at(9)); // Java's Date
      // A header's time field, and a month name next to a value is part of it when masked.
      expect(genericHeader(`${m} 9 12:16:27 host app: started`)?.time, m).toBe(`${m} 9 12:16:27`);
      expect(maskMessage(`up since ${m} 9`), m).toEqual(['up', 'since', '<*>']);
    });
  });
});

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
    ['Sun, 29 Nov 2026 18:16:27 GMT', Date.UTC(2026, 10, 29, 18, 16, 27)], // RFC 1123
    ['Sun, 29 Nov 2026 20:16:27 +0200', Date.UTC(2026, 10, 29, 18, 16, 27)], // RFC 2822
    ['29 Nov 2026 19:16:27 CET', Date.UTC(2026, 10, 29, 18, 16, 27)],
    ['2026-11-29 18:16:27.123 +0000', Date.UTC(2026, 10, 29, 18, 16, 27, 123)], // pino-pretty
    ['2026-11-29 20:16:27,123 CEST', Date.UTC(2026, 10, 29, 18, 16, 27, 123)],
    ['2026-11-29 11:16:27 PDT', Date.UTC(2026, 10, 29, 18, 16, 27)],
    ['2026-11-29T13:16:27 EST', Date.UTC(2026, 10, 29, 18, 16, 27)],
    ['Sun Nov 29 12:16:27 CST 2026', Date.UTC(2026, 10, 29, 18, 16, 27)], // Java's Date, `date`
    ['November 29, 2026 - 18:16:20', Date.UTC(2026, 10, 29, 18, 16, 20)], // Django's runserver
    ['May 1, 2026 - 09:05:00', Date.UTC(2026, 4, 1, 9, 5, 0)],
    ['Nov 29, 2026, 6:16:20 PM', Date.UTC(2026, 10, 29, 18, 16, 20)], // en-US, medium
    ['2026-11-29 18:16:27 XYZ', Date.UTC(2026, 10, 29, 18, 16, 27)], // unknown: as UTC
    ['18:16:27.123', Date.UTC(2024, 4, 1, 18, 16, 27, 123)], // pino-pretty: on the given day
    ['no time here', undefined],
  ])('%s', (text, ms) => expect(parseTime(text, 2024, Date.UTC(2024, 4, 1))).toBe(ms));

  it('reads a time of day alone on the current UTC date by default', () => {
    const day = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    expect(parseTime('00:00:01')).toBe(day + 1000);
  });
});

describe('createTimeParser', () => {
  it('moves times of day alone to the next day once midnight passed', () => {
    const parse = createTimeParser(2026, Date.UTC(2026, 10, 29));
    expect(
      ['23:59:58.500', '23:59:59.900', '00:00:00.100', '00:00:01', '23:59:59.950'].map(parse),
    ).toEqual([
      Date.UTC(2026, 10, 29, 23, 59, 58, 500),
      Date.UTC(2026, 10, 29, 23, 59, 59, 900),
      Date.UTC(2026, 10, 30, 0, 0, 0, 100),
      Date.UTC(2026, 10, 30, 0, 0, 1),
      // A line written late, before midnight, is not a day later.
      Date.UTC(2026, 10, 29, 23, 59, 59, 950),
    ]);
  });
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
      'Sun, 99 Nov 9999 99:99:99 GMT',
      '9999-99-99 99:99:99,999 CEST',
      'Sun Nov 99 99:99:99 PDT 9999',
      'November 99, 9999 - 99:99:99',
      '99:99:99.999',
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
