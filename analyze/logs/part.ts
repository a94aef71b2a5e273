/**
 * The mining state of one part of a log analysis's input: a miner, statistics per miner ref (a
 * variant; several make a pattern, miner.ts) and, for assignments, each line's ref.
 *
 * A small input is one part. A large one is cut into contiguous parts (parts.ts) mined in
 * threads at once; each worker sends its part's `snapshot()` and the first part `absorb()`s them
 * in input order: the other part's variants are mined into its miner as if their messages came
 * after its own (`Miner.absorb`), and their statistics and line refs are carried over.
 */
import type { ByteRange } from '../../core/lines.js';
import type { ShapeIds } from './line-cache.js';
import { createMiner, newShapeMemo } from './miner.js';
import type { Miner, MinerConfig, ShapeMemo } from './miner.js';
import type { RecordSink } from './reader.js';
import { countException } from './exceptions.js';
import type { ExceptionTallies, ExceptionTally } from './exceptions.js';
import { isErrorLevel } from './records.js';
import type { LogRecord } from './records.js';
import type { InputSummary } from './report-types.js';

export interface PartConfig {
  miner: MinerConfig;
  /** Example messages kept per ref. */
  examples: number;
  /** Trace ids kept per ref and service. */
  traceIds: number;
  /** Messages longer than this are mined on their start only. */
  maxChars: number;
  /** Keep each incident line's ref. */
  assignments: boolean;
}

export interface SvcStats {
  count: number;
  baseline: number;
  /** Baseline records at an error level: a pattern's errors compare with these. */
  baselineErrors: number;
  levels: Record<string, number>;
  traceIds: string[];
  /** Exceptions of the incident's records (stack traces joined to them), by type. */
  exceptions?: ExceptionTallies;
  /** The same of the baseline's records: a pattern's exceptions are ranked against these. */
  baselineExceptions?: ExceptionTallies;
}

/** Statistics of a pattern, or of one miner ref (several make a pattern). */
export interface PatternStats {
  count: number;
  baseline: number;
  baselineErrors: number;
  services: Map<string, SvcStats>;
  levels: Record<string, number>;
  first?: number;
  last?: number;
  examples: string[];
  minutes: Map<number, number>;
}

interface RefStats extends PatternStats {
  /** The service of the last record and its entry in `services`: records come in runs. */
  lastService?: string;
  lastSvc?: SvcStats;
  /** Records of the current minute not yet counted in `minutes` (its run goes on). */
  minute: number;
  inMinute: number;
  /**
   * Records of the current run of one service and level not yet counted in `levels` (the ref's
   * and the service's): most records of a ref repeat the last one's, and a compare is cheaper
   * than two counts by key. Runs are counted in the order they start, so every `levels` object
   * gets its keys in the order of their first record.
   */
  runSvc?: SvcStats;
  runLevel: string;
  inRun: number;
}

/** Counts the current minute's run of a ref into its `minutes`. */
function flushMinute(s: RefStats): void {
  if (s.inMinute > 0) s.minutes.set(s.minute, (s.minutes.get(s.minute) ?? 0) + s.inMinute);
  s.inMinute = 0;
}

/** Counts the current run of a ref's service and level into their `levels`. */
function flushLevels(s: RefStats): void {
  if (s.inRun === 0) return;
  const level = s.runLevel;
  s.levels[level] = (s.levels[level] ?? 0) + s.inRun;
  s.runSvc!.levels[level] = (s.runSvc!.levels[level] ?? 0) + s.inRun;
  s.inRun = 0;
}

/** A copy of `tallies`, to be counted into without changing them. */
const copyTallies = (tallies: ExceptionTallies): ExceptionTallies =>
  new Map([...tallies].map(([k, e]) => [k, { ...e }]));

/** Counts `from`'s exceptions into `t`'s tallies named `key`, bounded as `countException` is. */
function addTallies(
  t: SvcStats,
  key: 'exceptions' | 'baselineExceptions',
  from: ExceptionTallies | undefined,
): void {
  for (const [type, e] of from ?? [])
    countException((t[key] ??= new Map<string, ExceptionTally>()), type, e.count, e.example);
}

/** Adds `from`'s statistics to `into`'s, keeping at most `examples` and `traceIds` of each list. */
export function addStats(
  into: PatternStats,
  from: PatternStats,
  limits: { examples: number; traceIds: number },
): void {
  into.count += from.count;
  into.baseline += from.baseline;
  into.baselineErrors += from.baselineErrors;
  for (const [l, n] of Object.entries(from.levels)) into.levels[l] = (into.levels[l] ?? 0) + n;
  for (const [name, sv] of from.services) {
    const t = into.services.get(name);
    if (t === undefined)
      into.services.set(name, {
        ...sv,
        levels: { ...sv.levels },
        traceIds: [...sv.traceIds],
        ...(sv.exceptions !== undefined ? { exceptions: copyTallies(sv.exceptions) } : {}),
        ...(sv.baselineExceptions !== undefined
          ? { baselineExceptions: copyTallies(sv.baselineExceptions) }
          : {}),
      });
    else {
      t.count += sv.count;
      t.baseline += sv.baseline;
      t.baselineErrors += sv.baselineErrors;
      for (const [l, n] of Object.entries(sv.levels)) t.levels[l] = (t.levels[l] ?? 0) + n;
      for (const id of sv.traceIds)
        if (t.traceIds.length < limits.traceIds && !t.traceIds.includes(id)) t.traceIds.push(id);
      addTallies(t, 'exceptions', sv.exceptions);
      addTallies(t, 'baselineExceptions', sv.baselineExceptions);
    }
  }
  if (from.first !== undefined && (into.first === undefined || from.first < into.first))
    into.first = from.first;
  if (from.last !== undefined && (into.last === undefined || from.last > into.last))
    into.last = from.last;
  for (const e of from.examples)
    if (into.examples.length < limits.examples && !into.examples.includes(e)) into.examples.push(e);
  for (const [m, n] of from.minutes) into.minutes.set(m, (into.minutes.get(m) ?? 0) + n);
}

/** Growable per-file list of line -> ref (-1: skipped). */
export class LineRefs {
  private static readonly CHUNK = 1 << 16;
  length = 0;
  constructor(private readonly chunks: Int32Array[] = []) {}
  set(line: number, ref: number): void {
    const i = line - 1;
    while (i >= this.chunks.length * LineRefs.CHUNK)
      this.chunks.push(new Int32Array(LineRefs.CHUNK).fill(-1));
    this.chunks[i >>> 16]![i & 0xffff] = ref;
    if (line > this.length) this.length = line;
  }
  get(line: number): number {
    const i = line - 1;
    return this.chunks[i >>> 16]?.[i & 0xffff] ?? -1;
  }
  /** The storage, to send to another thread (`new LineRefs(chunks)` there). */
  get buffers(): Int32Array[] {
    return this.chunks;
  }
}

/** What a worker sends of its part: plain data, structured-cloneable. */
export interface PartSnapshot {
  /** The masked tokens of each variant's first message and its count, by the part's refs. */
  variants: { tokens: string[]; count: number }[];
  /** Statistics by the part's refs. */
  stats: (PatternStats | null)[];
  /** Per piece of input the part read, in order: its source, summary and line refs. */
  pieces: { source: number; summary: InputSummary; lineRefs?: Int32Array[] }[];
  span: { incident: number[]; baseline: number[] };
  totals: { incident: number; baseline: number };
}

/** One input of an analysis, or a part of one (a byte range of a plain file). */
export interface Piece {
  /** Its index in the analysis's sources. */
  source: number;
  range?: ByteRange;
}

export class MiningPart {
  readonly miner: Miner;
  readonly span = { incident: [Infinity, -Infinity], baseline: [Infinity, -Infinity] };
  readonly totals = { incident: 0, baseline: 0 };
  /** Line refs by (incident) source: its index in the analysis's sources. */
  readonly lineRefs = new Map<number, LineRefs>();
  private readonly refs: RefStats[] = [];
  /** What mining noted per line shape (ids from the readers' line caches). */
  private readonly memos: (ShapeMemo | undefined)[] = [];
  /** Numbers line shapes across the files of this part. */
  readonly ids: ShapeIds = { next: 0 };

  constructor(readonly config: PartConfig) {
    this.miner = createMiner(config.miner);
  }

  private statsOf(ref: number): RefStats {
    let s = this.refs[ref];
    if (s === undefined) {
      s = {
        count: 0,
        baseline: 0,
        baselineErrors: 0,
        services: new Map(),
        levels: {},
        examples: [],
        minutes: new Map(),
        minute: NaN,
        inMinute: 0,
        runLevel: '',
        inRun: 0,
      };
      this.refs[ref] = s;
    }
    return s;
  }

  private add(
    r: LogRecord,
    role: 'incident' | 'baseline',
    summary: InputSummary,
    memo?: ShapeMemo,
  ): number {
    let content = r.content;
    if (content.length > this.config.maxChars) {
      content = content.slice(0, this.config.maxChars);
      summary.longMessages++;
    }
    const ref = memo === undefined ? this.miner.ref(content) : this.miner.refByShape(content, memo);
    const s = this.statsOf(ref);
    let svc = s.lastService === r.service ? s.lastSvc : s.services.get(r.service);
    if (svc === undefined) {
      svc = { count: 0, baseline: 0, baselineErrors: 0, levels: {}, traceIds: [] };
      s.services.set(r.service, svc);
    }
    s.lastService = r.service;
    s.lastSvc = svc;
    const t = r.timestamp;
    const sp = this.span[role];
    if (t !== undefined) {
      if (t < sp[0]!) sp[0] = t;
      if (t > sp[1]!) sp[1] = t;
    }
    this.totals[role]++;
    if (role === 'baseline') {
      s.baseline++;
      svc.baseline++;
      if (isErrorLevel(r.level)) {
        s.baselineErrors++;
        svc.baselineErrors++;
      }
      if (r.exception !== undefined)
        countException((svc.baselineExceptions ??= new Map<string, ExceptionTally>()), r.exception);
      return ref;
    }
    s.count++;
    svc.count++;
    const level = r.level ?? 'unknown';
    if (level !== s.runLevel || svc !== s.runSvc) {
      flushLevels(s);
      s.runLevel = level;
      s.runSvc = svc;
    }
    s.inRun++;
    if (
      r.traceId !== undefined &&
      svc.traceIds.length < this.config.traceIds &&
      !svc.traceIds.includes(r.traceId)
    ) {
      svc.traceIds.push(r.traceId);
    }
    if (r.exception !== undefined)
      countException((svc.exceptions ??= new Map<string, ExceptionTally>()), r.exception);
    if (s.examples.length < this.config.examples && !s.examples.includes(content))
      s.examples.push(content);
    if (t !== undefined) {
      if (s.first === undefined || t < s.first) s.first = t;
      if (s.last === undefined || t > s.last) s.last = t;
      const minute = Math.floor(t / 60_000);
      if (minute !== s.minute) {
        flushMinute(s);
        s.minute = minute;
      }
      s.inMinute++;
    }
    return ref;
  }

  /**
   * Where the records of one input (or piece of one) go, counted in its `summary`; `source`: its
   * index in the analysis's sources (a file may be given twice).
   */
  sinkFor(summary: InputSummary, source: number, onRead: (n: number) => void): RecordSink {
    let refsOut: LineRefs | undefined;
    if (this.config.assignments && summary.role === 'incident') {
      refsOut = new LineRefs();
      this.lineRefs.set(source, refsOut);
    }
    const role = summary.role;
    return {
      record: (r, no, first, shape, through = no, joined) => {
        let memo: ShapeMemo | undefined;
        if (shape >= 0) memo = this.memos[shape] ??= newShapeMemo();
        const ref = this.add(r, role, summary, memo);
        // The lines of a joined stack trace are assigned the pattern of their record; in
        // interleaved streams, only its own lines (the others' are their records').
        if (!first || refsOut === undefined) return;
        if (joined !== undefined) {
          refsOut.set(no, ref);
          for (const l of joined) refsOut.set(l, ref);
        } else for (let l = no; l <= through; l++) refsOut.set(l, ref);
      },
      read: onRead,
    };
  }

  /** After an input was read: every line has its place in the assignments. */
  ended(summary: InputSummary, source: number): void {
    const refsOut = this.lineRefs.get(source);
    if (refsOut !== undefined && summary.role === 'incident') refsOut.length = summary.lines;
  }

  /** Counts the runs still open; call once, after the last record. */
  private flush(): void {
    for (const s of this.refs) {
      if (s === undefined) continue;
      flushMinute(s);
      flushLevels(s);
    }
  }

  /** This part as plain data, for the part that absorbs it; `pieces`: what it read, in order. */
  snapshot(pieces: { source: number; summary: InputSummary }[]): PartSnapshot {
    this.flush();
    const stats = Array.from(this.refs, (s): PatternStats | null => {
      if (s === undefined) return null;
      const { count, baseline, baselineErrors, services, levels } = s;
      const { first, last, examples, minutes } = s;
      return { count, baseline, baselineErrors, services, levels, first, last, examples, minutes };
    });
    return {
      variants: this.miner.variants(),
      stats,
      pieces: pieces.map((p) => {
        const refs = this.lineRefs.get(p.source);
        return { ...p, ...(refs !== undefined ? { lineRefs: refs.buffers } : {}) };
      }),
      span: this.span,
      totals: this.totals,
    };
  }

  /**
   * Takes in another part, which read input after this one's: `summaries` are this analysis's,
   * by source, and get the other part's counts (its line numbers moved on past this part's lines
   * of the same file).
   */
  absorb(other: PartSnapshot, summaries: InputSummary[]): void {
    this.flush();
    const refOf = other.variants.map((v) => this.miner.absorb(v.tokens, v.count));
    const limits = { examples: this.config.examples, traceIds: this.config.traceIds };
    other.stats.forEach((s, ref) => {
      if (s !== null) addStats(this.statsOf(refOf[ref]!), s, limits);
    });
    for (const piece of other.pieces) {
      const into = summaries[piece.source]!;
      const offset = into.lines;
      if (piece.lineRefs !== undefined) {
        const from = new LineRefs(piece.lineRefs);
        let to = this.lineRefs.get(piece.source);
        if (to === undefined) {
          to = new LineRefs();
          this.lineRefs.set(piece.source, to);
        }
        for (let line = 1; line <= piece.summary.lines; line++) {
          const ref = from.get(line);
          if (ref >= 0) to.set(offset + line, refOf[ref]!);
        }
        to.length = offset + piece.summary.lines;
      }
      addSummary(into, piece.summary, offset);
    }
    for (const role of ['incident', 'baseline'] as const) {
      this.totals[role] += other.totals[role];
      const [a, b] = other.span[role] as [number, number];
      const sp = this.span[role];
      if (a < sp[0]!) sp[0] = a;
      if (b > sp[1]!) sp[1] = b;
    }
  }

  /** After the last record (and `absorb`): statistics by the refs of this part's miner. */
  *stats(): Iterable<[number, PatternStats]> {
    this.flush();
    for (let ref = 0; ref < this.refs.length; ref++) {
      const s = this.refs[ref];
      if (s !== undefined) yield [ref, s];
    }
  }
}

/** Adds the counts of a later piece of an input to its summary; `offset`: lines before the piece. */
function addSummary(into: InputSummary, from: InputSummary, offset: number): void {
  if (into.lines === 0 && into.header === '') into.header = from.header;
  into.gzip ||= from.gzip;
  for (const [k, n] of Object.entries(from.kinds)) into.kinds[k] = (into.kinds[k] ?? 0) + n!;
  into.lines += from.lines;
  into.records += from.records;
  into.skipped.empty += from.skipped.empty;
  into.skipped.binary += from.skipped.binary;
  into.skipped.noRecords += from.skipped.noRecords;
  into.malformedJson += from.malformedJson;
  into.headerMismatch += from.headerMismatch;
  into.joinedLines += from.joinedLines;
  into.longMessages += from.longMessages;
  into.invalidUtf8Lines += from.invalidUtf8Lines;
  into.truncatedLines += from.truncatedLines;
  for (const p of from.problems)
    if (into.problems.length < 5) into.problems.push({ line: offset + p.line, problem: p.problem });
}
