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
 * Lines that do not fit the learned shape (stack traces, continuation lines) keep the whole line as
 * the message and are counted by the caller.
 */
import { ExitCode, ObsError } from '../../core/errors.js';

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
}

/** Severity words, upper-cased. Single letters are Android logcat / glog style. */
const LEVELS = new Map<string, string>(
  Object.entries({
    TRACE: 'trace',
    FINEST: 'trace',
    FINER: 'debug',
    FINE: 'debug',
    DEBUG: 'debug',
    DBG: 'debug',
    VERBOSE: 'debug',
    INFO: 'info',
    INFORMATION: 'info',
    INFORMATIONAL: 'info',
    NOTICE: 'info',
    WARN: 'warn',
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
    PANIC: 'fatal',
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
  if (token.length > 15) return undefined; // longer than any level word with its brackets
  const c = token.charCodeAt(0);
  // Levels start with a letter or a bracket: `INFO`, `[warn]`, `<E>`.
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 91 || c === 40 || c === 60)) {
    return undefined;
  }
  const bare = token.replace(/^[[(<]+|[\])>:,|]+$/g, '');
  if (bare.length === 0) return undefined;
  const bracketed = bare.length !== token.length && /^[[(<]/.test(token);
  const up = bare.toUpperCase();
  // Plain words must be upper case or Capitalized; lower case only inside brackets (`[notice]`).
  if (
    bare !== up &&
    !bracketed &&
    !(bare[0] === up[0] && bare.slice(1) === bare.slice(1).toLowerCase())
  ) {
    return undefined;
  }
  if (bare.length === 1 && bare !== up) return undefined;
  return LEVELS.get(up);
}

interface Tok {
  text: string;
  start: number;
  end: number;
}

const MAX_HEADER_TOKENS = 14;

/** The first `max` whitespace-separated tokens with their offsets. */
function headTokens(line: string, max = MAX_HEADER_TOKENS + 8): Tok[] {
  const out: Tok[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      if (start >= 0) {
        out.push({ text: line.slice(start, i), start, end: i });
        start = -1;
        if (out.length >= max) return out;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push({ text: line.slice(start), start, end: line.length });
  return out;
}

const MONTHS = /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?$/;
const WEEKDAYS = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?$/;
/** A token that is (part of) a timestamp or a plain number: `2015-10-18`, `18:01:47,978`, `1117838570`. */
function isTimeOrNumber(t: string): boolean {
  const bare = t.replace(/^[[(]+|[\]),:]+$/g, '');
  return /^[-+]?\d[\d:.\-/,T+Z_]*$/.test(bare) || MONTHS.test(bare) || WEEKDAYS.test(bare);
}
const hasTime = (t: string) => /\d[:.]\d\d/.test(t) || /^\d{6,}$/.test(t.replace(/[[\]]/g, ''));
/** `sshd[42]:`, `kernel:`, `dfs.DataNode$PacketResponder:`, `sshd(pam_unix)[19939]:`. */
const TAG = /^[\w.$@\-/#(][\w.$@\-/#()[\]]*:$/;
/** A logger name without a colon: `org.apache.Foo`, `v.c.Controller#54`. */
const LOGGER = /^[A-Za-z_$][\w$]*(?:\.[\w$]+)+(?:[#:@]\d+)?$/;

interface Anchors {
  level: number;
  tag: number;
  dash: number;
  toks: Tok[];
}

function anchorsOf(line: string): Anchors {
  const toks = headTokens(line);
  let level = -1;
  let tag = -1;
  let dash = -1;
  const n = Math.min(toks.length - 1, MAX_HEADER_TOKENS); // the message needs at least one token
  for (let i = 0; i < n; i++) {
    const t = toks[i]!.text;
    if (level < 0 && levelOf(t) !== undefined) level = i;
    if (tag < 0 && i > 0 && TAG.test(t) && levelOf(t) === undefined) tag = i;
    if (dash < 0 && i > 0 && t === '-') dash = i;
  }
  return { level, tag, dash, toks };
}

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

function bracketEnd(toks: Tok[], i: number): number {
  // A `[...]` group may span tokens: `[req-1 user - -]`. Returns the index after it, or i.
  if (i >= toks.length || !toks[i]!.text.startsWith('[')) return i;
  let depth = 0;
  for (let j = i; j < toks.length && j < i + 12; j++) {
    for (const ch of toks[j]!.text) {
      if (ch === '[') depth++;
      else if (ch === ']') depth--;
    }
    if (depth <= 0) return j + 1;
  }
  return i;
}

const SEPARATOR = /^[-|:]$/;
/** Python's default `LEVEL:logger:message`. */
const PY_BASIC = /^(DEBUG|INFO|WARNING|ERROR|CRITICAL):([^\s:]+):/;

/**
 * A header recognized in one line on its own: a leading timestamp, then (in any of the common
 * orders) a level, a `logger:`/`logger -` and separators; or Python's `LEVEL:logger:message`.
 * Undefined when the line starts with none of these. Used for files that mix formats and for
 * lines without the file's learned header.
 */
export function genericHeader(line: string): (HeaderParts & { matched: boolean }) | undefined {
  const py = PY_BASIC.exec(line);
  if (py !== null) {
    return {
      content: line.slice(py[0].length),
      matched: false,
      level: levelOf(py[1]!),
      time: undefined,
      component: py[2],
      pid: undefined,
    };
  }
  const toks = headTokens(line, 12);
  let i = 0;
  let time: string | undefined;
  if (
    toks.length > 1 &&
    (hasTime(toks[0]!.text) ||
      /^\[?\d{2,4}[-/.]\d{1,2}[-/.]\d{1,4}/.test(toks[0]!.text) ||
      MONTHS.test(toks[0]!.text) ||
      WEEKDAYS.test(toks[0]!.text.replace(/^\[/, '')))
  ) {
    while (i < 6 && i + 1 < toks.length && isTimeOrNumber(toks[i]!.text)) i++;
    if (i > 0) time = sliceTime(line, toks, 0, i - 1);
  }
  let level: string | undefined;
  let component: string | undefined;
  for (let k = 0; k < 6 && i + 1 < toks.length; k++) {
    const t = toks[i]!.text;
    if (SEPARATOR.test(t)) i++;
    else if (level === undefined && levelOf(t) !== undefined) {
      level = levelOf(t);
      i++;
    } else if (
      component === undefined &&
      TAG.test(t) &&
      (level !== undefined || time !== undefined)
    ) {
      component = t.slice(0, -1);
      i++;
      break; // a tag ends the header
    } else if (
      component === undefined &&
      LOGGER.test(t) &&
      (SEPARATOR.test(toks[i + 1]!.text) || (level !== undefined && /^\[/.test(toks[i + 1]!.text)))
    ) {
      component = t;
      i++;
    } else if (/^\[[^\]]*\]$/.test(t) && level !== undefined && component === undefined) {
      component = t.slice(1, -1);
      i++;
    } else break;
  }
  if (time === undefined && level === undefined) return undefined;
  return result(line, toks, i, { time, level, component, pid: undefined }, false);
}

/** Builds the parse result with one fixed shape (absent parts are undefined), which V8 likes. */
function result(
  line: string,
  toks: Tok[],
  from: number,
  parts: Omit<HeaderParts, 'content'>,
  matched: boolean,
): HeaderParts & { matched: boolean } {
  return {
    content: from >= toks.length ? '' : line.slice(toks[from]!.start),
    matched,
    level: parts.level,
    time: parts.time,
    component: parts.component,
    pid: parts.pid,
  };
}

function timeText(line: string, toks: Tok[], upto: number): string | undefined {
  const first = toks.findIndex((t, i) => i < upto && hasTime(t.text));
  if (first < 0) return undefined;
  let last = first;
  for (let i = first + 1; i < upto; i++)
    if (isTimeOrNumber(toks[i]!.text)) last = i;
    else break;
  let s = first;
  while (s > 0 && isTimeOrNumber(toks[s - 1]!.text)) s--;
  return sliceTime(line, toks, s, last);
}

function sliceTime(line: string, toks: Tok[], s: number, last: number): string {
  let t = line.slice(toks[s]!.start, toks[last]!.end);
  if (t.startsWith('[')) t = t.slice(1);
  return t.endsWith(']') ? t.slice(0, -1) : t;
}

/**
 * `timeText` for one file: the time sits at the same fields in nearly every line, so the span
 * found in one line is tried first and only searched again when its first field holds no time.
 */
function timeFinder(): (line: string, toks: Tok[], upto: number) => string | undefined {
  let span: [number, number] | undefined;
  return (line, toks, upto) => {
    if (span !== undefined && span[1] < upto && hasTime(toks[span[0]]?.text ?? '')) {
      return sliceTime(line, toks, span[0], span[1]);
    }
    const t = timeText(line, toks, upto);
    if (t !== undefined) {
      const first = toks.findIndex((x, i) => i < upto && hasTime(x.text));
      let s = first;
      while (s > 0 && isTimeOrNumber(toks[s - 1]!.text)) s--;
      let last = first;
      while (last + 1 < upto && isTimeOrNumber(toks[last + 1]!.text)) last++;
      span = [s, last];
    }
    return t;
  };
}

function componentOf(tag: string): { component: string; pid?: string } {
  const m = /^(.*?)(?:\[(\d+)\])?(?:\s*\([^)]*\))?:$/.exec(tag);
  const component = (m?.[1] ?? tag.replace(/:$/, '')) || tag;
  return m?.[2] !== undefined ? { component, pid: m[2] } : { component };
}

/** Learns the header shape of one file from a sample of its lines (see the module comment). */
export function learnHeader(sample: readonly string[]): HeaderParser {
  const lines = sample.filter((l) => l.trim().length > 0);
  const anchors = lines.map(anchorsOf);
  const n = anchors.length;

  const [levelAt, levelShare] = mode(
    anchors.map((a) => a.level),
    n,
  );
  if (levelAt >= 0 && levelShare >= SUPPORT) return levelHeader(levelAt, anchors);

  const tagged = anchors.filter(
    (a) => a.tag > 0 && a.toks.slice(0, a.tag).some((t) => hasTime(t.text)),
  );
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
    anchors
      .filter((a) => a.dash === dashAt)
      .every((a) => a.toks.slice(0, dashAt).some((t) => hasTime(t.text)))
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

  const prefix = numericPrefix(anchors);
  if (prefix > 0) return positionalHeader(prefix, `${prefix} leading fields`, () => true);
  // No shape holds for most lines (a stream mixing formats, or no header at all): each line gets
  // the generic recognizer; a line it finds nothing in is a plain message.
  return {
    description: 'per line',
    parse: (line) => {
      const g = genericHeader(line);
      if (g === undefined) return { content: line, matched: true };
      g.matched = true;
      return g;
    },
  };
}

/** The number of leading fields when field 0 and some later fields are numbers in ~all lines. */
function numericPrefix(anchors: Anchors[]): number {
  const n = anchors.length;
  if (n === 0) return 0;
  let last = -1;
  for (let i = 0; i < 8; i++) {
    const share =
      anchors.filter((a) => a.toks.length > i + 1 && isTimeOrNumber(a.toks[i]!.text)).length / n;
    if (share >= 0.95) last = i;
    else if (i === 0) return 0;
  }
  return last + 1;
}

function levelHeader(at: number, anchors: Anchors[]): HeaderParser {
  // What follows the level in this file: bracket groups, then a `logger:` tag or a dotted logger.
  const after = anchors.filter((a) => a.level === at);
  const share = (f: (a: Anchors) => boolean) => after.filter(f).length / Math.max(1, after.length);
  const skipBrackets = (toks: Tok[], i: number) => {
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
      const j = skipBrackets(a.toks, at + 1);
      return j + 1 < a.toks.length && TAG.test(a.toks[j]!.text);
    }) >= 0.8;
  const loggerUsual =
    share((a) => {
      const j = skipBrackets(a.toks, at + 1);
      return j + 1 < a.toks.length && LOGGER.test(a.toks[j]!.text);
    }) >= 0.8;
  const findTime = timeFinder();
  return {
    description: `level at field ${at + 1}`,
    parse(line) {
      // Enough for the level, a logger and a bracket group of a few fields (`[req-1 - - -]`).
      const toks = headTokens(line, at + 10);
      const t = toks[at];
      const level = t === undefined ? undefined : levelOf(t.text);
      if (level === undefined || at + 1 >= toks.length) {
        return genericHeader(line) ?? { content: line, matched: false };
      }
      let i = skipBrackets(toks, at + 1);
      let component: string | undefined;
      let pid: string | undefined;
      const next = toks[i]?.text;
      if (next !== undefined && i + 1 < toks.length) {
        if (tagUsual && TAG.test(next)) {
          ({ component, pid } = componentOf(next));
          i++;
        } else if (loggerUsual && LOGGER.test(next)) {
          component = next;
          i = bracketEnd(toks, i + 1); // one group: `[req-...]`; a second one is message
          if (toks[i]?.text === ':' || toks[i]?.text === '-') i++;
        }
      }
      if (toks[i]?.text === '-' && i + 1 < toks.length) i++;
      const time = findTime(line, toks, at);
      return result(line, toks, i, { level, time, component, pid }, true);
    },
  };
}

function tagHeader(at: number): HeaderParser {
  const findTime = timeFinder();
  return {
    description: `'tag:' at field ${at + 1}`,
    parse(line) {
      const toks = headTokens(line, at + 4);
      // The tag may be pushed a field or two right (`syslogd 1.4.1:`, `tag[1] (detail):`).
      let i = at;
      while (
        i < at + 3 &&
        i + 1 < toks.length &&
        !(TAG.test(toks[i]!.text) && levelOf(toks[i]!.text) === undefined)
      )
        i++;
      const time = findTime(line, toks, at);
      if (i >= at + 3 || i + 1 >= toks.length || !TAG.test(toks[i]!.text)) {
        // No tag where the file has one: the fields before it are still header.
        return result(line, toks, Math.min(at, toks.length), { time }, false);
      }
      const tag = line.slice(toks[at]!.start, toks[i]!.end);
      const { component, pid } = componentOf(toks[at]!.text.endsWith(':') ? toks[at]!.text : tag);
      const level = levelOf(toks[i + 1]!.text);
      return result(line, toks, i + 1, { time, component, pid, level }, true);
    },
  };
}

function positionalHeader(
  fields: number,
  description: string,
  fits: (toks: Tok[]) => boolean,
): HeaderParser {
  const findTime = timeFinder();
  return {
    description,
    parse(line) {
      const toks = headTokens(line, fields + 1);
      if (toks.length <= fields || !fits(toks)) return { content: line, matched: false };
      const time = findTime(line, toks, fields);
      const level = toks
        .slice(0, fields)
        .map((t) => levelOf(t.text))
        .find((l) => l !== undefined);
      return result(line, toks, fields, { time, level }, true);
    },
  };
}

function dashHeader(at: number): HeaderParser {
  const findTime = timeFinder();
  return {
    description: `'-' at field ${at + 1}`,
    parse(line) {
      const toks = headTokens(line, at + 4);
      // The separator may be pushed a field or two right (`program *64 - message`).
      let i = at;
      while (i < at + 3 && i + 1 < toks.length && toks[i]!.text !== '-') i++;
      if (toks[i]?.text !== '-' || i + 1 >= toks.length) return { content: line, matched: false };
      const time = findTime(line, toks, at);
      const component = toks[at - 1]?.text;
      return result(
        line,
        toks,
        i + 1,
        { time, component: component !== undefined && !hasTime(component) ? component : undefined },
        true,
      );
    },
  };
}

function pipeHeader(fields: number): HeaderParser {
  return {
    description: `${fields} '|'-separated fields`,
    parse(line) {
      let at = -1;
      for (let k = 0; k < fields; k++) {
        at = line.indexOf('|', at + 1);
        if (at < 0) return { content: line, matched: false };
      }
      const parts = line.slice(0, at).split('|');
      const level = parts.map((p) => levelOf(p.trim())).find((l) => l !== undefined);
      return {
        content: line.slice(at + 1),
        time: parts[0]!.trim(),
        ...(level ? { level } : {}),
        ...(parts[1] !== undefined ? { component: parts[1].trim() } : {}),
        matched: true,
      };
    },
  };
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
