/**
 * `obs analyze logs` as a library unit: config with documented defaults, `validate()`, `run()`.
 *
 * Reads every input line once (core/lines.ts), turns it into records (records.ts, with a header
 * parser learned per file, header.ts), mines the messages (miner.ts) and gathers per-pattern and
 * per-service statistics, then compares against the baseline (baseline.ts). Baseline files go
 * through the same miner, so a pattern has one id on both sides.
 */
import { ExitCode, ObsError, sourceName } from '../../core/errors.js';
import type { ProgressFn } from '../../core/progress.js';
import { SPIKE_DEFAULTS, classify } from './baseline.js';
import type { SpikeConfig } from './baseline.js';
import { compileLogFormat } from './header.js';
import type { ShapeIds } from './line-cache.js';
import { createMiner, newShapeMemo, validateMinerConfig } from './miner.js';
import type { Miner, MinerConfig, ShapeMemo } from './miner.js';
import { readInWorker, readInWorkerPays } from './read-in-worker.js';
import { newSummary, readLogFile } from './reader.js';
import { isErrorLevel } from './records.js';
import type { ReaderOptions, RecordSink } from './reader.js';
import type { LineKind, LogRecord } from './records.js';
import type {
  InputSummary,
  LogReport,
  PatternChange,
  PatternReport,
  ServicePattern,
  ServiceReport,
} from './report-types.js';

export interface LogAnalysisConfig {
  /** Incident (or just: the) log files; `-` reads stdin. */
  files: string[];
  /** Baseline log files to compare with. Default none. */
  baseline?: string[];
  /** Loghub-style header format; default: recognized per file. */
  logFormat?: string;
  miner?: MinerConfig;
  spike?: SpikeConfig;
  /** Example messages kept per pattern. Default 3. */
  examples?: number;
  /** Trace ids kept per pattern and service. Default 5. */
  traceIds?: number;
  /** Buckets of a pattern's counts over time. Default 24. */
  timeBuckets?: number;
  /** Patterns listed per service in each ranking. Default 10. */
  top?: number;
  /** Messages longer than this (characters) are mined on their start only. Default 16384. */
  maxMessageChars?: number;
  /** Lines of each file used to recognize its header. Default 200. */
  headerSample?: number;
  /** Keep each line's pattern for `assignments()`. Default false. */
  assignments?: boolean;
  /**
   * Read and parse the files in a worker thread while this one mines (read-in-worker.ts). Default:
   * for inputs of 32 MiB and more with four cores or more, when the compiled worker is there.
   */
  readInWorker?: boolean;
  onProgress?: ProgressFn;
}

export const LOG_ANALYSIS_DEFAULTS = {
  examples: 3,
  traceIds: 5,
  timeBuckets: 24,
  top: 10,
  maxMessageChars: 16_384,
  headerSample: 200,
} as const;

/** The pattern given to lines that held nothing to mine (empty, binary). */
export const SKIPPED_PATTERN = 'skipped';

export interface LineAssignment {
  file: string;
  line: number;
  pattern: string;
}

export interface LogAnalysisResult {
  report: LogReport;
  /** Every incident input line with its pattern id (when `assignments` was on). */
  assignments(): Iterable<LineAssignment>;
}

interface SvcStats {
  count: number;
  baseline: number;
  levels: Record<string, number>;
  traceIds: string[];
}

/** Statistics of a pattern, or of one miner ref (a variant; several make a pattern). */
interface PatternStats {
  count: number;
  baseline: number;
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

/** Growable per-file list of line -> ref (-1: skipped). */
class LineRefs {
  private chunks: Int32Array[] = [];
  private static readonly CHUNK = 1 << 16;
  length = 0;
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
}

export interface LogAnalysis {
  readonly name: 'logs';
  readonly config: LogAnalysisConfig;
  validate(): void;
  run(): Promise<LogAnalysisResult>;
}

export function createLogAnalysis(config: LogAnalysisConfig): LogAnalysis {
  const validate = (): void => {
    if (config.files.length === 0) {
      throw new ObsError('no log files given', { code: 'OBS_NO_INPUT', exit: ExitCode.usage });
    }
    validateMinerConfig(config.miner ?? {});
    if (config.logFormat !== undefined) compileLogFormat(config.logFormat);
    for (const [k, v] of Object.entries({
      examples: config.examples,
      traceIds: config.traceIds,
      timeBuckets: config.timeBuckets,
      top: config.top,
      maxMessageChars: config.maxMessageChars,
      headerSample: config.headerSample,
    })) {
      if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
        throw new ObsError(`logs: ${k} must be an integer >= 1, got ${v}`, {
          code: 'OBS_BAD_CONFIG',
          exit: ExitCode.config,
        });
      }
    }
  };

  const run = async (): Promise<LogAnalysisResult> => {
    validate();
    const examples = config.examples ?? LOG_ANALYSIS_DEFAULTS.examples;
    const maxTraceIds = config.traceIds ?? LOG_ANALYSIS_DEFAULTS.traceIds;
    const maxChars = config.maxMessageChars ?? LOG_ANALYSIS_DEFAULTS.maxMessageChars;
    const miner: Miner = createMiner(config.miner ?? {});
    const refs: RefStats[] = [];
    const inputs: InputSummary[] = [];
    const lineRefs = new Map<string, LineRefs>();
    const span = { incident: [Infinity, -Infinity], baseline: [Infinity, -Infinity] };
    const totals = { incident: 0, baseline: 0 };
    let linesDone = 0;

    const statsOf = (ref: number): RefStats => {
      let s = refs[ref];
      if (s === undefined) {
        s = {
          count: 0,
          baseline: 0,
          services: new Map(),
          levels: {},
          examples: [],
          minutes: new Map(),
          minute: NaN,
          inMinute: 0,
          runLevel: '',
          inRun: 0,
        };
        refs[ref] = s;
      }
      return s;
    };

    const addRecord = (
      r: LogRecord,
      role: 'incident' | 'baseline',
      summary: InputSummary,
      memo?: ShapeMemo,
    ): number => {
      let content = r.content;
      if (content.length > maxChars) {
        content = content.slice(0, maxChars);
        summary.longMessages++;
      }
      const ref = memo === undefined ? miner.ref(content) : miner.refByShape(content, memo);
      const s = statsOf(ref);
      let svc = s.lastService === r.service ? s.lastSvc : s.services.get(r.service);
      if (svc === undefined) {
        svc = { count: 0, baseline: 0, levels: {}, traceIds: [] };
        s.services.set(r.service, svc);
      }
      s.lastService = r.service;
      s.lastSvc = svc;
      const t = r.timestamp;
      const sp = span[role];
      if (t !== undefined) {
        if (t < sp[0]!) sp[0] = t;
        if (t > sp[1]!) sp[1] = t;
      }
      totals[role]++;
      if (role === 'baseline') {
        s.baseline++;
        svc.baseline++;
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
        svc.traceIds.length < maxTraceIds &&
        !svc.traceIds.includes(r.traceId)
      ) {
        svc.traceIds.push(r.traceId);
      }
      if (s.examples.length < examples && !s.examples.includes(content)) s.examples.push(content);
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
    };

    /** What mining noted per line shape (ids from the readers' line caches). */
    const memos: (ShapeMemo | undefined)[] = [];
    const ids: ShapeIds = { next: 0 };
    const readerOptions: ReaderOptions = {
      headerSample: config.headerSample ?? LOG_ANALYSIS_DEFAULTS.headerSample,
      ...(config.logFormat !== undefined ? { logFormat: config.logFormat } : {}),
    };

    /** Where the records of one file go, counted in its `summary`. */
    const sinkFor = (summary: InputSummary): RecordSink => {
      const { file, role } = summary;
      let refsOut: LineRefs | undefined;
      if (config.assignments && role === 'incident') {
        refsOut = new LineRefs();
        lineRefs.set(file, refsOut);
      }
      return {
        record(r, no, first, shape) {
          let memo: ShapeMemo | undefined;
          if (shape >= 0) memo = memos[shape] ??= newShapeMemo();
          const ref = addRecord(r, role, summary, memo);
          if (first) refsOut?.set(no, ref);
        },
        read(n) {
          linesDone += n;
          config.onProgress?.({ label: `mining ${file}`, done: linesDone, unit: 'lines' });
        },
      };
    };
    /** After a file was read: every line has its place in the assignments. */
    const ended = (summary: InputSummary): void => {
      const refsOut = lineRefs.get(summary.file);
      if (refsOut !== undefined && summary.role === 'incident') refsOut.length = summary.lines;
    };

    const sources = [
      ...config.files.map((file) => ({ file, role: 'incident' as const })),
      ...(config.baseline ?? []).map((file) => ({ file, role: 'baseline' as const })),
    ];
    const summaries = sources.map((s) => newSummary(s.file, s.role));
    inputs.push(...summaries);
    if (config.readInWorker ?? readInWorkerPays(sources.map((s) => s.file))) {
      const sinks = summaries.map(sinkFor);
      await readInWorker(
        { sources, options: readerOptions },
        {
          sink: (i) => sinks[i]!,
          end(i, read) {
            // Mining counts the long messages; the reader, all else.
            const summary = summaries[i]!;
            Object.assign(summary, { ...read, longMessages: summary.longMessages });
            ended(summary);
          },
        },
      );
    } else {
      for (const summary of summaries) {
        await readLogFile(summary, readerOptions, sinkFor(summary), ids);
        ended(summary);
      }
    }
    if (totals.incident === 0) throw noRecords(inputs.filter((s) => s.role === 'incident'));
    miner.finish();
    for (const s of refs) {
      if (s === undefined) continue;
      flushMinute(s);
      flushLevels(s);
    }

    const report = buildReport({ config, miner, refs, inputs, span, totals });
    return {
      report,
      *assignments() {
        for (const [file, lr] of lineRefs) {
          for (let line = 1; line <= lr.length; line++) {
            const ref = lr.get(line);
            yield { file, line, pattern: ref < 0 ? SKIPPED_PATTERN : miner.patternOf(ref).id };
          }
        }
      },
    };
  };

  return { name: 'logs', config, validate, run };
}

/** The error for inputs that held no log record at all, with what their lines were instead. */
function noRecords(inputs: readonly InputSummary[]): ObsError {
  const sum = (f: (s: InputSummary) => number) => inputs.reduce((a, s) => a + f(s), 0);
  const lines = sum((s) => s.lines);
  const counts: [number, string][] = [
    [sum((s) => s.skipped.empty), 'empty'],
    [sum((s) => s.skipped.binary), 'binary'],
    [sum((s) => s.skipped.noRecords), 'without records'],
  ];
  const parts = counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  const files = inputs.map((s) => s.file);
  return new ObsError(
    `no log records in ${files.map(sourceName).join(', ')}: ${lines === 0 ? 'no lines' : `${lines} lines, ${parts.join(', ')}`}`,
    {
      code: 'OBS_EMPTY_INPUT',
      exit: ExitCode.dataError,
      file: files.length === 1 ? files[0] : undefined,
      suggestions: inputs
        .flatMap((s) => s.problems.map((p) => `${s.file}:${p.line}: ${p.problem}`))
        .slice(0, 3),
    },
  );
}

interface BuildInput {
  config: LogAnalysisConfig;
  miner: Miner;
  refs: RefStats[];
  inputs: InputSummary[];
  span: { incident: number[]; baseline: number[] };
  totals: { incident: number; baseline: number };
}

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

function buildReport({ config, miner, refs, inputs, span, totals }: BuildInput): LogReport {
  const top = config.top ?? LOG_ANALYSIS_DEFAULTS.top;
  const buckets = config.timeBuckets ?? LOG_ANALYSIS_DEFAULTS.timeBuckets;
  const examples = config.examples ?? LOG_ANALYSIS_DEFAULTS.examples;
  const maxTraceIds = config.traceIds ?? LOG_ANALYSIS_DEFAULTS.traceIds;
  const hasBaseline = (config.baseline ?? []).length > 0;

  // Fold ref statistics into final patterns.
  interface Agg extends PatternStats {
    id: string;
    template: string;
  }
  const byId = new Map<string, Agg>();
  refs.forEach((s, ref) => {
    const p = miner.patternOf(ref);
    let a = byId.get(p.id);
    if (a === undefined) {
      a = {
        id: p.id,
        template: p.template,
        count: 0,
        baseline: 0,
        levels: {},
        services: new Map(),
        examples: [],
        minutes: new Map(),
      };
      byId.set(p.id, a);
    }
    a.count += s.count;
    a.baseline += s.baseline;
    for (const [l, n] of Object.entries(s.levels)) a.levels[l] = (a.levels[l] ?? 0) + n;
    for (const [name, sv] of s.services) {
      const t = a.services.get(name);
      if (t === undefined)
        a.services.set(name, { ...sv, levels: { ...sv.levels }, traceIds: [...sv.traceIds] });
      else {
        t.count += sv.count;
        t.baseline += sv.baseline;
        for (const [l, n] of Object.entries(sv.levels)) t.levels[l] = (t.levels[l] ?? 0) + n;
        for (const id of sv.traceIds)
          if (t.traceIds.length < maxTraceIds && !t.traceIds.includes(id)) t.traceIds.push(id);
      }
    }
    if (s.first !== undefined && (a.first === undefined || s.first < a.first)) a.first = s.first;
    if (s.last !== undefined && (a.last === undefined || s.last > a.last)) a.last = s.last;
    for (const e of s.examples)
      if (a.examples.length < examples && !a.examples.includes(e)) a.examples.push(e);
    for (const [m, n] of s.minutes) a.minutes.set(m, (a.minutes.get(m) ?? 0) + n);
  });

  const [t0, t1] = span.incident as [number, number];
  const timed = Number.isFinite(t0) && Number.isFinite(t1);
  const m0 = timed ? Math.floor(t0 / 60_000) : 0;
  const minutesSpan = timed ? Math.floor(t1 / 60_000) - m0 + 1 : 1;
  const perBucket = Math.max(1, Math.ceil(minutesSpan / buckets));
  const nBuckets = Math.max(1, Math.ceil(minutesSpan / perBucket));

  const dominant = (levels: Record<string, number>): string => {
    let best = 'unknown';
    let n = -1;
    for (const [l, c] of Object.entries(levels)) if (l !== 'unknown' && c > n) [best, n] = [l, c];
    return n < 0 ? 'unknown' : best;
  };

  // A rate is a share of records (of all, or of the service's): more traffic alone, which
  // raises every pattern of a service alike, is not a spike; a pattern that grows within it is.
  const exposure = {
    unit: 'records' as const,
    incident: totals.incident,
    baseline: totals.baseline,
  };
  const spikeCfg = {
    ...SPIKE_DEFAULTS,
    ...Object.fromEntries(Object.entries(config.spike ?? {}).filter(([, v]) => v !== undefined)),
  };

  const patterns: PatternReport[] = [];
  const aggs = [...byId.values()].filter((a) => a.count > 0 || a.baseline > 0);
  const tests = aggs.length;
  for (const a of aggs) {
    const counts = new Array<number>(nBuckets).fill(0);
    for (const [m, n] of a.minutes)
      counts[Math.min(nBuckets - 1, Math.floor((m - m0) / perBucket))]! += n;
    const p: PatternReport = {
      id: a.id,
      template: a.template,
      count: a.count,
      level: dominant(a.levels),
      levels: a.levels,
      services: [...a.services]
        .filter(([, s]) => s.count > 0)
        .map(([n]) => n)
        .sort(),
      firstSeen: iso(a.first) ?? null,
      lastSeen: iso(a.last) ?? null,
      examples: a.examples,
      overTime: timed
        ? { start: new Date(m0 * 60_000).toISOString(), bucketSeconds: perBucket * 60, counts }
        : null,
      traceIds: [...new Set([...a.services.values()].flatMap((s) => s.traceIds))].slice(
        0,
        maxTraceIds,
      ),
    };
    if (hasBaseline) {
      p.baselineCount = a.baseline;
      const c = classify(
        a.count,
        exposure.incident,
        a.baseline,
        exposure.baseline,
        tests,
        spikeCfg,
      );
      if (c !== undefined)
        p.change = { kind: c.change, ratio: finite(c.test.ratio), pValue: c.test.pValue };
    }
    patterns.push(p);
  }
  patterns.sort((x, y) => y.count - x.count || (x.id < y.id ? -1 : 1));

  // Per service.
  const services = new Map<string, ServiceReport>();
  const pat = new Map(patterns.map((p) => [p.id, p]));
  const svcEntries = new Map<string, { p: PatternReport; s: SvcStats }[]>();
  for (const a of aggs) {
    for (const [name, s] of a.services) {
      const list = svcEntries.get(name);
      const e = { p: pat.get(a.id)!, s };
      if (list === undefined) svcEntries.set(name, [e]);
      else list.push(e);
    }
  }
  for (const [name, entries] of svcEntries) {
    const count = entries.reduce((n, e) => n + e.s.count, 0);
    const baselineCount = entries.reduce((n, e) => n + e.s.baseline, 0);
    const levelCount = (e: { s: SvcStats }, pred: (l: string) => boolean) =>
      Object.entries(e.s.levels).reduce((n, [l, c]) => n + (pred(l) ? c : 0), 0);
    const rank = (pred: (l: string) => boolean): ServicePattern[] =>
      entries
        .map((e) => ({ e, n: levelCount(e, pred) }))
        .filter((x) => x.n > 0)
        .sort((x, y) => y.n - x.n || (x.e.p.id < y.e.p.id ? -1 : 1))
        .slice(0, top)
        .map(({ e, n }) => ({
          id: e.p.id,
          template: e.p.template,
          count: n,
          level: e.p.level,
          traceIds: e.s.traceIds,
        }));
    const report: ServiceReport = {
      service: name,
      records: count,
      errors: entries.reduce((n, e) => n + levelCount(e, isErrorLevel), 0),
      warnings: entries.reduce((n, e) => n + levelCount(e, (l) => l === 'warn'), 0),
      errorPatterns: rank(isErrorLevel),
      warningPatterns: rank((l) => l === 'warn'),
    };
    if (hasBaseline) {
      report.baselineRecords = baselineCount;
      const changes: PatternChange[] = [];
      for (const e of entries) {
        const c = classify(e.s.count, count, e.s.baseline, baselineCount, tests, spikeCfg);
        if (c === undefined) continue;
        changes.push({
          id: e.p.id,
          template: e.p.template,
          kind: c.change,
          count: e.s.count,
          baselineCount: e.s.baseline,
          ratio: finite(c.test.ratio),
          pValue: c.test.pValue,
          level: dominant(e.s.levels),
          traceIds: e.s.traceIds,
        });
      }
      const severity = (l: string) => (isErrorLevel(l) ? 2 : l === 'warn' ? 1 : 0);
      changes.sort(
        (x, y) =>
          severity(y.level) - severity(x.level) ||
          (x.kind === y.kind ? 0 : x.kind === 'new' ? -1 : 1) ||
          y.count - x.count ||
          (x.id < y.id ? -1 : 1),
      );
      report.newPatterns = changes.filter((c) => c.kind === 'new').slice(0, top);
      report.spikingPatterns = changes.filter((c) => c.kind === 'spiking').slice(0, top);
    }
    services.set(name, report);
  }
  // Services whose errors changed come first: records of new or spiking error patterns, then of
  // warning ones, then all errors.
  const changed = (s: ServiceReport, pred: (l: string) => boolean) =>
    [...(s.newPatterns ?? []), ...(s.spikingPatterns ?? [])]
      .filter((c) => pred(c.level))
      .reduce((n, c) => n + c.count, 0);
  const rankKey = (s: ServiceReport) => [
    changed(s, isErrorLevel),
    changed(s, (l) => l === 'warn'),
    s.errors,
    s.records,
  ];
  const serviceList = [...services.values()].sort((x, y) => {
    const kx = rankKey(x);
    const ky = rankKey(y);
    for (let i = 0; i < kx.length; i++) if (kx[i] !== ky[i]) return ky[i]! - kx[i]!;
    return x.service < y.service ? -1 : 1;
  });

  const incidentInputs = inputs.filter((i) => i.role === 'incident');
  const sum = (xs: InputSummary[], f: (i: InputSummary) => number) =>
    xs.reduce((n, i) => n + f(i), 0);
  return {
    version: 1,
    inputs,
    totals: {
      lines: sum(incidentInputs, (i) => i.lines),
      records: totals.incident,
      patterns: patterns.filter((p) => p.count > 0).length,
      skipped: sum(incidentInputs, (i) => i.skipped.empty + i.skipped.binary + i.skipped.noRecords),
      malformedJson: sum(incidentInputs, (i) => i.malformedJson),
      firstSeen: timed ? iso(t0)! : null,
      lastSeen: timed ? iso(t1)! : null,
    },
    ...(hasBaseline ? { baseline: { records: totals.baseline, exposure } } : {}),
    services: serviceList,
    patterns,
  };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export type { LineKind };
