/**
 * Timestamps of log headers and fields: milliseconds since the epoch from the common texts.
 *
 * Each format is a few regular expressions and a computation over their groups. The per-file
 * parser (`createTimeParser`) also reads times by digit shape: the expressions see digits only as
 * a class, so two texts of one digit shape (every digit as `1`) match at the same offsets, and
 * where one text's groups were found is where the next one's are, with no expression run.
 */

/** The groups of one match: as numbers (groups of digits only) or as text. */
interface Groups {
  num(i: number): number;
  str(i: number): string | undefined;
}

/**
 * What a text may leave out: the year (syslog, glog) and the date (a time of day alone), and
 * the last time of day read, to see midnight pass.
 */
interface TimeDefaults {
  year: number;
  /** Midnight (UTC) of the date of a time of day alone; the next day's once midnight passed. */
  day: number;
  /** The last time of day read (ms since the epoch), by a per-file parser. */
  lastClock?: number;
}

interface TimeFormat {
  /** Tried in order; the first that matches gives the groups. */
  res: RegExp[];
  compute(g: Groups, d: TimeDefaults): number;
}

/** The months as logs abbreviate them, January first. */
const MONTH_ABBREVIATIONS = [
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
] as const;
/**
 * The months' names as an alternation for regular expressions, `Jan|Feb|...|Dec`: the one list
 * of them that every expression reading a month name (here, in header.ts and mask.ts) is built
 * from.
 */
export const MONTH_NAMES = MONTH_ABBREVIATIONS.join('|');
/** The weekdays' names likewise: `Mon|Tue|...|Sun`. */
export const WEEKDAY_NAMES = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
/** The month names in lower case, for the index of a month that was read. */
const MONTHS = MONTH_ABBREVIATIONS.map((m) => m.toLowerCase());

/**
 * Time zone abbreviations and their offsets east of UTC, in minutes: RFC 822's (where CST is US
 * Central) and the common European, Asian and Australian ones. Ambiguous ones (IST: India,
 * Ireland or Israel) are left out: an abbreviation not listed is read as UTC, as no zone is.
 */
const ZONE_OFFSETS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    UT: 0,
    UTC: 0,
    GMT: 0,
    Z: 0,
    WET: 0,
    WEST: 60,
    BST: 60,
    CET: 60,
    MET: 60,
    CEST: 120,
    MEST: 120,
    EET: 120,
    EEST: 180,
    MSK: 180,
    EST: -300,
    EDT: -240,
    CST: -360,
    CDT: -300,
    MST: -420,
    MDT: -360,
    PST: -480,
    PDT: -420,
    AKST: -540,
    AKDT: -480,
    HST: -600,
    SGT: 480,
    HKT: 480,
    AWST: 480,
    JST: 540,
    KST: 540,
    ACST: 570,
    ACDT: 630,
    AEST: 600,
    AEDT: 660,
    NZST: 720,
    NZDT: 780,
  }),
);

/** Whether `word` is a time zone abbreviation that is read (`ZONE_OFFSETS`). */
export const isZoneAbbreviation = (word: string): boolean => ZONE_OFFSETS.has(word);

/** Milliseconds to subtract from a local time in `zone` (`+0200`, `-05:00`, `CEST`, `Z`). */
function zoneOffset(zone: string | undefined): number {
  if (zone === undefined) return 0;
  const c = zone.charCodeAt(0);
  if (c !== 43 && c !== 45) return (ZONE_OFFSETS.get(zone) ?? 0) * 60_000;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return (c === 45 ? -1 : 1) * minutes * 60_000;
}

/** Milliseconds of a fraction of a second written as its digits (`123`, `123456`). */
const fraction = (digits: string | undefined): number =>
  digits === undefined ? 0 : Math.round(Number(`0.${digits}`) * 1000);

/** A zone after a time: an offset, `Z` or an abbreviation (an unknown one counts as UTC). */
const ZONE = String.raw`(Z\b|[+-]\d{2}:?\d{2}|[A-Z]{2,5}\b)`;

const ISO = new RegExp(
  String.raw`(\d{4})-(\d{2})-(\d{2})[T _-](\d{2})[:.](\d{2})[:.](\d{2})(?:[.,](\d+))?\s*${ZONE}?`,
);
const EPOCH = /^\s*(\d{10}|\d{13})(?:\.\d+)?\s*$/;
const EPOCH_FIELD = /(?:^|\s)(\d{10})(?:\s|$)/;
const SLASHED = /(\d{2,4})[/.](\d{2})[/.](\d{2})[ T-](\d{2}):(\d{2}):(\d{2})/;
/** en-US `toLocaleString()`, as NestJS's Logger writes: `11/29/2026, 3:23:09 PM`. */
const US_LOCALE = /\b(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2}) ?([AP]M)\b/;
const COMPACT = /(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})/;
const COMPACT_SHORT = /^(\d{2})(\d{2})(\d{2}) (\d{2})(\d{2})(\d{2})\b/;
/** The Common Log Format's `01/May/2024:12:00:01 +0000` (nginx, Apache; werkzeug with a space). */
const CLF = new RegExp(
  String.raw`\b(\d{2})\/(${MONTH_NAMES})\/(\d{4})[: ](\d{2}):(\d{2}):(\d{2})(?: ([+-]\d{4}))?`,
);
/** Also Java's `Date.toString()` and `date`: `Sun Nov 29 18:16:27 PDT 2026`. */
const SYSLOG = new RegExp(
  String.raw`\b(${MONTH_NAMES})[a-z]*\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})(?:\s+([A-Z]{2,5})\b)?(?:\s+(\d{4}))?`,
);
/**
 * A date written out, then a time of day: Django's runserver (`%B %d, %Y - %X`) writes `November
 * 29, 2026 - 18:16:20` as it starts; en-US `Nov 29, 2026, 6:16:20 PM`.
 */
const WRITTEN_DATE = new RegExp(
  String.raw`\b(${MONTH_NAMES})[a-z]* (\d{1,2}), (\d{4}),?(?: -)? (\d{1,2}):(\d{2}):(\d{2})(?: ?([AP]M)\b)?`,
);
/** RFC 1123 / 2822 (HTTP dates, `toUTCString()`): `Sun, 29 Nov 2026 18:16:27 GMT`. */
const RFC1123 = new RegExp(
  String.raw`\b(\d{1,2})\s+(${MONTH_NAMES})\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:\s*${ZONE})?`,
);
/** A time of day alone, as pino-pretty writes it by default: `18:16:27.123`. */
const TIME_OF_DAY = new RegExp(
  String.raw`^\s*(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:\s*${ZONE})?\s*$`,
);
const DAY_MS = 86_400_000;
/** glog/klog's `0501 12:00:01.123456` (month and day, no year). */
const GLOG = /^(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

const TIME_FORMATS: TimeFormat[] = [
  {
    res: [ISO],
    compute(g) {
      const t = Date.UTC(g.num(1), g.num(2) - 1, g.num(3), g.num(4), g.num(5), g.num(6));
      return t + fraction(g.str(7)) - zoneOffset(g.str(8));
    },
  },
  {
    res: [EPOCH, EPOCH_FIELD],
    compute: (g) => (g.str(1)!.length === 13 ? g.num(1) : g.num(1) * 1000),
  },
  {
    res: [US_LOCALE],
    compute(g) {
      const h = (g.num(4) % 12) + (g.str(7) === 'PM' ? 12 : 0);
      return Date.UTC(g.num(3), g.num(1) - 1, g.num(2), h, g.num(5), g.num(6));
    },
  },
  {
    res: [SLASHED],
    compute(g) {
      const y = g.str(1)!.length === 2 ? 2000 + g.num(1) : g.num(1);
      return Date.UTC(y, g.num(2) - 1, g.num(3), g.num(4), g.num(5), g.num(6));
    },
  },
  {
    res: [COMPACT],
    compute: (g) => Date.UTC(g.num(1), g.num(2) - 1, g.num(3), g.num(4), g.num(5), g.num(6)),
  },
  {
    res: [COMPACT_SHORT],
    compute: (g) => Date.UTC(2000 + g.num(1), g.num(2) - 1, g.num(3), g.num(4), g.num(5), g.num(6)),
  },
  {
    res: [CLF],
    compute(g) {
      const month = MONTHS.indexOf(g.str(2)!.toLowerCase());
      return (
        Date.UTC(g.num(3), month, g.num(1), g.num(4), g.num(5), g.num(6)) - zoneOffset(g.str(7))
      );
    },
  },
  {
    res: [WRITTEN_DATE],
    compute(g) {
      const month = MONTHS.indexOf(g.str(1)!.toLowerCase());
      const meridiem = g.str(7);
      const h = meridiem === undefined ? g.num(4) : (g.num(4) % 12) + (meridiem === 'PM' ? 12 : 0);
      return Date.UTC(g.num(3), month, g.num(2), h, g.num(5), g.num(6));
    },
  },
  {
    res: [SYSLOG],
    compute(g, d) {
      const y = g.str(7) !== undefined ? g.num(7) : d.year;
      const month = MONTHS.indexOf(g.str(1)!.toLowerCase());
      return Date.UTC(y, month, g.num(2), g.num(3), g.num(4), g.num(5)) - zoneOffset(g.str(6));
    },
  },
  {
    res: [RFC1123],
    compute(g) {
      const month = MONTHS.indexOf(g.str(2)!.toLowerCase());
      const t = Date.UTC(g.num(3), month, g.num(1), g.num(4), g.num(5), g.num(6));
      return t + fraction(g.str(7)) - zoneOffset(g.str(8));
    },
  },
  {
    res: [GLOG],
    compute(g, d) {
      return (
        Date.UTC(d.year, g.num(1) - 1, g.num(2), g.num(3), g.num(4), g.num(5)) + fraction(g.str(6))
      );
    },
  },
  {
    res: [TIME_OF_DAY],
    compute(g, d) {
      const clock = ((g.num(1) * 60 + g.num(2)) * 60 + g.num(3)) * 1000 + fraction(g.str(4));
      let t = d.day + clock - zoneOffset(g.str(5));
      // A time of day is the one nearest the last one read: half a day before it is on the next
      // day (midnight passed); half a day after it, the day before (a line written late).
      if (d.lastClock !== undefined && t < d.lastClock - DAY_MS / 2) {
        d.day += DAY_MS;
        t += DAY_MS;
      } else if (d.lastClock !== undefined && t > d.lastClock + DAY_MS / 2) t -= DAY_MS;
      d.lastClock = t;
      return t;
    },
  },
];

/** The groups of a regular expression's match. */
class MatchGroups implements Groups {
  m: RegExpExecArray | null = null;
  num(i: number): number {
    return Number(this.m![i]);
  }
  str(i: number): string | undefined {
    return this.m![i];
  }
}

/** The groups of a text at offsets found in another text of its digit shape. */
class ShapeGroups implements Groups {
  text = '';
  spans: readonly number[] = [];
  num(i: number): number {
    // Groups read as numbers hold digits only: their value, without cutting them out.
    const text = this.text;
    let n = 0;
    for (let k = this.spans[2 * i]!, end = this.spans[2 * i + 1]!; k < end; k++) {
      n = n * 10 + text.charCodeAt(k) - 48;
    }
    return n;
  }
  str(i: number): string | undefined {
    const a = this.spans[2 * i]!;
    return a < 0 ? undefined : this.text.slice(a, this.spans[2 * i + 1]);
  }
}

/** Tries the expressions of format `f` on `text`; the match is left in `g.m`. */
function match(f: TimeFormat, text: string, g: MatchGroups): number {
  for (let r = 0; r < f.res.length; r++) {
    g.m = f.res[r]!.exec(text);
    if (g.m !== null) return r;
  }
  return -1;
}

/** Midnight (UTC) of today's date. */
const today = (): number => Math.floor(Date.now() / DAY_MS) * DAY_MS;

/**
 * Milliseconds since the epoch from common timestamp texts: ISO 8601 / RFC 3339, epoch seconds or
 * milliseconds, `yy/mm/dd HH:MM:SS`, `yyyymmdd-HH:MM:SS`, `yymmdd HHMMSS`, the Common Log
 * Format's `dd/Mon/yyyy:HH:MM:SS +zone`, syslog `Mon dd HH:MM:SS` (and `date`'s `Sun Nov 29
 * 18:16:27 PDT 2026`), a written-out `November 29, 2026 - 18:16:27` (Django's runserver), RFC
 * 1123's `Sun, 29 Nov 2026 18:16:27 GMT`, glog's `mmdd HH:MM:SS.ffffff`
 * (with `year` when the text has none) and a time of day alone (`18:16:27.123`, on the date of
 * `day`, midnight UTC). A zone is an offset or a common abbreviation (`CEST`, `PDT`); times
 * without one, or with an abbreviation not known, are taken as UTC.
 */
export function parseTime(
  text: string,
  year = new Date().getUTCFullYear(),
  day = today(),
): number | undefined {
  const g = new MatchGroups();
  const d: TimeDefaults = { year, day };
  for (const f of TIME_FORMATS) if (match(f, text, g) >= 0) return f.compute(g, d);
  return undefined;
}

/**
 * Where the time of texts of one digit shape was found (filled by `TimeParser.byShape`): the
 * format and the offsets of its groups (-1 for a group that did not take part).
 */
export interface TimeMemo {
  format?: TimeFormat;
  spans: number[];
  /** No format reads texts of this shape. */
  none?: boolean;
  /** The format tried first when the memo was made (see `TimeParser`). */
  lastBefore?: TimeFormat;
}

export const newTimeMemo = (): TimeMemo => ({ spans: [] });

/** `parseTime` for one file: tries the format that worked last time first. */
export interface TimeParser {
  (text: string): number | undefined;
  /**
   * The same for a text of the digit shape `memo` belongs to (one memo per shape, the caller
   * knows the shapes): after its first text, it reads the groups where that one had them.
   */
  byShape(text: string, memo: TimeMemo): number | undefined;
}

/**
 * `parseTime` that tries the format that worked last time first (one per file, in line order: a
 * time of day alone moves to the next day when it falls half a day behind the one before).
 */
export function createTimeParser(year = new Date().getUTCFullYear(), day = today()): TimeParser {
  const d: TimeDefaults = { year, day };
  let last: TimeFormat | undefined;
  // Consecutive lines often share their time (many per second): the last answer is kept.
  let lastText: string | undefined;
  let lastTime: number | undefined;
  const groups = new MatchGroups();
  const shapeGroups = new ShapeGroups();
  /** The format of the last `parse()` and its expression (-1: none matched). */
  let found: TimeFormat | undefined;
  let foundRe = -1;

  function parse(text: string): number | undefined {
    found = undefined;
    if (last !== undefined) {
      foundRe = match(last, text, groups);
      if (foundRe >= 0) {
        found = last;
        return last.compute(groups, d);
      }
    }
    for (const f of TIME_FORMATS) {
      foundRe = match(f, text, groups);
      if (foundRe >= 0) {
        found = last = f;
        return f.compute(groups, d);
      }
    }
    return undefined;
  }

  const parser = (text: string): number | undefined => {
    if (text === lastText) return lastTime;
    lastText = text;
    lastTime = parse(text);
    return lastTime;
  };

  parser.byShape = (text: string, memo: TimeMemo): number | undefined => {
    lastText = text;
    if (memo.none) return (lastTime = undefined);
    // Which format parses a text depends on its shape and on the format tried first: the memo
    // holds while that is the one it was made with, or the memo's own.
    const f = memo.format;
    if (f !== undefined && (last === f || last === memo.lastBefore)) {
      last = f;
      shapeGroups.text = text;
      shapeGroups.spans = memo.spans;
      return (lastTime = f.compute(shapeGroups, d));
    }
    const before = last;
    lastTime = parse(text);
    if (found === undefined) {
      // No format reads this shape, whichever is tried first.
      memo.none = true;
      return lastTime;
    }
    // Where the groups are, from the same expression with indices.
    const re = found.res[foundRe]!;
    const m = new RegExp(re.source, re.flags + 'd').exec(text)!;
    memo.format = found;
    memo.spans = m.indices!.flatMap((span) => (span === undefined ? [-1, -1] : [...span]));
    memo.lastBefore = before;
    return lastTime;
  };
  return parser;
}
