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

interface TimeFormat {
  /** Tried in order; the first that matches gives the groups. */
  res: RegExp[];
  compute(g: Groups, year: number): number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const ISO =
  /(\d{4})-(\d{2})-(\d{2})[T _-](\d{2})[:.](\d{2})[:.](\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?/;
const EPOCH = /^\s*(\d{10}|\d{13})(?:\.\d+)?\s*$/;
const EPOCH_FIELD = /(?:^|\s)(\d{10})(?:\s|$)/;
const SLASHED = /(\d{2,4})[/.](\d{2})[/.](\d{2})[ T-](\d{2}):(\d{2}):(\d{2})/;
/** en-US `toLocaleString()`, as NestJS's Logger writes: `11/29/2026, 3:23:09 PM`. */
const US_LOCALE = /\b(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2}) ?([AP]M)\b/;
const COMPACT = /(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})/;
const COMPACT_SHORT = /^(\d{2})(\d{2})(\d{2}) (\d{2})(\d{2})(\d{2})\b/;
/** The Common Log Format's `01/May/2024:12:00:01 +0000` (nginx, Apache; werkzeug with a space). */
const CLF =
  /\b(\d{2})\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/(\d{4})[: ](\d{2}):(\d{2}):(\d{2})(?: ([+-])(\d{2})(\d{2}))?/;
const SYSLOG =
  /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})(?:\s+(\d{4}))?/;
/** glog/klog's `0501 12:00:01.123456` (month and day, no year). */
const GLOG = /^(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

const TIME_FORMATS: TimeFormat[] = [
  {
    res: [ISO],
    compute(g) {
      const frac = g.str(7);
      const ms = frac !== undefined ? Number(`0.${frac}`) * 1000 : 0;
      let t =
        Date.UTC(g.num(1), g.num(2) - 1, g.num(3), g.num(4), g.num(5), g.num(6)) + Math.round(ms);
      const z = g.str(8);
      if (z !== undefined && z !== 'Z') {
        const sign = z.startsWith('-') ? -1 : 1;
        const digits = z.slice(1).replace(':', '');
        t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
      }
      return t;
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
      const t = Date.UTC(g.num(3), month, g.num(1), g.num(4), g.num(5), g.num(6));
      if (g.str(7) === undefined) return t;
      return t - (g.str(7) === '-' ? -1 : 1) * (g.num(8) * 60 + g.num(9)) * 60_000;
    },
  },
  {
    res: [SYSLOG],
    compute(g, year) {
      const y = g.str(6) !== undefined ? g.num(6) : year;
      const month = MONTHS.indexOf(g.str(1)!.toLowerCase());
      return Date.UTC(y, month, g.num(2), g.num(3), g.num(4), g.num(5));
    },
  },
  {
    res: [GLOG],
    compute(g, year) {
      const frac = g.str(6);
      const ms = frac !== undefined ? Math.round(Number(`0.${frac}`) * 1000) : 0;
      return Date.UTC(year, g.num(1) - 1, g.num(2), g.num(3), g.num(4), g.num(5)) + ms;
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

/**
 * Milliseconds since the epoch from common timestamp texts: ISO 8601 / RFC 3339, epoch seconds or
 * milliseconds, `yy/mm/dd HH:MM:SS`, `yyyymmdd-HH:MM:SS`, `yymmdd HHMMSS`, the Common Log
 * Format's `dd/Mon/yyyy:HH:MM:SS +zone`, syslog `Mon dd HH:MM:SS` and glog's `mmdd HH:MM:SS.ffffff`
 * (with `year` when the text has none). Times without a zone are taken as UTC.
 */
export function parseTime(text: string, year = new Date().getUTCFullYear()): number | undefined {
  const g = new MatchGroups();
  for (const f of TIME_FORMATS) if (match(f, text, g) >= 0) return f.compute(g, year);
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

/** `parseTime` that tries the format that worked last time first (one per file). */
export function createTimeParser(year = new Date().getUTCFullYear()): TimeParser {
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
        return last.compute(groups, year);
      }
    }
    for (const f of TIME_FORMATS) {
      foundRe = match(f, text, groups);
      if (foundRe >= 0) {
        found = last = f;
        return f.compute(groups, year);
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
      return (lastTime = f.compute(shapeGroups, year));
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
    const d = new RegExp(re.source, re.flags + 'd').exec(text)!;
    memo.format = found;
    memo.spans = d.indices!.flatMap((span) => (span === undefined ? [-1, -1] : [...span]));
    memo.lastBefore = before;
    return lastTime;
  };
  return parser;
}
