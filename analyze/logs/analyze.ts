/**
 * `obs analyze logs` as a library unit: config with documented defaults, `validate()`, `run()`.
 *
 * Reads every input line once (core/lines.ts), turns it into records (records.ts, with a header
 * parser learned per file, header.ts), mines the messages (miner.ts) and gathers per-variant
 * statistics (part.ts), then folds them into patterns and compares against the baseline
 * (baseline.ts). Baseline files go through the same miner, so a pattern has one id on both sides.
 * A large input is cut into parts mined at once in worker threads (parts.ts), which this thread's
 * miner takes in, in input order, before the fold.
 */
import { ExitCode, ObsError, sourceName } from '../../core/errors.js';
import type { ProgressFn } from '../../core/progress.js';
import { SPIKE_DEFAULTS, classify } from './baseline.js';
import type { SpikeConfig } from './baseline.js';
import { compileLogFormat } from './header.js';
import { validateMinerConfig } from './miner.js';
import type { Miner, MinerConfig } from './miner.js';
import { MiningPart, addStats } from './part.js';
import type { PatternStats, Piece, SvcStats } from './part.js';
import { inputBytes } from '../../core/lines.js';
import { MIN_PARTS_BYTES, mineInWorker, partsCanRun, planParts } from './parts.js';
import { newSummary, readLogFile } from './reader.js';
import { logFileService } from './file-service.js';
import { isErrorLevel } from './records.js';
import { topExceptions } from './exceptions.js';
import { withoutSecrets } from './secrets.js';
import type { ReaderOptions } from './reader.js';
import type { LineKind } from './records.js';
import type {
  ExceptionCount,
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
   * Worker threads that each mine a part of the input while this one mines the first (parts.ts);
   * 0: all in this thread. Default: 1 for inputs of 32 MiB and more (on any machine, so that an
   * input gives the same report everywhere), when the compiled worker is there; else 0.
   */
  workers?: number;
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
    if (
      config.workers !== undefined &&
      !(Number.isInteger(config.workers) && config.workers >= 0)
    ) {
      throw new ObsError(`logs: workers must be an integer >= 0, got ${config.workers}`, {
        code: 'OBS_BAD_CONFIG',
        exit: ExitCode.config,
      });
    }
  };

  const run = async (): Promise<LogAnalysisResult> => {
    validate();
    const examples = config.examples ?? LOG_ANALYSIS_DEFAULTS.examples;
    const maxTraceIds = config.traceIds ?? LOG_ANALYSIS_DEFAULTS.traceIds;
    const maxChars = config.maxMessageChars ?? LOG_ANALYSIS_DEFAULTS.maxMessageChars;
    const part = new MiningPart({
      miner: config.miner ?? {},
      examples,
      traceIds: maxTraceIds,
      maxChars,
      assignments: config.assignments ?? false,
    });
    let linesDone = 0;
    const onRead = (file: string) => (n: number) => {
      linesDone += n;
      config.onProgress?.({ label: `mining ${file}`, done: linesDone, unit: 'lines' });
    };
    const readerOptions: ReaderOptions = {
      headerSample: config.headerSample ?? LOG_ANALYSIS_DEFAULTS.headerSample,
      ...(config.logFormat !== undefined ? { logFormat: config.logFormat } : {}),
    };

    const inputs = [
      ...config.files.map((file) => ({ file, role: 'incident' as const })),
      ...(config.baseline ?? []).map((file) => ({ file, role: 'baseline' as const })),
    ];
    // Once per file, for all the parts it may be cut into (a Docker log reads its config).
    const sources = await Promise.all(
      inputs.map(async (s) => ({ ...s, named: await logFileService(s.file) })),
    );
    const summaries = sources.map((s) => newSummary(s.file, s.role));
    const files = sources.map((s) => s.file);
    const workers = !partsCanRun()
      ? 0
      : (config.workers ?? (inputBytes(files) >= MIN_PARTS_BYTES ? 1 : 0));
    const [mine = [], ...others]: Piece[][] =
      workers > 0 ? planParts(files, workers + 1) : [sources.map((_, source) => ({ source }))];
    // The other parts start at once; this thread mines the first meanwhile, and stops early when
    // one of them failed.
    const running = others
      .filter((pieces) => pieces.length > 0)
      .map((pieces) =>
        mineInWorker(
          { sources, pieces, options: readerOptions, config: part.config },
          onRead('input'),
        ),
      );
    let failure: Error | undefined;
    for (const r of running) r.result.catch((err: Error) => (failure ??= err));
    try {
      for (const piece of mine) {
        const summary = summaries[piece.source]!;
        const told = onRead(summary.file);
        const sink = part.sinkFor(summary, piece.source, (n) => {
          if (failure !== undefined) throw failure;
          told(n);
        });
        const { named } = sources[piece.source]!;
        await readLogFile(summary, readerOptions, sink, part.ids, piece.range, named);
        part.ended(summary, piece.source);
      }
      for (const r of running) part.absorb(await r.result, summaries);
    } finally {
      for (const r of running) r.stop();
    }
    const { miner, span, totals } = part;
    if (totals.incident === 0) throw noRecords(summaries.filter((s) => s.role === 'incident'));
    miner.finish();
    const report = buildReport({
      config,
      miner,
      stats: part.stats(),
      inputs: summaries,
      span,
      totals,
    });
    return {
      report,
      *assignments() {
        for (const [source, lr] of [...part.lineRefs].sort(([a], [b]) => a - b)) {
          const file = summaries[source]!.file;
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
  stats: Iterable<[number, PatternStats]>;
  inputs: InputSummary[];
  span: { incident: number[]; baseline: number[] };
  totals: { incident: number; baseline: number };
}

/**
 * The exceptions of some services' statistics of one pattern, most first. With `scale` (there is a
 * baseline: the incident's records per baseline record, of the exposure the pattern's spike test
 * uses), most above the baseline's count scaled by it first, as `analyze traces --logs` ranks them
 * (see topExceptions): a type the pattern raised as often before does not hide the one that rose.
 */
const exceptionsOf = (stats: Iterable<SvcStats>, scale?: number): ExceptionCount[] => {
  const list = [...stats];
  return topExceptions(
    list.map((s) => s.exceptions),
    scale === undefined ? undefined : { tallies: list.map((s) => s.baselineExceptions), scale },
  );
};

/** Incident records per baseline record, or undefined without baseline records to scale by. */
const scaleOf = (incident: number, baseline: number | undefined): number | undefined =>
  baseline === undefined || baseline === 0 ? undefined : incident / baseline;

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

function buildReport({ config, miner, stats, inputs, span, totals }: BuildInput): LogReport {
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
  for (const [ref, s] of stats) {
    const p = miner.patternOf(ref);
    let a = byId.get(p.id);
    if (a === undefined) {
      a = {
        id: p.id,
        template: p.template,
        count: 0,
        baseline: 0,
        baselineErrors: 0,
        levels: {},
        services: new Map(),
        examples: [],
        minutes: new Map(),
      };
      byId.set(p.id, a);
    }
    addStats(a, s, { examples, traceIds: maxTraceIds });
  }

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
    // A pattern none of whose records had a time has no series: no counts, rather than zeros
    // that read as "none in this bucket".
    const counts = new Array<number>(a.minutes.size === 0 ? 0 : nBuckets).fill(0);
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
      // Redacted here, once per example shown (see secrets.ts).
      examples: a.examples.map(withoutSecrets),
      overTime: timed
        ? { start: new Date(m0 * 60_000).toISOString(), bucketSeconds: perBucket * 60, counts }
        : null,
      traceIds: [...new Set([...a.services.values()].flatMap((s) => s.traceIds))].slice(
        0,
        maxTraceIds,
      ),
      // Against the baseline over all records, as `change` is tested.
      exceptions: exceptionsOf(
        a.services.values(),
        hasBaseline ? scaleOf(exposure.incident, exposure.baseline) : undefined,
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
    // A pattern's exceptions here rank against the service's baseline, scaled by its records as
    // the spike test below is: the same order in every list of the service.
    const scale = hasBaseline ? scaleOf(count, baselineCount) : undefined;
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
          exceptions: exceptionsOf([e.s], scale),
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
        // A pattern with errors is judged by them (see PatternChange.count).
        const errors = levelCount(e, isErrorLevel);
        const byErrors = errors >= spikeCfg.minCount;
        const a = byErrors ? errors : e.s.count;
        const b = byErrors ? e.s.baselineErrors : e.s.baseline;
        const c = classify(a, count, b, baselineCount, tests, spikeCfg);
        if (c === undefined) continue;
        changes.push({
          id: e.p.id,
          template: e.p.template,
          kind: c.change,
          count: a,
          baselineCount: b,
          ratio: finite(c.test.ratio),
          pValue: c.test.pValue,
          level: byErrors ? 'error' : dominant(e.s.levels),
          traceIds: e.s.traceIds,
          exceptions: exceptionsOf([e.s], scale),
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
    warnings: hasBaseline ? baselineWarnings(serviceList) : [],
  };
}

/**
 * A baseline that shares no service with the input compares nothing: every pattern is new. Names
 * come from the records or from file names, so a baseline file named unlike the input's does it.
 */
function baselineWarnings(services: ServiceReport[]): string[] {
  const incident = services.filter((s) => s.records > 0).map((s) => s.service);
  const baseline = services.filter((s) => (s.baselineRecords ?? 0) > 0).map((s) => s.service);
  if (incident.length === 0 || baseline.length === 0) return [];
  if (incident.some((s) => baseline.includes(s))) return [];
  const list = (xs: string[]) => xs.slice(0, 5).join(', ') + (xs.length > 5 ? ', ...' : '');
  return [
    `the baseline has none of the input's services (input: ${list(incident)}; baseline: ${list(baseline)}), so every pattern is new: services come from the records or the file names, so name baseline files as the input's (checkout.log in another folder)`,
  ];
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export type { LineKind };
