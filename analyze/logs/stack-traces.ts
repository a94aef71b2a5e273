/**
 * Multi-line events: a stack trace or a Python traceback is joined to the record it belongs to,
 * as Logstash's multiline codec (`^\s` continues the previous line) and Fluent Bit's built-in
 * `java`, `python` and `go` multiline parsers do. Without this, every frame of a traceback was
 * a record and a pattern of its own, of unknown level, and the exception that says what failed
 * was one pattern among them.
 *
 * The record keeps the message of its first line (what the miner sees) and gains the exception
 * the trace reports (`exception`): Python's last line (`ValueError: card declined`, the exception
 * finally raised), Java's and Node's first (`java.lang.IllegalStateException: boom`). A record
 * that is only a traceback (an uncaught exception, written without a log header) takes the
 * exception as its message. A record of unknown level that ends in an exception is an error.
 *
 * A Go panic (`panic: ...`, `fatal error: ...`) gains its goroutine dump, and is an error of
 * that exception.
 *
 * Only lines that do not start a record by the file's header are considered, so a file of
 * headed lines can never lose a record to this. In a file without a header (a service's raw
 * stderr), only lines that are clearly part of a trace are joined: frames (`at ...`,
 * `File "..."`), `Caused by:`, `... 12 more`, and whatever follows `Traceback (most recent call
 * last):` up to its exception line; the traceback itself goes on a line without a header only
 * when that line says something failed (`reportsProblem`).
 *
 * Output that interleaves streams (`docker compose logs` of several containers) joins a line to
 * the record of its own stream (`StreamJoiner`).
 */
import { hasDigit, maskMessage } from './mask.js';
import type { LogRecord } from './records.js';

/**
 * Where a held record goes once nothing more can join it: the record, its first line's number,
 * the last line joined to it, what the caller passed with it, whether its message changed to its
 * exception (a bare traceback), and, when lines of other streams came between (`StreamJoiner`),
 * the numbers of the lines joined to it (else they are all lines after `no` through `through`).
 */
export type EmitRecord<T> = (
  record: LogRecord,
  no: number,
  through: number,
  extra: T,
  retold: boolean,
  joined?: readonly number[],
) => void;

/** Lines one event may gain at most: a runaway (a file of indented lines) stops there. */
const MAX_JOINED_LINES = 1000;
/** Exception text kept on a record, in characters. */
export const MAX_EXCEPTION_CHARS = 300;

const TRACEBACK = 'Traceback (most recent call last):';
/** Python's lines between chained tracebacks. */
const CHAINED =
  /^(During handling of the above exception|The above exception was the direct cause)/;
/** Frames: Java and Node (`at ...`), Python (`File "..."`), and Java's elisions. */
const FRAME = /^[ \t]+(at |File "|\.\.\. \d+ (more|common frames omitted))/;
/** Java's cause and suppressed-exception lines. */
const CAUSE = /^([ \t]*)(Caused by|Suppressed): /;
/**
 * An exception named at the start of a line, with or without a message: a qualified class
 * (`java.net.SocketTimeoutException`, `requests.exceptions.ConnectTimeout`) or a name ending in
 * Error or Exception (`TypeError`, `ValueError`).
 */
const EXCEPTION =
  /^(?:(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*|(?:[A-Z][\w$]*)?(?:Error|Exception))(?::(?:\s.*)?)?$/;
/**
 * A Go panic's first line, or the runtime's `fatal error:` (concurrent map writes, out of
 * memory); its goroutine dump follows (`GO_DUMP`).
 */
const PANIC = /^(panic|fatal error): /;
/**
 * The lines of a Go panic's dump that start at column 0: `[signal SIGSEGV ...]`, `goroutine 1
 * [running]:`, a function and its arguments (`main.handler(0xc000010000)`), `created by ...`,
 * `exit status 2`. (Its file lines start with a tab.)
 */
const GO_DUMP =
  /^(\[signal |goroutine \d+ \[|created by |exit status \d+$|[\w./*()-]+(\.\w+)?\([^()]*\)(\s|$)|panic: |\[recovered\])/;
/**
 * An exception after a message and `: `, as Node's `console.error('Unhandled error:', err)`
 * writes it above its frames: `Unhandled error: RangeError: Invalid array length`.
 */
const AFTER_MESSAGE = /: ((?:[A-Z][\w$]*)?(?:Error|Exception)(?:: .*)?)$/;
/** Java's report of an exception no code caught. */
const UNCAUGHT = /^Exception in thread "[^"]*" (.*)$/;
/** Python's last traceback line: an exception name (maybe dotted), then its message if any. */
const PYTHON_EXCEPTION = /^[A-Za-z_][\w.]*(?::(?:\s.*)?)?$/;

const startsBlank = (line: string): boolean => {
  const c = line.charCodeAt(0);
  return c === 32 || c === 9;
};

/** Words that say something failed. */
const PROBLEM_WORD =
  /\b(?:errors?|exceptions?|fail(?:s|ed|ures?)?|fatal|critical|crash(?:es|ed)?|unhandled|uncaught|abort(?:ed)?)\b/gi;
/** A count of none right before a problem word: `0 errors`, `no failures`, `without errors`. */
const NONE_BEFORE = /(?:(?<![\w.])0|\b(?:no|zero|without))\s+$/i;
/** A count of none right after it: `errors: 0`, `failed=0`. */
const NONE_AFTER = /^\s*[:=]\s*0(?![\w.])/;

/**
 * A message that says something failed. A line without a header right before a traceback is the
 * record the traceback belongs to when it says so: Django's default logging and runserver write
 * `Internal Server Error: /path` (the message alone) and then the traceback, Python's threading
 * `Exception in thread worker:`. Otherwise it may be an unrelated print, and stays apart; also
 * when it names a problem only to count none of it (a checker's `0 errors found`, a test run's
 * `12 passed, 0 failed`, `no errors`, `failures: 0`).
 */
function reportsProblem(message: string): boolean {
  PROBLEM_WORD.lastIndex = 0;
  for (let m = PROBLEM_WORD.exec(message); m !== null; m = PROBLEM_WORD.exec(message)) {
    const end = m.index + m[0].length;
    if (!NONE_BEFORE.test(message.slice(0, m.index)) && !NONE_AFTER.test(message.slice(end)))
      return true;
  }
  return false;
}

/**
 * A console's status line: one space, `*`, a word (werkzeug's and Flask's ` * Debug mode: off`,
 * ` * Running on http://...`). No frame, code line, pretty-printed JSON or pprint line starts so.
 */
const BULLET = /^ \* \S/;
/**
 * The status lines werkzeug's and Flask's development server write (its banner, the reloader's,
 * the debugger's): always records of their own, also right under an error, whose ` * ` list they
 * are not (an error logged just before ` * Detected change in '/app/x.py', reloading`).
 */
const SERVER_STATUS =
  /^ \* (?:Serving Flask app|Debug mode:|Environment:|Running on|Restarting with|Detected change in|Debugger is active|Debugger PIN:|Tip:)/;

/** Levels whose message an exception on the next line belongs to (not INFO's). */
const isProblemLevel = (level: string | undefined): boolean =>
  level === 'warn' || level === 'error' || level === 'fatal';

/**
 * Holds the last text record of one input and joins the lines that continue it; `emit` gets
 * each record once nothing more can join it. One per file (or part of one), in line order.
 */
export class StackTraceJoiner<T> {
  // The held record and what goes with it, in fields: one object per record would cost (this
  // runs for every text line).
  private record: LogRecord | undefined;
  private no = 0;
  private through = 0;
  private extra: T | undefined;
  private retold = false;
  /** Inside a Python traceback: its lines join until its exception line. */
  private traceback = false;
  /** The held record is a Go panic: its goroutine dump joins. */
  private panic = false;
  /** Frames joined to the held record so far. */
  private frames = 0;
  /** Whether the held record's message was checked for an exception name. */
  private contentTried = false;
  /** ` * ` items joined to the held record (`BULLET`). */
  private bullets = 0;
  /** The held record is a console's status line (`BULLET`, no header): nothing joins it. */
  private status = false;

  /**
   * `shaped`: whether the file's lines have a header that starts each record (known once the
   * header is learned from the file's first lines, which are held until then).
   */
  constructor(
    private readonly emit: EmitRecord<T>,
    public shaped: boolean,
  ) {}

  /** Holds a new text record; the one held before is emitted. */
  hold(record: LogRecord, no: number, extra: T): void {
    if (this.record !== undefined) this.flush();
    this.record = record;
    this.no = no;
    this.through = no;
    this.extra = extra;
    this.traceback = record.content === TRACEBACK;
    this.panic = PANIC.test(record.content);
    this.status = mayContinue(record) && BULLET.test(record.content);
  }

  /** The held record, its first line's number, the last line joined to it, and its extra. */
  holding(): { record: LogRecord; no: number; through: number; extra: T } | undefined {
    const r = this.record;
    return r === undefined
      ? undefined
      : { record: r, no: this.no, through: this.through, extra: this.extra as T };
  }

  /** Emits the held record, if any: call before a record that is not text, and at the end. */
  flush(): void {
    const r = this.record;
    if (r === undefined) return;
    const retold = this.retold;
    this.record = undefined;
    this.retold = false;
    this.traceback = false;
    this.panic = false;
    this.frames = 0;
    this.contentTried = false;
    this.bullets = 0;
    this.status = false;
    this.emit(r, this.no, this.through, this.extra as T, retold);
  }

  /**
   * A text line `no` that did not start a record by the file's header (or the file has none).
   * Returns true when it was joined to the held record; else the caller reads it as a record.
   */
  join(line: string, no: number): boolean {
    const r = this.record;
    if (r === undefined || no - this.no > MAX_JOINED_LINES) return false;
    // A status line is whole: what follows it is not its (old Flask's `   WARNING: This is a
    // development server.` under ` * Environment: production`, a traceback after ` * Restarting
    // with stat`).
    if (this.status) return false;
    // Whether the held record came with a log header (or the file's records all do): then a
    // traceback after it is its own, where a headerless one starts an uncaught exception's.
    const headed = this.shaped || r.level !== undefined || r.timestamp !== undefined;
    if (line === TRACEBACK) {
      if (!headed && this.frames === 0 && !reportsProblem(r.content)) return false;
      this.traceback = true;
      return this.take(r, no);
    }
    if (this.panic && GO_DUMP.test(line)) {
      this.frames++;
      return this.take(r, no);
    }
    // Python's line between chained tracebacks, after the first one's exception.
    if (CHAINED.test(line)) return this.frames > 0 ? this.take(r, no) : false;
    if (startsBlank(line)) {
      const bullet = !this.traceback && BULLET.test(line);
      if (bullet && SERVER_STATUS.test(line)) return false;
      // A status line is a record of its own (it is not indented under the line before it),
      // unless it comes right under a message that opens a list, whose items go on: one that
      // ends in a colon (`config invalid:`), or an error's (`config invalid`, then what is).
      // A banner's status lines follow INFO lines and its WARNING (werkzeug's development
      // server), not an error.
      if (
        bullet &&
        this.bullets === 0 &&
        !(
          this.through === this.no &&
          (r.level === 'error' || r.level === 'fatal' || r.content.trimEnd().endsWith(':'))
        )
      )
        return false;
      const frame = FRAME.test(line);
      if (!frame && !this.shaped && !this.traceback && this.frames === 0) return false;
      if (bullet) this.bullets++;
      this.frames++;
      return this.take(r, no);
    }
    if (CAUSE.test(line)) return this.frames > 0 || this.shaped ? this.take(r, no) : false;
    if (this.traceback && this.frames > 0 && PYTHON_EXCEPTION.test(line)) {
      // The exception a traceback ends in; chained tracebacks end in the one finally raised.
      this.traceback = false;
      this.noteException(r, line, true);
      if (r.content === TRACEBACK) {
        r.content = r.exception!;
        this.retold = true;
      }
      return this.take(r, no);
    }
    if (
      this.frames === 0 &&
      r.exception === undefined &&
      (isProblemLevel(r.level) || (this.shaped && r.level === undefined)) &&
      EXCEPTION.test(line)
    ) {
      // Java writes the exception on the line after the message, then its frames.
      this.noteException(r, line, false);
      return this.take(r, no);
    }
    return false;
  }

  private take(r: LogRecord, no: number): boolean {
    this.through = no;
    if (this.panic && r.exception === undefined) this.noteException(r, r.content, false);
    if (this.frames > 0 && r.exception === undefined && !this.contentTried) {
      // A record that is an exception (Node's `TypeError: x` on stderr, Java's uncaught
      // `Exception in thread "main" java.lang.X: y`) with frames under it. Its message does not
      // change while frames join, so it is looked at once, not at every frame.
      this.contentTried = true;
      const uncaught = UNCAUGHT.exec(r.content);
      const named = uncaught === null ? r.content : uncaught[1]!;
      if (EXCEPTION.test(named)) this.noteException(r, named, false);
      else {
        const after = AFTER_MESSAGE.exec(named);
        if (after !== null) this.noteException(r, after[1]!, false);
      }
    }
    return true;
  }

  private noteException(r: LogRecord, line: string, replace: boolean): void {
    if (r.exception === undefined || replace) r.exception = line.slice(0, MAX_EXCEPTION_CHARS);
    r.level ??= 'error';
  }
}

/** A record a `StreamJoiner` holds in line order, or (`run`) a record that is not text. */
interface Waiting<T> {
  record: LogRecord | undefined;
  no: number;
  through: number;
  extra: T;
  retold: boolean;
  /** The lines joined to it, in a stream whose lines interleave with others'. */
  joined: number[] | undefined;
  /** Nothing more joins it. */
  done: boolean;
  /** Emits the records of a line that are not text. */
  run: (() => void) | undefined;
  /** The stream whose joiner holds it, while it does. */
  stream: Stream<T> | undefined;
}

interface Stream<T> {
  key: string;
  joiner: StackTraceJoiner<T>;
  /** What its joiner holds. */
  held: Waiting<T> | undefined;
}

/** Records a `StreamJoiner` keeps waiting at most: the oldest goes out when one more comes. */
export const MAX_WAITING_RECORDS = 64;

/**
 * The stack-trace joining of one input whose lines may come from several streams, interleaved:
 * `docker compose logs` of several containers (`orders-1  | `), `kubectl logs --prefix` of several
 * pods, each line naming its stream. A continuation line joins the last record of its own stream,
 * not the line of another stream printed between (a traceback of `orders-1` with lines of
 * `payments-1` among its lines): there is one `StackTraceJoiner` per stream.
 *
 * Records come out in the order of their first lines, as they would from one stream: each waits
 * until nothing more can join it (its stream's next record starts, or a line of it that is not
 * text, or the input ends) and until the records that started before it came out. At most
 * `MAX_WAITING_RECORDS` wait: past that, the oldest is closed (continuation lines of its stream
 * that come later are records of their own). A record whose lines interleave with others' names
 * them (`EmitRecord`'s `joined`).
 *
 * Input without streams (`stream` undefined on every line) takes one joiner that emits at once,
 * as before; the first line that names a stream turns the rest of the input to streams. Lines
 * without one, before it and after, are the stream `''`: a record held before the first prefixed
 * line stays open to the unprefixed lines after it. Compose and kubectl prefix every line a
 * container writes, each line of its traces too, so an unprefixed line is no container's: it
 * never joins a prefixed record (it is compose's own, or another program's written between).
 */
export class StreamJoiner<T> {
  private readonly single: StackTraceJoiner<T>;
  /** Where the single joiner's records go: out at once, or, once it is the stream `''`'s, its. */
  private singleEmit: EmitRecord<T>;
  private streams: Map<string, Stream<T>> | undefined;
  private readonly waiting: Waiting<T>[] = [];
  private isShaped: boolean;

  constructor(
    private readonly emit: EmitRecord<T>,
    shaped: boolean,
  ) {
    this.isShaped = shaped;
    this.singleEmit = emit;
    this.single = new StackTraceJoiner<T>(
      (r, no, through, extra, retold, joined) =>
        this.singleEmit(r, no, through, extra, retold, joined),
      shaped,
    );
  }

  /** See `StackTraceJoiner.shaped`: the same for every stream. */
  get shaped(): boolean {
    return this.isShaped;
  }

  set shaped(shaped: boolean) {
    this.isShaped = shaped;
    this.single.shaped = shaped;
    if (this.streams !== undefined) for (const s of this.streams.values()) s.joiner.shaped = shaped;
  }

  /** Holds a new text record of `stream`; the one it held before goes out when it may. */
  hold(record: LogRecord, no: number, extra: T, stream?: string): void {
    if (stream === undefined && this.streams === undefined)
      return this.single.hold(record, no, extra);
    const s = this.stream(stream ?? '');
    s.joiner.flush();
    this.wait(s, record, no, no, extra, undefined);
    s.joiner.hold(record, no, extra);
    this.release();
  }

  /** A record stream `s`'s joiner holds, waiting in line order until nothing more joins it. */
  private wait(
    s: Stream<T>,
    record: LogRecord,
    no: number,
    through: number,
    extra: T,
    joined: number[] | undefined,
  ): void {
    const w: Waiting<T> = {
      record,
      no,
      through,
      extra,
      retold: false,
      joined,
      done: false,
      run: undefined,
      stream: s,
    };
    s.held = w;
    this.waiting.push(w);
  }

  /** `StackTraceJoiner.join`, to the record `stream` holds. */
  join(line: string, no: number, stream?: string): boolean {
    if (this.streams === undefined) return stream === undefined && this.single.join(line, no);
    const s = this.streams.get(stream ?? '');
    if (s === undefined || !s.joiner.join(line, no)) return false;
    (s.held!.joined ??= []).push(no);
    return true;
  }

  /**
   * A line of `stream` whose records are not text (JSON, OTLP): the record the stream holds goes
   * out, then `records` emits them, in line order.
   */
  other(records: () => void, stream?: string): void {
    // No stream held yet: nothing waits.
    if (this.streams === undefined) {
      this.single.flush();
      return records();
    }
    const s = this.streams.get(stream ?? '');
    if (s !== undefined) {
      s.joiner.flush();
      this.streams.delete(s.key);
      this.release();
    }
    if (this.waiting.length === 0) return records();
    this.waiting.push({
      record: undefined,
      no: 0,
      through: 0,
      extra: undefined as T,
      retold: false,
      joined: undefined,
      done: true,
      run: records,
      stream: undefined,
    });
    this.release();
  }

  /** Emits every record held: at the end of the input. */
  flush(): void {
    this.single.flush();
    if (this.streams === undefined) return;
    for (const s of this.streams.values()) s.joiner.flush();
    this.streams.clear();
    this.release();
  }

  private stream(key: string): Stream<T> {
    if (this.streams === undefined) {
      this.streams = new Map();
      // The first line naming a stream: what the single joiner holds came before all others, and
      // is the stream `''`'s, whose lines may go on after other streams' lines.
      const held = this.single.holding();
      if (held !== undefined) {
        const s: Stream<T> = { key: '', joiner: this.single, held: undefined };
        const { record, no, through, extra } = held;
        // The lines joined so far came one after another: named, as later ones may not.
        const joined =
          through > no ? Array.from({ length: through - no }, (_, i) => no + 1 + i) : undefined;
        this.wait(s, record, no, through, extra, joined);
        this.singleEmit = this.closer(s);
        this.streams.set('', s);
      }
    }
    let s = this.streams.get(key);
    if (s === undefined) {
      const stream: Stream<T> = { key, joiner: undefined!, held: undefined };
      stream.joiner = new StackTraceJoiner<T>(this.closer(stream), this.isShaped);
      this.streams.set(key, (s = stream));
    }
    return s;
  }

  /** What a stream's joiner does with its record once nothing more joins it: marks it done. */
  private closer(stream: Stream<T>): EmitRecord<T> {
    return (_r, _no, through, _extra, retold) => {
      const w = stream.held!;
      w.through = through;
      w.retold = retold;
      w.done = true;
      w.stream = undefined;
      stream.held = undefined;
    };
  }

  /** Emits the records that may go out, in line order; closes the oldest past the limit. */
  private release(): void {
    const q = this.waiting;
    while (q.length > 0) {
      const w = q[0]!;
      if (!w.done) {
        if (q.length <= MAX_WAITING_RECORDS) return;
        const s = w.stream!;
        s.joiner.flush();
        // A stream that holds nothing is forgotten: streams held stay as few as records.
        this.streams!.delete(s.key);
      }
      q.shift();
      if (w.run !== undefined) w.run();
      else {
        const joined = w.joined;
        const interleaved = joined !== undefined && joined.length < w.through - w.no;
        this.emit(w.record!, w.no, w.through, w.extra, w.retold, interleaved ? joined : undefined);
      }
    }
  }
}

/**
 * The lines of a sample that are not stack-trace lines: indented ones (frames, code, a dump's
 * file lines), Python's `Traceback ...`, chain and exception lines, Java's `Caused by:`. A header
 * is learned from the rest: a small file of a few errors with long traces is mostly trace lines,
 * which have no header, and would teach that the file has none.
 */
export function withoutTraceLines(lines: readonly string[]): string[] {
  // Trace lines wherever they stand: frames and code (indented), Python's chains, Java's causes.
  const traceBody = (line: string) => startsBlank(line) || CHAINED.test(line) || CAUSE.test(line);
  const out: string[] = [];
  let traceback = false;
  for (const line of lines) {
    if (line === TRACEBACK) traceback = true;
    else if (line.trim().length === 0 || traceBody(line)) continue;
    else if (traceback) {
      // The line after a traceback's frames: its exception, unless the traceback was cut.
      traceback = false;
      if (!PYTHON_EXCEPTION.test(line)) out.push(line);
    } else out.push(line);
  }
  return out.length > 0 ? out : [...lines];
}

/**
 * The exception a stack trace written as one text reports (a JSON logger's `exc_info`, `stack`,
 * `error.stack_trace`): Python's last line, Java's and Node's first; undefined if none is named.
 */
function exceptionInTrace(trace: string): string | undefined {
  const lines = trace.split('\n').map((l) => l.trimEnd());
  const first = lines[0] ?? '';
  const uncaught = UNCAUGHT.exec(first);
  const named = uncaught === null ? first : uncaught[1]!;
  if (first === TRACEBACK || lines.some((l) => l === TRACEBACK)) {
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i]!;
      if (l.length === 0) continue;
      return !startsBlank(l) && PYTHON_EXCEPTION.test(l)
        ? l.slice(0, MAX_EXCEPTION_CHARS)
        : undefined;
    }
    return undefined;
  }
  return EXCEPTION.test(named) || PANIC.test(named)
    ? named.slice(0, MAX_EXCEPTION_CHARS)
    : undefined;
}

/** The parts of an exception a log record may carry in fields of its own. */
export type ExceptionPart = 'type' | 'message' | 'trace';

/**
 * The exception a log record's fields name, each part read through `field` only when needed:
 * `type: message` (or the type alone), else what a whole stack trace reports.
 */
export function exceptionOf(
  field: (part: ExceptionPart) => string | undefined,
): string | undefined {
  const type = field('type');
  if (type !== undefined) {
    const message = field('message');
    return (message === undefined ? type : `${type}: ${message}`).slice(0, MAX_EXCEPTION_CHARS);
  }
  const trace = field('trace');
  return trace === undefined ? undefined : exceptionInTrace(trace);
}

/**
 * Whether the record of a text line may be a line of the record before it: it came without a
 * header (no level, no time).
 */
export const mayContinue = (r: LogRecord | undefined): boolean =>
  r !== undefined && r.level === undefined && r.timestamp === undefined;

/**
 * The type of an exception line: `ValueError` of `ValueError: card declined`. An error that is
 * text alone (Go's `dial tcp 10.0.0.5:5432: connection refused`) names no type; its words before
 * the colon stand for one, their values masked (`dial tcp <*>`) so one host is not one type.
 */
export function exceptionType(exception: string): string {
  const colon = exception.indexOf(':');
  const type = (colon < 0 ? exception : exception.slice(0, colon)).trim();
  // A type name is one word, and may hold digits (`psycopg2.OperationalError`).
  return type.includes(' ') && hasDigit(type) ? maskMessage(type).join(' ') : type;
}
