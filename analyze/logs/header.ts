/**
 * Splits a plain-text log line into its header (timestamp, level, component, pid) and the message.
 *
 * With a Loghub-style format string (`<Date> <Time> <Level> <Component>: <Content>`) the user
 * states the header. Without one, `learnHeader()` infers it per file from a sample of lines, using
 * what log headers have in common rather than a list of products:
 *
 * - a severity word (INFO, WARN, ERROR, `[notice]`, Android's single letters...) at the same token
 *   position in most lines ends the header; bracketed thread/request groups, a `logger:` or a
 *   dotted logger name right after it belong to the header too;
 * - else a `tag:` / `tag[pid]:` token (syslog and friends) at a steady position, after a prefix
 *   holding a timestamp;
 * - else a lone `-` separator at a steady position (`[time] program - message`);
 * - else `|`-separated fields starting with a timestamp;
 * - else a run of leading fields whose positions hold numbers/timestamps in nearly every line.
 *
 * One fixed format comes first, as no rule above reads it: glog/klog's severity letter glued to
 * its date (`I0501 12:00:01.123456 ...`), the format of Kubernetes components and many Go services.
 *
 * Lines that do not fit the learned shape (stack traces, continuation lines) keep the whole line as
 * the message and are counted by the caller.
 */
import { ExitCode, ObsError } from '../../core/errors.js';
import { isZoneAbbreviation, MONTH_NAMES, WEEKDAY_NAMES } from './times.js';

export interface HeaderParts {
  /** The message without its header. */
  content: string;
  level?: string;
  /** Raw timestamp text from the header. */
  time?: string;
  component?: string;
  pid?: string;
}

export interface HeaderParser {
  /** How the header was recognized, for the report: e.g. `level at field 4`. */
  readonly description: string;
  /** Parts of one line; `matched` is false when the line did not have the learned header. */
  parse(line: string): HeaderParts & { matched: boolean };
  /**
   * True when no one header holds for the file's lines and each line is recognized on its own:
   * a line without a header then matches too, and does not say that a record goes on.
   */
  readonly perLine?: boolean;
}

/**
 * Severity words, upper-cased. Single letters are Android logcat / glog style; three-letter
 * codes are Serilog's and zerolog's console (`[ERR]`, `INF`, `WRN`, `FTL`).
 */
const LEVELS = new Map<string, string>(
  Object.entries({
    TRACE: 'trace',
    TRC: 'trace',
    VRB: 'trace',
    FINEST: 'trace',
    FINER: 'debug',
    FINE: 'debug',
    DEBUG: 'debug',
    DBG: 'debug',
    VERBOSE: 'debug',
    SILLY: 'trace', // winston
    INFO: 'info',
    LOG: 'info', // NestJS's Logger, PostgreSQL
    INF: 'info',
    INFORMATION: 'info',
    INFORMATIONAL: 'info',
    NOTICE: 'info',
    WARN: 'warn',
    WRN: 'warn',
    WARNING: 'warn',
    ERROR: 'error',
    ERR: 'error',
    SEVERE: 'error',
    FAILURE: 'error',
    CRITICAL: 'fatal',
    CRIT: 'fatal',
    ALERT: 'fatal',
    EMERG: 'fatal',
    EMERGENCY: 'fatal',
    FATAL: 'fatal',
    FTL: 'fatal',
    PANIC: 'fatal',
    PNC: 'fatal',
    // zap's DPanic: panics in development, an error in production.
    DPANIC: 'error',
    V: 'debug',
    D: 'debug',
    I: 'info',
    W: 'warn',
    E: 'error',
    F: 'fatal',
  }),
);

/** The normalized level of a header token (`INFO`, `[warn]`, `Info`, `<E>`, `ERROR:`), if it is one. */
export function levelOf(token: string): string | undefined {
  // Longer than any level word with its brackets, or than Celery's `WARNING/ForkPoolWorker-12]`.
  if (token.length > 15 && (token.length > 40 || token.indexOf('/') < 0)) return undefined;
  const c = token.charCodeAt(0);
  // Levels start with a letter or a bracket: `INFO`, `[warn]`, `<E>`.
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 91 || c === 40 || c === 60)) {
    return undefined;
  }
  // Header fields repeat from line to line: remember what each short one is.
  let level = levelMemo.get(token);
  if (level === undefined) {
    if (levelMemo.size >= 4096) levelMemo.clear();
    level = levelOfWord(token) ?? null;
    levelMemo.set(token, level);
  }
  return level ?? undefined;
}

const levelMemo = new Map<string, string | null>();

/**
 * winston's levels, which its console formats write in lower case before a colon. Not `panic:`
 * or `fatal error:`: Go's runtime writes those, unlike a logger, and its dump follows.
 */
const COLON_LEVELS = new Set(['error', 'warn', 'info', 'debug', 'verbose', 'silly']);

function levelOfWord(token: string): string | undefined {
  let bare = token.replace(/^[[(<]+|[\])>:,|]+$/g, '');
  // Celery's `LEVEL/ProcessName` (`ERROR/MainProcess`, `WARNING/ForkPoolWorker-1`).
  const slash = bare.indexOf('/');
  if (slash > 0 && /^[A-Z]+$/.test(bare.slice(0, slash))) bare = bare.slice(0, slash);
  if (bare.length === 0) return undefined;
  const bracketed = bare.length !== token.length && /^[[(<]/.test(token);
  const up = bare.toUpperCase();
  // Plain words must be upper case or Capitalized; lower case only inside brackets (`[notice]`)
  // or before a colon (winston's console formats: `error: message`).
  if (
    bare !== up &&
    !bracketed &&
    !(bare[0] === up[0] && bare.slice(1) === bare.slice(1).toLowerCase()) &&
    !(token.endsWith(':') && COLON_LEVELS.has(bare))
  ) {
    return undefined;
  }
  if (bare.length === 1 && bare !== up) return undefined;
  return LEVELS.get(up);
}

const MAX_HEADER_TOKENS = 14;

/**
 * The first `max` fields of a line (separated by runs of spaces and tabs), found only as far as a
 * parser asks (`has(i)`: most of a line is never scanned) and cut out as text only when read. A
 * parser reuses one instance line after line.
 */
class Fields {
  line = '';
  private max = 0;
  private n = 0;
  private pos = 0;
  private tabs = false;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly texts: (string | undefined)[] = [];

  reset(line: string, max: number): this {
    for (let i = 0; i < this.n; i++) this.texts[i] = undefined;
    this.line = line;
    this.max = max;
    this.n = 0;
    this.pos = 0;
    this.tabs = line.indexOf('\t') >= 0;
    return this;
  }

  /** Finds the next field; false when there is none (or `max` are found). */
  private scan(): boolean {
    const line = this.line;
    const len = line.length;
    if (this.n >= this.max) return false;
    let i = this.pos;
    while (i < len) {
      const c = line.charCodeAt(i);
      if (c !== 32 && c !== 9) break;
      i++;
    }
    if (i >= len) {
      this.pos = len;
      return false;
    }
    let end: number;
    if (this.tabs) {
      end = i + 1;
      while (end < len) {
        const c = line.charCodeAt(end);
        if (c === 32 || c === 9) break;
        end++;
      }
    } else {
      end = line.indexOf(' ', i + 1);
      if (end < 0) end = len;
    }
    this.starts[this.n] = i;
    this.ends[this.n] = end;
    this.n++;
    this.pos = end;
    return true;
  }

  /** Whether the line has field `i`. */
  has(i: number): boolean {
    while (this.n <= i && this.scan());
    return i < this.n;
  }

  /** The number of fields (at most `max`). */
  count(): number {
    while (this.scan());
    return this.n;
  }

  /** Field `i`, which must exist (`has(i)`). */
  text(i: number): string {
    let t = this.texts[i];
    if (t === undefined) {
      t = this.line.slice(this.starts[i], this.ends[i]);
      this.texts[i] = t;
    }
    return t;
  }

  /** Field `i` when the line has it. */
  at(i: number): string | undefined {
    return this.has(i) ? this.text(i) : undefined;
  }

  start(i: number): number {
    return this.starts[i]!;
  }

  end(i: number): number {
    return this.ends[i]!;
  }
}

/** The first `max` fields of a line, for learning (each line its own instance). */
const headTokens = (line: string, max = MAX_HEADER_TOKENS + 8): Fields =>
  new Fields().reset(line, max);

const MONTHS = new RegExp(String.raw`^(?:${MONTH_NAMES})[a-z]*\.?,?$`);
const WEEKDAYS = new RegExp(String.raw`^(?:${WEEKDAY_NAMES})[a-z]*\.?,?$`);
const TIME_OR_NUMBER = /^[-+]?\d[\d:.\-/,T+Z_]*$/;
/** The date of the Common Log Format, `01/May/2024` (werkzeug writes its time apart). */
const MONTH_DATE = new RegExp(String.raw`^\d{2}\/(?:${MONTH_NAMES})\/\d{4}(?::[\d:]+)?$`);
/** A token that is (part of) a timestamp or a plain number: `2015-10-18`, `18:01:47,978`, `1117838570`. */
function isTimeOrNumber(t: string): boolean {
  // Without leading `[(` and trailing `]),:` (found by hand: this runs for most header fields).
  let a = 0;
  let b = t.length;
  while (a < b && (t.charCodeAt(a) === 91 || t.charCodeAt(a) === 40)) a++;
  while (b > a) {
    const c = t.charCodeAt(b - 1);
    if (c !== 93 && c !== 41 && c !== 44 && c !== 58) break;
    b--;
  }
  if (a === b) return false;
  const c = t.charCodeAt(a);
  // A number starts with a digit or a sign, a month or weekday with a capital.
  if ((c >= 48 && c <= 57) || c === 43 || c === 45) {
    const bare = a === 0 && b === t.length ? t : t.slice(a, b);
    return TIME_OR_NUMBER.test(bare) || MONTH_DATE.test(bare);
  }
  if (c < 65 || c > 90) return false;
  const bare = a === 0 && b === t.length ? t : t.slice(a, b);
  return MONTHS.test(bare) || WEEKDAYS.test(bare);
}

const CLOCK = /\d[:.]\d\d/;
/** An IPv4 address, maybe with a port: a client address leads access log lines. */
const IPV4 = /^\[?\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\]?$/;
/** A token holding a time of day (`12:01`, `15.42.50`) or 6+ digits, brackets aside. */
function hasTime(t: string): boolean {
  if (CLOCK.test(t)) return !IPV4.test(t);
  let digits = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c !== 91 && c !== 93) return false;
  }
  return digits >= 6;
}
/** `sshd[42]:`, `kernel:`, `dfs.DataNode$PacketResponder:`, `sshd(pam_unix)[19939]:`. */
const TAG = /^[\w.$@\-/#(][\w.$@\-/#()[\]]*:$/;
/** A logger name without a colon: `org.apache.Foo`, `v.c.Controller#54`. */
const LOGGER = /^[A-Za-z_$][\w$]*(?:\.[\w$]+)+(?:[#:@]\d+)?$/;

interface Anchors {
  level: number;
  tag: number;
  dash: number;
  toks: Fields;
}

function anchorsOf(line: string): Anchors {
  const toks = headTokens(line);
  let level = -1;
  let tag = -1;
  let dash = -1;
  const n = Math.min(toks.count() - 1, MAX_HEADER_TOKENS); // the message needs at least one token
  for (let i = 0; i < n; i++) {
    const t = toks.text(i);
    if (level < 0 && levelOf(t) !== undefined) level = i;
    if (tag < 0 && i > 0 && TAG.test(t) && levelOf(t) === undefined) tag = i;
    if (dash < 0 && i > 0 && t === '-') dash = i;
  }
  return { level, tag, dash, toks };
}

/**
 * A written-out date's ` - ` and time of day at field `i`: Django's runserver writes `November 29,
 * 2026 - 18:16:20` alone on a line as it starts, so the clock is header even with no message.
 */
const isDashedClock = (toks: Fields, i: number): boolean =>
  toks.text(i) === '-' &&
  toks.has(i + 1) &&
  /^\d{1,2}:\d{2}:\d{2}$/.test(toks.text(i + 1)) &&
  /^\d{4}$/.test(toks.text(i - 1)) &&
  MONTHS.test(toks.text(0));

/** The most frequent value (>= 0) in `xs` and its share of `total`. */
function mode(xs: number[], total: number): [number, number] {
  const counts = new Map<number, number>();
  for (const x of xs) if (x >= 0) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best = -1;
  let bestN = 0;
  for (const [x, c] of counts) if (c > bestN || (c === bestN && x < best)) [best, bestN] = [x, c];
  return [best, total === 0 ? 0 : bestN / total];
}

/** Share of lines that must agree on a header position. */
const SUPPORT = 0.6;
/** Share of lines with a level of their own that makes a file one of mixed formats. */
const MIXED_LEVELS = 0.2;

function bracketEnd(toks: Fields, i: number): number {
  // A `[...]` group may span tokens: `[req-1 user - -]`. Returns the index after it, or i.
  if (!toks.has(i) || toks.line.charCodeAt(toks.start(i)) !== 91) return i;
  const line = toks.line;
  let depth = 0;
  for (let j = i; j < i + 12 && toks.has(j); j++) {
    for (let k = toks.start(j); k < toks.end(j); k++) {
      const c = line.charCodeAt(k);
      if (c === 91) depth++;
      else if (c === 93) depth--;
    }
    if (depth <= 0) return j + 1;
  }
  return i;
}

/** pino-pretty's `(name/pid` that opens `(name/pid on host):` (`(pid):` alone is a `TAG`). */
const PINO_PID = /^\((?:([^\s()/]+)\/)?(\d+)$/;
const PINO_HOST = /^[^\s()]+\):$/;

/**
 * pino-pretty's group after the level when the record has a host: `(12345 on web-1):` or
 * `(shop/12345 on web-1):`, fields `i` to `i + 2`. The index after it and its name and pid
 * spans (`ComponentSpans`), or undefined. `on` between a pid and `host):` says it is no message.
 */
function pinoGroup(toks: Fields, i: number): [number, ComponentSpans] | undefined {
  if (toks.line.charCodeAt(toks.start(i)) !== 40 || !toks.has(i + 3)) return undefined; // `(`
  const m = PINO_PID.exec(toks.text(i));
  if (m === null || toks.text(i + 1) !== 'on' || !PINO_HOST.test(toks.text(i + 2)))
    return undefined;
  const at = toks.start(i) + 1;
  const name = m[1];
  const pid = name === undefined ? at : at + name.length + 1;
  return [
    i + 3,
    name === undefined ? [NONE, NONE, pid, toks.end(i)] : [at, at + name.length, pid, toks.end(i)],
  ];
}

const SEPARATOR = /^[-|:]$/;
/** Python's default `LEVEL:logger:message`. */
const PY_BASIC = /^(DEBUG|INFO|WARNING|ERROR|CRITICAL):([^\s:]+):/;
/**
 * glog and klog (Go services, every Kubernetes component): a severity letter glued to the date,
 * then the time, the thread id and `file:line]`: `E0501 12:00:02.123456   4321 reconciler.go:88] `.
 */
const GLOG = /^([IWEF])(\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?) +(\d+) +([^\s\]]+)\] ?/;
const GLOG_LEVELS: Record<string, string> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };

/** The spans of a glog/klog header, or undefined when the line has none. */
function glogSpans(line: string): HeaderSpans | undefined {
  const m = GLOG.exec(line);
  if (m === null) return undefined;
  const timeEnd = 1 + m[2]!.length;
  const pid = line.indexOf(m[3]!, timeEnd);
  const file = line.indexOf(m[4]!, pid + m[3]!.length);
  return spansOf(
    m[0].length,
    true,
    GLOG_LEVELS[m[1]!],
    1,
    timeEnd,
    file,
    file + m[4]!.length,
    pid,
    pid + m[3]!.length,
  );
}

/** Offsets of absent parts. */
const NONE = -1;

/**
 * Where a parser found each part of a line, as offsets into it: what `parse()` cuts out. The
 * analysis reuses them for lines of the same digit shape (line-cache.ts).
 */
export interface HeaderSpans {
  /** Where the message starts; it runs to the end of the line. */
  content: number;
  matched: boolean;
  level: string | undefined;
  /** `[time, timeEnd)`, `[component, componentEnd)`, `[pid, pidEnd)`; -1 when absent. */
  time: number;
  timeEnd: number;
  component: number;
  componentEnd: number;
  pid: number;
  pidEnd: number;
}

/**
 * A parser whose spans depend only on a line's digit shape (`digitShape` in mask.ts: all its rules
 * see digits as a class) and on its state: the time fields it expects, learned line by line.
 */
export interface ShapedHeaderParser extends HeaderParser {
  spans(line: string): HeaderSpans;
  /** The state as a number; `setState` puts one back (after lines whose spans were reused). */
  state(): number;
  setState(state: number): void;
}

export function isShaped(p: HeaderParser): p is ShapedHeaderParser {
  return 'spans' in p;
}

function spansOf(
  content: number,
  matched: boolean,
  level: string | undefined,
  time: number,
  timeEnd: number,
  component = NONE,
  componentEnd = NONE,
  pid = NONE,
  pidEnd = NONE,
): HeaderSpans {
  return { content, matched, level, time, timeEnd, component, componentEnd, pid, pidEnd };
}

/** The whole line as the message. */
const whole = (matched: boolean): HeaderSpans => spansOf(0, matched, undefined, NONE, NONE);

/** Where a message from field `i` starts (at the end: empty, when the line has no such field). */
const messageStart = (toks: Fields, i: number): number =>
  toks.has(i) ? toks.start(i) : toks.line.length;

/** The parts the spans point at, in one fixed shape (absent parts are undefined), which V8 likes. */
export function partsOf(line: string, s: HeaderSpans): HeaderParts & { matched: boolean } {
  return {
    content: line.slice(s.content),
    matched: s.matched,
    level: s.level,
    time: s.time === NONE ? undefined : line.slice(s.time, s.timeEnd),
    component: s.component === NONE ? undefined : line.slice(s.component, s.componentEnd),
    pid: s.pid === NONE ? undefined : line.slice(s.pid, s.pidEnd),
  };
}

/** A parser from its spans. */
function shaped(
  description: string,
  spans: (line: string) => HeaderSpans,
  finder?: TimeFinder,
): ShapedHeaderParser {
  return {
    description,
    spans,
    parse: (line) => partsOf(line, spans(line)),
    state: () => finder?.state() ?? 0,
    setState: (state) => finder?.setState(state),
  };
}

/**
 * A header recognized in one line on its own: a leading timestamp, then (in any of the common
 * orders) a level, a `logger:`/`logger -` and separators; or Python's `LEVEL:logger:message`.
 * Undefined when the line starts with none of these. Used for files that mix formats and for
 * lines without the file's learned header.
 */
export function genericHeader(line: string): (HeaderParts & { matched: boolean }) | undefined {
  const s = genericSpans(line);
  return s === undefined ? undefined : partsOf(line, s);
}

function genericSpans(line: string): HeaderSpans | undefined {
  const glog = glogSpans(line);
  if (glog !== undefined) return glog;
  const py = PY_BASIC.exec(line);
  if (py !== null) {
    const c = py[1]!.length + 1;
    // werkzeug's access lines through Python's logging: `INFO:werkzeug:127.0.0.1 - - [time] "GET`.
    const access = accessLead(line, py[0].length);
    const [time, timeEnd] = access ?? [NONE, NONE];
    const content = access?.[2] ?? py[0].length;
    return spansOf(content, false, levelOf(py[1]!), time, timeEnd, c, c + py[2]!.length);
  }
  const toks = genericFields.reset(line, 12);
  let i = 0;
  let time = NONE;
  let timeEnd = NONE;
  const access = accessLead(line, 0);
  if (access !== undefined) {
    [time, timeEnd] = access;
    while (toks.has(i + 1) && toks.start(i) < access[2]) i++;
  } else if (
    toks.has(1) &&
    (hasTime(toks.text(0)) ||
      DATE_START.test(toks.text(0)) ||
      MONTHS.test(toks.text(0)) ||
      WEEKDAYS.test(toks.text(0).replace(/^\[/, '')))
  ) {
    while (i < 6 && toks.has(i + 1) && isTimeField(toks, i)) i++;
    if (i > 0 && isDashedClock(toks, i)) i += 2;
    if (i > 0) [time, timeEnd] = timeBounds(toks, 0, i - 1);
  }
  let level: string | undefined;
  let component = NONE;
  let componentEnd = NONE;
  let pid = NONE;
  let pidEnd = NONE;
  for (let k = 0; k < 6 && toks.has(i + 1); k++) {
    const t = toks.text(i);
    // pino-pretty's `(pid on host):` group, where a component may follow the level.
    const group = level !== undefined && component === NONE ? pinoGroup(toks, i) : undefined;
    if (SEPARATOR.test(t)) i++;
    else if (level === undefined && levelOf(t) !== undefined) {
      level = levelOf(t);
      i = levelEnd(toks, i);
    } else if (group !== undefined) {
      [component, componentEnd, pid, pidEnd] = group[1];
      i = group[0];
      break; // the group ends the header, as a tag does
    } else if (t === 'in' && level !== undefined && component === NONE && locationAt(toks, i) > i) {
      i++; // Flask's `ERROR in app: message`: the tag follows
    } else if (component === NONE && TAG.test(t) && (level !== undefined || time !== NONE)) {
      [component, componentEnd] = [toks.start(i), toks.end(i) - 1];
      i++;
      break; // a tag ends the header
    } else if (
      component === NONE &&
      LOGGER.test(t) &&
      (SEPARATOR.test(toks.text(i + 1)) || (level !== undefined && /^\[/.test(toks.text(i + 1))))
    ) {
      [component, componentEnd] = [toks.start(i), toks.end(i)];
      i++;
    } else if (/^\[[^\]]*\]$/.test(t) && level !== undefined && component === NONE) {
      [component, componentEnd] = [toks.start(i) + 1, toks.end(i) - 1];
      i++;
    } else break;
  }
  if (time === NONE && level === undefined) return undefined;
  return spansOf(
    messageStart(toks, i),
    false,
    level,
    time,
    timeEnd,
    component,
    componentEnd,
    pid,
    pidEnd,
  );
}

/**
 * An access log line's client, identity and user, then its time in brackets (the Common Log
 * Format; werkzeug writes a space before the clock), or the time alone as Django's runserver
 * writes it: `127.0.0.1 - - [29/Nov/2026 18:16:27] "GET / HTTP/1.1" 200 -`.
 */
const ACCESS_LEAD = new RegExp(
  String.raw`(?:[^\s[]+ [^\s[]+ [^\s[]+ )?\[(\d{2}\/(?:${MONTH_NAMES})\/\d{4}[: ]\d{2}:\d{2}:\d{2}(?: [+-]\d{4})?)\] *`,
  'y',
);

/**
 * The time (start, end) and where the message starts, of an access line's lead at `from`: all
 * of it is header, as the positional header of a file of access lines reads it.
 */
function accessLead(line: string, from: number): [number, number, number] | undefined {
  const c = line.charCodeAt(from);
  // A lead starts with an address or a host, or the bracket of the time.
  if (!((c >= 48 && c <= 58) || c === 91 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) {
    return undefined;
  }
  ACCESS_LEAD.lastIndex = from;
  const m = ACCESS_LEAD.exec(line);
  if (m === null) return undefined;
  const end = from + m[0].length;
  const time = line.lastIndexOf('[', end) + 1;
  return [time, time + m[1]!.length, end];
}

/** genericHeader's fields (it runs on its own, or last in another parser's parse). */
const genericFields = new Fields();

/** The first of the fields before `upto` (all of which the line has) that holds a time. */
function firstTime(toks: Fields, upto: number): number {
  for (let i = 0; i < upto; i++) if (hasTime(toks.text(i))) return i;
  return -1;
}

/** `AM`/`PM` after a time of day (en-US `toLocaleString()`). */
const isMeridiem = (toks: Fields, i: number): boolean =>
  /^[AP]M$/.test(toks.text(i)) && CLOCK.test(toks.text(i - 1));

/**
 * A zone abbreviation that times.ts reads (`CEST`, `GMT`) after a time of day: part of the time,
 * not of the message. An unknown one is left to the message, as before they were read.
 */
const isZoneAt = (toks: Fields, i: number): boolean =>
  i > 0 &&
  isZoneAbbreviation(toks.text(i).replace(/[\]),:]+$/, '')) &&
  CLOCK.test(toks.text(i - 1));

/** Field `i` is (part of) a time: a number, a date or time, or a zone after a time of day. */
const isTimeField = (toks: Fields, i: number): boolean =>
  isTimeOrNumber(toks.text(i)) || isZoneAt(toks, i);

/** The fields of the time: from the first holding one, widened over time-like neighbours. */
function timeSpan(toks: Fields, upto: number): [number, number] | undefined {
  const first = firstTime(toks, upto);
  if (first < 0) return undefined;
  let last = first;
  while (last + 1 < upto && (isTimeField(toks, last + 1) || isMeridiem(toks, last + 1))) last++;
  let s = first;
  while (s > 0 && isTimeOrNumber(toks.text(s - 1))) s--;
  return [s, last];
}

/** Offsets of the text of fields `s..last`, without a leading `[` and a trailing `]`. */
function timeBounds(toks: Fields, s: number, last: number): [number, number] {
  let a = toks.start(s);
  let b = toks.end(last);
  if (toks.line.charCodeAt(a) === 91) a++;
  if (b > a && toks.line.charCodeAt(b - 1) === 93) b--;
  return [a, b];
}

/**
 * `timeSpan` for one file: the time sits at the same fields in nearly every line, so the span
 * found in one line is tried first and only searched again when its first field holds no time.
 * `find` leaves the time's offsets in `start` and `end`.
 */
class TimeFinder {
  private span: [number, number] | undefined;
  start = NONE;
  end = NONE;

  find(toks: Fields, until: number): boolean {
    // A line cut short has fewer fields than the header: look only at those it has.
    const upto = until <= 0 || toks.has(until - 1) ? until : toks.count();
    let span = this.span;
    if (span === undefined || !(span[1] < upto && hasTime(toks.text(span[0])))) {
      span = timeSpan(toks, upto);
      if (span === undefined) {
        this.start = this.end = NONE;
        return false;
      }
      this.span = span;
    }
    [this.start, this.end] = timeBounds(toks, span[0], span[1]);
    return true;
  }

  /** The span as one number (fields are fewer than 1024); -1 before any. */
  state(): number {
    return this.span === undefined ? -1 : this.span[0] * 1024 + this.span[1];
  }

  setState(state: number): void {
    this.span = state < 0 ? undefined : [Math.floor(state / 1024), state % 1024];
  }
}

const COMPONENT = /^(.*?)(?:\[(\d+)\])?(?:\s*\([^)]*\))?:$/;

/** Offsets of a component and its pid: start, end, pid start, pid end (NONE for absent). */
type ComponentSpans = [number, number, number, number];

/** The spans of a header that matched, with the time `time` found and component `c`. */
function taggedSpans(
  content: number,
  level: string | undefined,
  time: TimeFinder,
  c: ComponentSpans,
): HeaderSpans {
  return spansOf(content, true, level, time.start, time.end, c[0], c[1], c[2], c[3]);
}

/**
 * Offsets of the component and the pid of a `tag:` at `[start, end)` of the line: the component
 * is the part before `[pid]` (or the tag without its colon), a start of the tag.
 */
function componentAt(line: string, start: number, end: number): ComponentSpans {
  const tag = line.slice(start, end);
  const m = COMPONENT.exec(tag);
  const length = (m?.[1] ?? tag.replace(/:$/, '')).length || tag.length;
  const pid = m?.[2];
  if (pid === undefined) return [start, start + length, NONE, NONE];
  const at = start + m![1]!.length + 1;
  return [start, start + length, at, at + pid.length];
}

/** Learns the header shape of one file from a sample of its lines (see the module comment). */
export function learnHeader(sample: readonly string[]): ShapedHeaderParser {
  const lines = sample.filter((l) => l.trim().length > 0);
  const anchors = lines.map(anchorsOf);
  const n = anchors.length;

  if (n > 0 && lines.filter((l) => GLOG.test(l)).length / n >= SUPPORT) {
    return shaped('glog/klog header', (line) => glogSpans(line) ?? whole(false));
  }

  const [levelAt, levelShare] = mode(
    anchors.map((a) => a.level),
    n,
  );
  if (levelAt >= 0 && levelShare >= SUPPORT) return levelHeader(levelAt, anchors);

  const tagged = anchors.filter((a) => a.tag > 0 && firstTime(a.toks, a.tag) >= 0);
  const [tagAt, tagShare] = mode(
    tagged.map((a) => a.tag),
    n,
  );
  if (tagAt > 0 && tagShare >= SUPPORT) return tagHeader(tagAt);

  const [dashAt, dashShare] = mode(
    anchors.map((a) => a.dash),
    n,
  );
  if (
    dashAt > 0 &&
    dashShare >= SUPPORT &&
    anchors.filter((a) => a.dash === dashAt).every((a) => firstTime(a.toks, dashAt) >= 0)
  ) {
    return dashHeader(dashAt);
  }

  // A digit before the first `|`, then a time there. (Not one regex: `^[^|]*\d[^|]*\|`
  // backtracks in time quadratic in the length of a line without `|`.)
  const piped = lines.filter((l) => {
    const bar = l.indexOf('|');
    return bar > 0 && /\d/.test(l.slice(0, bar)) && hasTime(l.slice(0, bar));
  });
  if (n > 0 && piped.length / n >= 0.9) {
    const fields = Math.min(6, ...piped.map((l) => l.split('|').length - 1));
    if (fields >= 2) return pipeHeader(fields);
  }

  // A stream mixing formats (gunicorn's own lines, an access log and the app's logging on one
  // stderr): no level position holds, but many lines have a level where the generic recognizer
  // finds it. Leading numbers (a time, an IP) do not make a header shape there.
  const levelled = lines.filter((l) => genericSpans(l)?.level !== undefined).length;
  const prefix = levelled >= MIXED_LEVELS * n ? 0 : numericPrefix(anchors);
  if (prefix > 0) return positionalHeader(prefix);
  // No shape holds for most lines (a stream mixing formats, or no header at all): each line gets
  // the generic recognizer; a line it finds nothing in is a plain message.
  const perLine = shaped('per line', (line) => {
    const g = genericSpans(line);
    if (g === undefined) return whole(true);
    g.matched = true;
    return g;
  });
  return { ...perLine, perLine: true };
}

/** The number of leading fields when field 0 and some later fields are numbers in ~all lines. */
function numericPrefix(anchors: Anchors[]): number {
  const n = anchors.length;
  if (n === 0) return 0;
  let last = -1;
  for (let i = 0; i < 8; i++) {
    const share = anchors.filter((a) => a.toks.has(i + 1) && isTimeField(a.toks, i)).length / n;
    if (share >= 0.95) last = i;
    else if (i === 0) return 0;
    // A quoted field is message: an access line's status and size after it are not header.
    else if (anchors.filter((a) => a.toks.at(i)?.startsWith('"')).length / n >= 0.5) break;
  }
  return last + 1;
}

/**
 * After a level, Spring Boot's pid and `---` (`INFO 12345 --- [main] c.e.App : ...`): the index
 * after them, or `i`.
 */
function pidDashes(toks: Fields, i: number): number {
  return toks.has(i + 2) && toks.text(i + 1) === '---' && /^\d+$/.test(toks.text(i)) ? i + 2 : i;
}

/** A date that starts a field: `2024-05-01`, `[01/05/2024`, `2024/05/01T12:00:00`. */
const DATE_START = /^\[?\d{2,4}[-/.]\d{1,2}[-/.]\d{1,4}/;

/**
 * The index after a timestamp that starts at field `i` (a date and a time of day, or one field
 * holding either), or `i` when none does. Django's documented `verbose` format puts it after the
 * level: `ERROR 2024-05-01 12:00:01,123 views 42 1407 message`. Only two fields at most: numbers
 * after the time (pid, thread) are not part of it.
 */
function timeAt(toks: Fields, i: number): number {
  const t = toks.at(i);
  if (t === undefined || !toks.has(i + 1)) return i;
  const date = DATE_START.test(t);
  if (!date && !CLOCK.test(t)) return i;
  if (date && !CLOCK.test(t) && toks.has(i + 2) && CLOCK.test(toks.text(i + 1))) return i + 2;
  return i + 1;
}

/**
 * The index after a level at field `at`, past its closing bracket when padding split it off
 * (structlog's console renderer: `[error    ]`).
 */
function levelEnd(toks: Fields, at: number): number {
  const t = toks.text(at);
  if (t.charCodeAt(0) !== 91 || t.indexOf(']') >= 0) return at + 1;
  return Math.max(at + 1, bracketEnd(toks, at));
}

/**
 * Where a `logger:` tag is, from field `i`: after an `in` that states where the record was
 * logged (Flask's default `[time] ERROR in app: message`), else at `i`.
 */
const locationAt = (toks: Fields, i: number): number =>
  toks.at(i) === 'in' && toks.has(i + 2) && TAG.test(toks.text(i + 1)) ? i + 1 : i;

function levelHeader(at: number, anchors: Anchors[]): ShapedHeaderParser {
  // What follows the level in this file: a timestamp, bracket groups, then a `logger:` tag or a
  // dotted logger.
  const after = anchors.filter((a) => a.level === at);
  const share = (f: (a: Anchors) => boolean) => after.filter(f).length / Math.max(1, after.length);
  const end = (toks: Fields) => levelEnd(toks, at);
  // A time after the level only when no field before it holds one.
  const timeAfter =
    share((a) => firstTime(a.toks, at) < 0 && timeAt(a.toks, end(a.toks)) > end(a.toks)) >= 0.8;
  const start = (toks: Fields) => (timeAfter ? timeAt(toks, end(toks)) : end(toks));
  const skipBrackets = (toks: Fields, i: number) => {
    let j = i;
    for (let k = 0; k < 3; k++) {
      const e = bracketEnd(toks, j);
      if (e === j) break;
      j = e;
    }
    return j;
  };
  const tagUsual =
    share((a) => {
      const j = locationAt(a.toks, skipBrackets(a.toks, pidDashes(a.toks, start(a.toks))));
      return a.toks.has(j + 1) && TAG.test(a.toks.text(j));
    }) >= 0.8;
  const loggerUsual =
    share((a) => {
      const j = skipBrackets(a.toks, pidDashes(a.toks, start(a.toks)));
      return a.toks.has(j + 1) && LOGGER.test(a.toks.text(j));
    }) >= 0.8;
  const time = new TimeFinder();
  const toks = new Fields();
  return shaped(
    `level at field ${at + 1}`,
    (line) => {
      // Enough for the level, a logger and a bracket group of a few fields (`[req-1 - - -]`).
      toks.reset(line, at + 10);
      const t = toks.at(at);
      const level = t === undefined ? undefined : levelOf(t);
      if (level === undefined || !toks.has(at + 1)) return genericSpans(line) ?? whole(false);
      const first = start(toks);
      const p = pidDashes(toks, first);
      const pid: [number, number] = p > first ? [toks.start(first), toks.end(first)] : [NONE, NONE];
      let i = skipBrackets(toks, p);
      let c: ComponentSpans = [NONE, NONE, ...pid];
      const next = toks.at(i);
      const pino = next === undefined ? undefined : pinoGroup(toks, i);
      if (pino !== undefined) [i, c] = pino;
      else if (next !== undefined && toks.has(i + 1)) {
        const tag = locationAt(toks, i);
        if (tagUsual && TAG.test(toks.text(tag))) {
          c = componentAt(line, toks.start(tag), toks.end(tag));
          i = tag + 1;
        } else if (loggerUsual && LOGGER.test(next)) {
          c = [toks.start(i), toks.end(i), ...pid];
          i = bracketEnd(toks, i + 1); // one group: `[req-...]`; a second one is message
          const sep = toks.at(i);
          if (sep === ':' || sep === '-') i++;
        }
      }
      if (toks.at(i) === '-' && toks.has(i + 1)) i++;
      if (first > end(toks)) {
        const [a, b] = timeBounds(toks, end(toks), first - 1);
        return spansOf(messageStart(toks, i), true, level, a, b, ...c);
      }
      time.find(toks, at);
      return taggedSpans(messageStart(toks, i), level, time, c);
    },
    time,
  );
}

function tagHeader(at: number): ShapedHeaderParser {
  const time = new TimeFinder();
  const toks = new Fields();
  return shaped(
    `'tag:' at field ${at + 1}`,
    (line) => {
      toks.reset(line, at + 4);
      // The tag may be pushed a field or two right (`syslogd 1.4.1:`, `tag[1] (detail):`).
      let i = at;
      while (
        i < at + 3 &&
        toks.has(i + 1) &&
        !(TAG.test(toks.text(i)) && levelOf(toks.text(i)) === undefined)
      )
        i++;
      time.find(toks, at);
      if (i >= at + 3 || !toks.has(i + 1) || !TAG.test(toks.text(i))) {
        // No tag where the file has one: the fields before it are still header, and its time is
        // read. A line that ends before the tag (a time alone, `12:00:01`) is its own message:
        // else its message, and its pattern's template, were empty. The other headers keep such
        // a line whole too, as they do any line without their shape.
        const from = toks.has(at) ? toks.start(at) : 0;
        return spansOf(from, false, undefined, time.start, time.end);
      }
      // The tag is field `at` when it ends with a colon, else the fields up to the colon.
      const end = toks.text(at).endsWith(':') ? toks.end(at) : toks.end(i);
      const c = componentAt(line, toks.start(at), end);
      const level = levelOf(toks.text(i + 1));
      return taggedSpans(messageStart(toks, i + 1), level, time, c);
    },
    time,
  );
}

function positionalHeader(fields: number): ShapedHeaderParser {
  const time = new TimeFinder();
  const toks = new Fields();
  return shaped(
    `${fields} leading fields`,
    (line) => {
      toks.reset(line, fields + 1);
      if (!toks.has(fields)) return whole(false);
      time.find(toks, fields);
      let level: string | undefined;
      for (let i = 0; i < fields && level === undefined; i++) level = levelOf(toks.text(i));
      return spansOf(toks.start(fields), true, level, time.start, time.end);
    },
    time,
  );
}

function dashHeader(at: number): ShapedHeaderParser {
  const time = new TimeFinder();
  const toks = new Fields();
  return shaped(
    `'-' at field ${at + 1}`,
    (line) => {
      toks.reset(line, at + 4);
      // The separator may be pushed a field or two right (`program *64 - message`).
      let i = at;
      while (i < at + 3 && toks.has(i + 1) && toks.text(i) !== '-') i++;
      if (toks.at(i) !== '-' || !toks.has(i + 1)) return whole(false);
      time.find(toks, at);
      // The field before the separator names the program, unless it is (part of) the time.
      const named = at >= 1 && toks.has(at - 1) && !hasTime(toks.text(at - 1));
      return spansOf(
        toks.start(i + 1),
        true,
        undefined,
        time.start,
        time.end,
        named ? toks.start(at - 1) : NONE,
        named ? toks.end(at - 1) : NONE,
      );
    },
    time,
  );
}

/** Offsets of `line.slice(a, b).trim()`. */
function trimmed(line: string, a: number, b: number): [number, number] {
  const t = line.slice(a, b);
  const start = a + t.length - t.trimStart().length;
  return [start, start + t.trim().length];
}

function pipeHeader(fields: number): ShapedHeaderParser {
  return shaped(`${fields} '|'-separated fields`, (line) => {
    let at = -1;
    for (let k = 0; k < fields; k++) {
      at = line.indexOf('|', at + 1);
      if (at < 0) return whole(false);
    }
    const parts = line.slice(0, at).split('|');
    const level = parts.map((p) => levelOf(p.trim())).find((l) => l !== undefined);
    const bar = line.indexOf('|');
    const [time, timeEnd] = trimmed(line, 0, bar);
    // `fields` >= 2, so there is a second part: up to the next bar.
    const [component, componentEnd] = trimmed(line, bar + 1, line.indexOf('|', bar + 1));
    return spansOf(at + 1, true, level || undefined, time, timeEnd, component, componentEnd);
  });
}

/**
 * Compiles a Loghub-style format: `<Field>` placeholders between literal parts; the literal parts
 * are regular expressions (so `\[<PID>\]` works as in Loghub) and runs of spaces match any
 * whitespace. `<Content>` is required; `<Level>`, `<Component>`, `<Pid>`/`<PID>`,
 * `<Date>`/`<Time>`/`<Timestamp>` fill the record.
 */
export function compileLogFormat(format: string): HeaderParser {
  const parts = format.split(/(<[^<>]+>)/);
  const names: string[] = [];
  let src = '';
  parts.forEach((p, k) => {
    if (k % 2 === 0) src += p.replace(/ +/g, String.raw`\s+`);
    else {
      const name = p.slice(1, -1);
      names.push(name);
      // Named groups: the literal parts may hold groups of their own, as Loghub's do.
      src += `(?<f${names.length - 1}>${name === 'Content' ? '.*' : '.*?'})`;
    }
  });
  const bad = (why: string) =>
    new ObsError(`--log-format ${JSON.stringify(format)}: ${why}`, {
      code: 'OBS_BAD_LOG_FORMAT',
      exit: ExitCode.usage,
      suggestions: ['Example: --log-format "<Date> <Time> <Level> <Component>: <Content>"'],
    });
  if (!names.includes('Content')) throw bad('it needs a <Content> field');
  let re: RegExp;
  try {
    re = new RegExp(`^${src}$`, 's');
  } catch (err) {
    throw bad(err instanceof Error ? err.message : String(err));
  }
  const idx = (...ns: string[]) => names.findIndex((x) => ns.includes(x.toLowerCase()));
  const iContent = names.indexOf('Content');
  const iLevel = idx('level', 'severity');
  const iComp = idx('component', 'logger', 'program');
  const iPid = idx('pid');
  const timeIdx = names
    .map((x, i) => (/^(date|time|timestamp|month|day)$/i.test(x) ? i : -1))
    .filter((i) => i >= 0);
  return {
    description: `--log-format ${format}`,
    parse(line) {
      const m = re.exec(line);
      if (m === null) return { content: line, matched: false };
      const g = (i: number) => (i >= 0 ? m.groups?.[`f${i}`]?.trim() : undefined);
      const rawLevel = g(iLevel);
      const level =
        rawLevel !== undefined ? (levelOf(rawLevel) ?? rawLevel.toLowerCase()) : undefined;
      const time = timeIdx
        .map((i) => g(i))
        .filter(Boolean)
        .join(' ');
      const component = g(iComp);
      const pid = g(iPid);
      return {
        content: m.groups?.[`f${iContent}`] ?? '',
        matched: true,
        ...(level ? { level } : {}),
        ...(time ? { time } : {}),
        ...(component ? { component } : {}),
        ...(pid ? { pid } : {}),
      };
    },
  };
}
