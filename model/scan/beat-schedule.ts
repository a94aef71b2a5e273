/**
 * A Celery beat schedule read from Python source text, without running Python: how long the
 * scheduler may rightly publish nothing (the longest gap between two publishes of all its entries
 * together), for `maxPublishGap`.
 *
 * Read: `beat_schedule` / `CELERY_BEAT_SCHEDULE` / `CELERYBEAT_SCHEDULE` assigned a dict literal
 * (`app.conf.beat_schedule = {...}`, Django settings), passed as a keyword
 * (`app.conf.update(beat_schedule={...})`), extended (`beat_schedule['x'] = {...}`,
 * `beat_schedule.update({...})`), and `add_periodic_task(...)` calls. A schedule is seconds
 * (arithmetic allowed), `timedelta(...)`, `schedule(run_every=...)` or `crontab(...)` with numbers,
 * `*`, steps of `*` or of a range (`/15`), `a-b` and comma lists (day and month names too). Module-level names are
 * followed (`'schedule': EVERY_TEN_MINUTES`, `beat_schedule = SCHEDULE` from another file).
 * Anything else (solar, a schedule built by a function, a database scheduler, two schedules) gives
 * no gap and a reason: a guess here would make the alert fire every night or notice a stop late.
 */
import type { SourceFile } from './code.js';
import { Parser, tokenize } from './python-source.js';
import type { Node } from './python-source.js';

export interface BeatScheduleGap {
  /** The longest gap between two publishes in whole minutes (rounded up, at least 5). */
  gapMinutes: number | undefined;
  /** What was read, or why nothing could be, for the scan's findings. */
  reason: string;
}

/** The alert's floor (`maxPublishGap` is at least 5m). */
const MIN_GAP_MINUTES = 5;

const SCHEDULE_NAMES: ReadonlySet<string> = new Set([
  'beat_schedule',
  'CELERY_BEAT_SCHEDULE',
  'CELERYBEAT_SCHEDULE',
]);
/** Celery's `timezone` (Django: `CELERY_TIMEZONE`, and `TIME_ZONE`, which it may fall back to). */
const TIMEZONE_NAMES: ReadonlySet<string> = new Set(['timezone', 'CELERY_TIMEZONE', 'TIME_ZONE']);
/** Zones without daylight saving time that Celery's crontabs may run in. */
const UTC_RE = /^(Etc\/)?(UTC|UCT|GMT|Universal|Zulu)$/i;
const SCHEDULER_NAMES: ReadonlySet<string> = new Set([
  'beat_scheduler',
  'CELERY_BEAT_SCHEDULER',
  'CELERYBEAT_SCHEDULER',
]);

// ---------------------------------------------------------------------------------------------
// Where a schedule is set

/** One statement or call that sets (part of) the beat schedule. */
interface Setting {
  file: string;
  line: number;
  /** A whole schedule (`= {...}`, a keyword), entries added to it, one entry, or one task. */
  kind: 'whole' | 'add' | 'entry' | 'task';
  value: Node;
  /** The entry's name, for `entry`. */
  entryName?: string;
}

interface FileRead {
  settings: Setting[];
  /** Module-level `NAME = value`, for names a schedule refers to. */
  names: Map<string, Node>;
  /** Why the file's schedule cannot be trusted, if it cannot. */
  problem?: string;
  /** A non-default scheduler set in the configuration. */
  scheduler?: string;
  /** Timezones set in the configuration (`?` when not a string literal). */
  timezones: string[];
}

const lastPart = (dotted: string) => dotted.slice(dotted.lastIndexOf('.') + 1);

function readFile(file: SourceFile): FileRead {
  const t = tokenize(file.text);
  const out: FileRead = { settings: [], names: new Map(), timezones: [] };
  const at = (line: number) => `${file.path}:${line}`;
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    if (tok.kind !== 'name') continue;
    const prev = t[i - 1];
    const statementStart = prev === undefined || prev.kind === 'newline' || prev.text === ';';
    // A dotted target at the start of a statement: `app.conf.beat_schedule = ...`.
    let j = i;
    let target = tok.text;
    if (statementStart && tok.depth === 0) {
      while (
        !SCHEDULE_NAMES.has(lastPart(target)) &&
        t[j + 1]?.text === '.' &&
        t[j + 2]?.kind === 'name'
      ) {
        target += `.${t[j + 2]!.text}`;
        j += 2;
      }
      const next = t[j + 1];
      const last = lastPart(target);
      // An annotation (`beat_schedule: dict = {...}`) is skipped up to its `=`.
      let eq = j + 1;
      if (next?.text === ':' && next.kind === 'op') {
        while (
          eq < t.length &&
          t[eq]!.kind !== 'newline' &&
          !(t[eq]!.text === '=' && t[eq]!.depth === 0)
        )
          eq++;
      }
      if (t[eq]?.kind === 'op' && t[eq]!.text === '=') {
        const parser = new Parser(t, eq + 1);
        const value = parser.expr();
        if (target === tok.text) out.names.set(tok.text, value);
        if (SCHEDULE_NAMES.has(last)) {
          out.settings.push({ file: file.path, line: tok.line, kind: 'whole', value });
          i = parser.i - 1;
          continue;
        }
        if (SCHEDULER_NAMES.has(last))
          out.scheduler = value.k === 'str' ? value.v : `${last} (${at(tok.line)})`;
        if (TIMEZONE_NAMES.has(last)) out.timezones.push(value.k === 'str' ? value.v : '?');
        // Other assignments are read on, for the calls in their values.
        i = eq;
        continue;
      }
      if (SCHEDULE_NAMES.has(last)) {
        // `beat_schedule['name'] = {...}` and `beat_schedule.update({...})` add entries.
        if (next?.text === '[') {
          const key = new Parser(t, j + 2);
          const name = key.expr();
          if (t[key.i]?.text === ']' && t[key.i + 1]?.text === '=') {
            const parser = new Parser(t, key.i + 2);
            out.settings.push({
              file: file.path,
              line: tok.line,
              kind: 'entry',
              value: parser.expr(),
              entryName: name.k === 'str' ? name.v : '?',
            });
            i = parser.i - 1;
            continue;
          }
        }
        if (
          next?.text === '.' &&
          t[j + 2]?.text === 'update' &&
          t[j + 3]?.text === '(' &&
          t[j + 3]!.kind === 'op'
        ) {
          const parser = new Parser(t, j + 4);
          const call = parser.call('dict', tok.line);
          // `update({...})` adds a dict's entries, `update(name={...})` its keywords.
          const value =
            call.k === 'call' && call.args.length === 1 && call.kwargs.size === 0
              ? call.args[0]!
              : call;
          out.settings.push({ file: file.path, line: tok.line, kind: 'add', value });
          i = parser.i - 1;
          continue;
        }
        out.problem ??= `${target} is changed in a way that is not read (${at(tok.line)})`;
        continue;
      }
      if (tok.text === 'del') {
        const rest = t.slice(i + 1, i + 12).map((x) => x.text);
        if (rest.some((x) => SCHEDULE_NAMES.has(x)))
          out.problem ??= `an entry is deleted from the schedule (${at(tok.line)})`;
      }
    }
    // A keyword argument: `app.conf.update(beat_schedule={...})`.
    if (
      tok.depth > 0 &&
      (prev?.text === '(' || prev?.text === ',') &&
      t[i + 1]?.text === '=' &&
      t[i + 1]!.kind === 'op'
    ) {
      if (SCHEDULE_NAMES.has(tok.text)) {
        const parser = new Parser(t, i + 2);
        out.settings.push({ file: file.path, line: tok.line, kind: 'whole', value: parser.expr() });
        i = parser.i - 1;
      } else if (SCHEDULER_NAMES.has(tok.text)) {
        const v = new Parser(t, i + 2).expr();
        out.scheduler = v.k === 'str' ? v.v : `${tok.text} (${at(tok.line)})`;
      } else if (TIMEZONE_NAMES.has(tok.text)) {
        const v = new Parser(t, i + 2).expr();
        out.timezones.push(v.k === 'str' ? v.v : '?');
      }
      continue;
    }
    // `sender.add_periodic_task(10.0, task.s(), name=...)`.
    if (tok.text === 'add_periodic_task' && prev?.text === '.' && t[i + 1]?.text === '(') {
      const parser = new Parser(t, i + 2);
      const call = parser.call('add_periodic_task', tok.line);
      out.settings.push({ file: file.path, line: tok.line, kind: 'task', value: call });
      i = parser.i - 1;
      continue;
    }
    // `.update(...)` on a schedule reached otherwise, `pop`, `clear`: not read.
    if (SCHEDULE_NAMES.has(tok.text) && prev?.text === '.' && t[i + 1]?.text === '.') {
      const method = t[i + 2]?.text ?? '';
      if (['pop', 'popitem', 'clear', 'setdefault', 'update'].includes(method))
        out.problem ??= `${tok.text}.${method}(...) changes the schedule in a way that is not read (${at(tok.line)})`;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schedules

/** One entry's timing: a fixed interval, or crontab fields as the sets of values that fire. */
type Timing =
  | { kind: 'every'; seconds: number }
  | {
      kind: 'cron';
      minute: Set<number>;
      hour: Set<number>;
      dayOfWeek: Set<number>;
      dayOfMonth: Set<number>;
      monthOfYear: Set<number>;
      /** Whether day_of_month or month_of_year is restricted (then the calendar matters). */
      calendar: boolean;
    };

class Unreadable extends Error {}
const fail = (why: string): never => {
  throw new Unreadable(why);
};

/** Names visible to an expression: its own file's module level, then one other file's. */
type Lookup = (name: string) => Node | undefined;

function resolve(node: Node, lookup: Lookup, seen = 0): Node {
  if (node.k !== 'name' || seen > 8) return node;
  const target = lookup(node.v);
  return target === undefined ? node : resolve(target, lookup, seen + 1);
}

function numberOf(node: Node, lookup: Lookup): number {
  const n = resolve(node, lookup);
  if (n.k === 'num') return n.v;
  if (n.k === 'bin') {
    const a = numberOf(n.a, lookup);
    const b = numberOf(n.b, lookup);
    switch (n.op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return b === 0 ? fail('a division by zero') : a / b;
      default:
        return b === 0 ? fail('a division by zero') : Math.floor(a / b);
    }
  }
  if (n.k === 'call' && n.fn !== undefined && lastPart(n.fn) === 'timedelta')
    return timedeltaSeconds(n, lookup);
  return fail(
    n.k === 'name' ? `${n.v} is not a number it can read` : 'a value that is not a number',
  );
}

const TIMEDELTA_ORDER = [
  'days',
  'seconds',
  'microseconds',
  'milliseconds',
  'minutes',
  'hours',
  'weeks',
];
const TIMEDELTA_SECONDS: Readonly<Record<string, number>> = {
  days: 86_400,
  seconds: 1,
  microseconds: 1e-6,
  milliseconds: 1e-3,
  minutes: 60,
  hours: 3_600,
  weeks: 604_800,
};

function timedeltaSeconds(call: Extract<Node, { k: 'call' }>, lookup: Lookup): number {
  let s = 0;
  call.args.forEach((a, i) => {
    const unit = TIMEDELTA_ORDER[i] ?? fail('timedelta() with too many arguments');
    s += numberOf(a, lookup) * TIMEDELTA_SECONDS[unit]!;
  });
  for (const [k, v] of call.kwargs) {
    const unit = TIMEDELTA_SECONDS[k] ?? fail(`timedelta(${k}=...)`);
    s += numberOf(v, lookup) * unit;
  }
  return s;
}

const range = (lo: number, hi: number): number[] =>
  Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Celery's crontab fields: name, allowed range, and names for values. */
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day_of_week', min: 0, max: 6, names: DAYS },
  { name: 'day_of_month', min: 1, max: 31 },
  { name: 'month_of_year', min: 1, max: 12, names: MONTHS, offset: 1 },
] as const;
type CronField = (typeof CRON_FIELDS)[number];

function cronValue(field: CronField, word: string): number {
  const w = word.trim().toLowerCase();
  if (/^\d+$/.test(w)) {
    return Number(w);
  }
  const names: readonly string[] | undefined = 'names' in field ? field.names : undefined;
  const idx = names?.findIndex((n) => w === n || (w.length > 3 && w.startsWith(n))) ?? -1;
  if (idx >= 0) return idx + ('offset' in field ? field.offset : 0);
  return fail(`crontab ${field.name}='${word}'`);
}

/** A crontab field's text (`*`, `0-30/5`, `mon-fri`, `1,15`, steps of `*`) as the values it fires on. */
function cronSet(field: CronField, node: Node | undefined, lookup: Lookup): Set<number> {
  const all = new Set<number>();
  for (let v = field.min; v <= field.max; v++) all.add(v);
  if (node === undefined) return all;
  const n = resolve(node, lookup);
  const out = new Set<number>();
  const check = (v: number) => {
    if (!Number.isInteger(v) || v < field.min || v > field.max)
      fail(`crontab ${field.name}=${v} is out of range`);
    out.add(v);
  };
  if (n.k === 'num' || n.k === 'bin') check(numberOf(n, lookup));
  else if (n.k === 'seq') for (const item of n.items) check(numberOf(item, lookup));
  else if (n.k === 'str') {
    for (const part of n.v.split(',')) {
      const m = /^\s*(\*|[\w]+(?:-[\w]+)?)\s*(?:\/\s*(\d+))?\s*$/.exec(part);
      if (m === null) return fail(`crontab ${field.name}='${n.v}'`);
      const step = m[2] === undefined ? 1 : Number(m[2]);
      if (step < 1) return fail(`crontab ${field.name}='${n.v}'`);
      let values: number[];
      if (m[1] === '*') values = range(field.min, field.max);
      else if (m[1]!.includes('-')) {
        const [a, b] = m[1]!.split('-').map((x) => cronValue(field, x));
        // `fri-mon` wraps past the field's end, as Celery's parser does.
        values = a! <= b! ? range(a!, b!) : [...range(a!, field.max), ...range(field.min, b!)];
      } else if (m[2] === undefined) values = [cronValue(field, m[1]!)];
      else return fail(`crontab ${field.name}='${n.v}'`); // `5/15`: not Celery's syntax
      values.filter((_, i) => i % step === 0).forEach(check);
    }
  } else return fail(`crontab ${field.name} that is not a literal`);
  if (out.size === 0) return fail(`crontab ${field.name} that never matches`);
  return out;
}

function timingOf(value: Node, lookup: Lookup): Timing {
  const n = resolve(value, lookup);
  if (n.k === 'num' || n.k === 'bin') return { kind: 'every', seconds: numberOf(n, lookup) };
  if (n.k !== 'call' || n.fn === undefined)
    return fail(
      n.k === 'name'
        ? `a schedule named ${n.v} that is not defined here`
        : 'a schedule that is not a literal',
    );
  const fn = lastPart(n.fn);
  if (fn === 'timedelta') return { kind: 'every', seconds: timedeltaSeconds(n, lookup) };
  if (fn === 'schedule') {
    const every = n.kwargs.get('run_every') ?? n.args[0];
    return every === undefined ? fail('schedule() without run_every') : timingOf(every, lookup);
  }
  if (fn === 'crontab') {
    const fields = CRON_FIELDS.map((f, i) => {
      const v = n.kwargs.get(f.name) ?? n.args[i];
      return cronSet(f, v, lookup);
    });
    const known = new Set<string>([...CRON_FIELDS.map((f) => f.name), 'nowfun', 'app']);
    for (const k of n.kwargs.keys()) if (!known.has(k)) fail(`crontab(${k}=...)`);
    if (n.args.length > CRON_FIELDS.length) fail('crontab() with too many arguments');
    const given = (name: string, i: number) => n.kwargs.has(name) || n.args[i] !== undefined;
    const calendar = given('day_of_month', 3) || given('month_of_year', 4);
    // Celery fires only on days that match both day_of_week and day_of_month; cron would take
    // either. Rather than bet on one, such a schedule is not read.
    if (calendar && given('day_of_week', 2))
      fail('a crontab restricted by both day_of_week and day_of_month/month_of_year');
    return {
      kind: 'cron',
      minute: fields[0]!,
      hour: fields[1]!,
      dayOfWeek: fields[2]!,
      dayOfMonth: fields[3]!,
      monthOfYear: fields[4]!,
      calendar,
    };
  }
  if (fn === 'solar') return fail('a solar() schedule (its gaps follow the sun)');
  return fail(`a ${fn}() schedule`);
}

const DAY_MINUTES = 1440;

/**
 * The longest gap in minutes between consecutive firings of all crontab entries together. Weekly
 * patterns are laid out over three weeks (every gap, the one across the week's end too, is
 * inside); with days of the month or months, over eight calendar years (leap days included).
 */
function cronGapMinutes(crons: Extract<Timing, { kind: 'cron' }>[]): number {
  const calendar = crons.some((c) => c.calendar);
  const days = calendar ? 8 * 366 : 21;
  // 2024-01-01 was a Monday, and a leap year.
  const start = Date.UTC(2024, 0, 1);
  let last: number | undefined;
  let longest = 0;
  for (let d = 0; d < days; d++) {
    const date = new Date(start + d * 86_400_000);
    const dow = date.getUTCDay();
    const dom = date.getUTCDate();
    const month = date.getUTCMonth() + 1;
    const today = crons.filter(
      (c) => c.dayOfWeek.has(dow) && c.dayOfMonth.has(dom) && c.monthOfYear.has(month),
    );
    if (today.length === 0) continue;
    for (let m = 0; m < DAY_MINUTES; m++) {
      const h = Math.floor(m / 60);
      if (!today.some((c) => c.hour.has(h) && c.minute.has(m % 60))) continue;
      const t = d * DAY_MINUTES + m;
      if (last !== undefined) longest = Math.max(longest, t - last);
      last = t;
    }
  }
  return last === undefined ? fail('a crontab that never fires') : longest;
}

/** `maxPublishGap` for a gap in minutes: days or hours when it is a whole number of them. */
export function publishGapText(minutes: number): string {
  if (minutes % DAY_MINUTES === 0) return `${minutes / DAY_MINUTES}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/** An entry of the schedule dict: `{'task': ..., 'schedule': ...}` or `dict(schedule=...)`. */
function entrySchedule(entry: Node, lookup: Lookup): Node {
  const e = resolve(entry, lookup);
  if (e.k === 'dict') {
    if (e.spreads.length > 0) fail('an entry merged from another dict (**)');
    const hit = e.entries.find(([k]) => k.k === 'str' && k.v === 'schedule');
    return hit?.[1] ?? fail('an entry without a schedule');
  }
  if (e.k === 'call' && e.fn === 'dict')
    return e.kwargs.get('schedule') ?? fail('an entry without a schedule');
  return fail('an entry that is not a dict literal');
}

/** The entries of a whole schedule or an addition to it, with their names. */
function entriesOf(value: Node, lookup: Lookup): { name: string; schedule: Node }[] {
  const v = resolve(value, lookup);
  const out: { name: string; schedule: Node }[] = [];
  if (v.k === 'dict') {
    for (const s of v.spreads) out.push(...entriesOf(s, lookup));
    for (const [k, e] of v.entries)
      out.push({ name: k.k === 'str' ? k.v : '?', schedule: entrySchedule(e, lookup) });
    return out;
  }
  if (v.k === 'call' && v.fn === 'dict' && v.args.length === 0) {
    for (const [k, e] of v.kwargs) out.push({ name: k, schedule: entrySchedule(e, lookup) });
    return out;
  }
  return fail(
    v.k === 'name'
      ? `${v.v}, which is not defined as a literal here`
      : 'a value that is not a dict literal',
  );
}

// ---------------------------------------------------------------------------------------------

/** Celery's own scheduler, named explicitly (`-S celery.beat:PersistentScheduler`), reads the code's. */
function isDefaultScheduler(flag: string, next?: string): boolean {
  const value = flag.includes('=')
    ? flag.slice(flag.indexOf('=') + 1)
    : flag.length > 2 && flag.startsWith('-S')
      ? flag.slice(2)
      : flag.startsWith('-')
        ? (next ?? '')
        : flag;
  return /^celery\.beat[:.](Persistent)?Scheduler$/.test(value);
}

/**
 * The longest gap between two publishes of the beat schedule in `sources` (a service's Python
 * files), or why it cannot be told. `command` is the beat's start command: a scheduler other than
 * Celery's own (`-S django_celery_beat...`) keeps entries elsewhere, so the code's are not all.
 */
export function beatScheduleGap(
  sources: readonly SourceFile[],
  command: readonly string[] = [],
): BeatScheduleGap {
  const none = (reason: string): BeatScheduleGap => ({ gapMinutes: undefined, reason });
  const schedulerFlag = command.findIndex(
    (w, i) =>
      w === '-S' ||
      w === '--scheduler' ||
      w.startsWith('--scheduler=') ||
      (w.startsWith('-S') && w.length > 2 && i > 0),
  );
  if (
    schedulerFlag >= 0 &&
    !isDefaultScheduler(command[schedulerFlag]!, command[schedulerFlag + 1])
  ) {
    const w = command[schedulerFlag]!;
    const which = w.includes('=')
      ? w.slice(w.indexOf('=') + 1)
      : w.length > 2 && w.startsWith('-S')
        ? w.slice(2)
        : command[schedulerFlag + 1];
    return none(
      `it runs the scheduler ${which ?? '(unnamed)'}, whose entries are kept outside the code`,
    );
  }
  const files = sources
    .filter((s) =>
      /beat_schedule|BEAT_SCHEDULE|add_periodic_task|beat_scheduler|timezone|TIME_?ZONE/.test(
        s.text,
      ),
    )
    .map((s) => ({ path: s.path, read: readFile(s) }));
  for (const f of files) {
    if (f.read.scheduler !== undefined && !isDefaultScheduler(f.read.scheduler))
      return none(
        `the configuration sets the scheduler ${f.read.scheduler}, whose entries are kept outside the code`,
      );
    if (f.read.problem !== undefined) return none(f.read.problem);
  }
  const settings = files.flatMap((f) => f.read.settings);
  if (settings.length === 0) return none('no beat schedule found in its Python sources');
  const wholes = settings.filter((s) => s.kind === 'whole');
  if (wholes.length > 1) {
    const where = wholes.map((s) => `${s.file}:${s.line}`).join(', ');
    return none(
      `the schedule is set in several places (${where}), and which one runs is not known`,
    );
  }

  // A name the schedule's own file does not define: the one other file that does (an import).
  const parsed = new Map(files.map((f) => [f.path, f.read]));
  const elsewhere = (name: string): Node | undefined => {
    const word = new RegExp(`(^|\\n)[ \\t]*${name}[ \\t]*(:[^=\\n]*)?=[^=]`);
    const defining = sources.filter((s) => word.test(s.text));
    if (defining.length !== 1) return undefined;
    const f = defining[0]!;
    if (!parsed.has(f.path)) parsed.set(f.path, readFile(f));
    return parsed.get(f.path)!.names.get(name);
  };
  const timings: { name: string; timing: Timing; where: string }[] = [];
  try {
    for (const s of settings) {
      const own = files.find((f) => f.path === s.file)!.read.names;
      const lookup: Lookup = (name) => own.get(name) ?? elsewhere(name);
      const where = `${s.file}:${s.line}`;
      try {
        if (s.kind === 'task') {
          const c =
            s.value.k === 'call'
              ? s.value
              : fail('add_periodic_task() with arguments that are not read');
          const sched =
            c.kwargs.get('schedule') ?? c.args[0] ?? fail('add_periodic_task() without a schedule');
          const name = c.kwargs.get('name');
          timings.push({
            name: name?.k === 'str' ? name.v : 'add_periodic_task',
            timing: timingOf(sched, lookup),
            where,
          });
        } else if (s.kind === 'entry') {
          timings.push({
            name: s.entryName ?? '?',
            timing: timingOf(entrySchedule(s.value, lookup), lookup),
            where,
          });
        } else {
          for (const e of entriesOf(s.value, lookup))
            timings.push({ name: e.name, timing: timingOf(e.schedule, lookup), where });
        }
      } catch (err) {
        if (err instanceof Unreadable) throw new Unreadable(`${err.message} (${where})`);
        throw err;
      }
    }
  } catch (err) {
    if (err instanceof Unreadable)
      return none(`its beat schedule has ${err.message}, which is not read`);
    throw err;
  }
  if (timings.length === 0)
    return none(
      `its beat schedule is empty (${wholes[0] ? `${wholes[0].file}:${wholes[0].line}` : ''})`,
    );

  // Intervals start when beat starts, so where they fall between crontab firings is not known:
  // the gap is at most the shortest interval, and at most the crontab entries' longest gap.
  const intervals = timings.flatMap((t) =>
    t.timing.kind === 'every' ? [{ ...t, seconds: t.timing.seconds }] : [],
  );
  for (const t of intervals)
    if (!(t.seconds > 0))
      return none(
        `its beat schedule has an interval that is not positive (${t.where}), which is not read`,
      );
  const crons = timings.flatMap((t) => (t.timing.kind === 'cron' ? [t.timing] : []));
  let gap = Infinity;
  let by = '';
  for (const t of intervals) {
    const m = Math.ceil(t.seconds / 60 - 1e-9);
    if (m < gap) [gap, by] = [m, `'${t.name}' every ${publishGapText(m)}`];
  }
  if (crons.length > 0) {
    let cron: number;
    try {
      cron = cronGapMinutes(crons);
    } catch (err) {
      if (err instanceof Unreadable)
        return none(`its beat schedule has ${err.message}, which is not read`);
      throw err;
    }
    // Crontabs fire in Celery's timezone (UTC unless set): where it has daylight saving time,
    // the gap across a change lasts an hour longer (or the run is skipped or repeated).
    const zone = files.flatMap((f) => f.read.timezones).find((z) => !UTC_RE.test(z));
    let dst = '';
    if (zone !== undefined) {
      cron += 60;
      dst = `, with 1h more as the timezone ${zone === '?' ? 'it sets' : zone} may have daylight saving time`;
    }
    if (cron < gap)
      [gap, by] = [cron, `its crontab entries, ${publishGapText(cron)} apart at most${dst}`];
  }
  const gapMinutes = Math.max(MIN_GAP_MINUTES, gap);
  const read = [...new Set(timings.map((t) => t.where.replace(/:\d+$/, '')))].join(', ');
  return {
    gapMinutes,
    reason: `read ${timings.length} ${timings.length === 1 ? 'entry' : 'entries'} of its beat schedule from ${read}; the longest gap between two publishes is ${publishGapText(gap)} (${by})${gapMinutes > gap ? `, raised to the ${MIN_GAP_MINUTES}m minimum` : ''}`,
  };
}
