/**
 * `obs analyze traces` as a library function: read the inputs (files or a Jaeger query), assemble
 * traces as spans stream in, run the analyses in their one order, and return the report.
 */
import { ExitCode, ObsError, sourceName } from '../../core/errors.js';
import type { InputSummary, TraceReport } from '../report/shape.js';
import { REPORT_SCHEMA } from '../report/shape.js';
import type {
  AnalysisContext,
  AnalysisEnv,
  AnalysisRun,
  ResultKey,
  TraceAnalysis,
} from './analyses/analysis.js';
import { DEFAULT_ANALYSES } from './analyses/index.js';
import type { TraceResults } from './analyses/results.js';
import type { AssemblerOptions } from './assemble.js';
import type { LogEvidenceInput, LogEvidenceResult } from './logs/evidence.js';
import { NO_SERVICE } from './readers/convert.js';
import { readTraceFiles } from './readers/files.js';
import type { ReadOptions, SourceSummary } from './readers/files.js';
import { defaultWorkers, readBesideWorker, readSharded } from './parallel/shards.js';
import { TraceSink } from './sink.js';
import type { SinkStats } from './sink.js';
import { Problems } from './readers/problems.js';
import type { Span } from './span.js';

/** Where spans come from: files, or a live query. */
export interface SpanSource {
  /** For messages: the files or the URL. */
  describe: string;
  spans(problems: Problems, summaries: SourceSummary[]): AsyncIterable<Span[]>;
  /** Files, which can also be read in parallel shards. */
  files?: { paths: readonly string[]; opts: ReadOptions };
}

export function fileSource(files: readonly string[], opts: ReadOptions = {}): SpanSource {
  return {
    describe: files.map(sourceName).join(', '),
    spans: (problems, summaries) => readTraceFiles(files, problems, summaries, opts),
    files: { paths: files, opts },
  };
}

/** Per-analysis config overrides, by result key. */
export type AnalysisConfigs = Partial<Record<ResultKey, Record<string, unknown>>>;

export interface AnalyzeTracesOptions {
  input: SpanSource;
  baseline?: SpanSource;
  logs?: LogEvidenceInput;
  assembler?: AssemblerOptions;
  config?: AnalysisConfigs;
  /** The analyses and their order. Default `DEFAULT_ANALYSES`. */
  analyses?: readonly TraceAnalysis<ResultKey, object>[];
}

interface Prepared {
  analysis: TraceAnalysis<ResultKey, object>;
  config: object;
}

/** Fills in defaults once and validates; an invalid config fails before any input is read. */
function prepare(
  list: readonly TraceAnalysis<ResultKey, object>[],
  overrides: AnalysisConfigs,
): Prepared[] {
  return list.map((analysis) => {
    const config = { ...analysis.defaults, ...(overrides[analysis.key] ?? {}) };
    const problems = analysis.validate(config);
    if (problems.length > 0) {
      throw new ObsError(`analysis ${analysis.key}: ${problems[0]}`, {
        code: 'OBS_ANALYSIS_CONFIG',
        exit: ExitCode.config,
        suggestions: problems.slice(1).map((p) => `analysis ${analysis.key}: ${p}`),
      });
    }
    return { analysis, config };
  });
}

interface InputRun {
  summary: InputSummary;
  runs: { key: ResultKey; run: AnalysisRun<unknown> }[];
}

async function runInput(
  source: SpanSource,
  prepared: readonly Prepared[],
  assemblerOpts: AssemblerOptions | undefined,
  env: AnalysisEnv,
): Promise<InputRun> {
  const runs = prepared.map((p) => ({
    key: p.analysis.key,
    run: p.analysis.create(p.config, env),
  }));
  const problems = new Problems();
  const sources: SourceSummary[] = [];
  let stats: SinkStats;
  const workers = source.files?.opts.workers ?? defaultWorkers(source.files?.paths ?? []);
  // Threads need every streaming analysis to merge, and no log records waiting for spans.
  const threaded =
    source.files !== undefined &&
    workers > 0 &&
    env.logs === undefined &&
    prepared.every((p) => DEFAULT_ANALYSES.includes(p.analysis)) &&
    runs.every((r) => r.run.add === undefined || r.run.absorb !== undefined);
  if (threaded && source.files !== undefined) {
    const adders = prepared
      .filter((_, k) => runs[k]!.run.add !== undefined)
      .map((p) => ({ key: p.analysis.key, config: p.config }));
    // One worker: this thread parses (most of) the input and the worker analyses; more: shards
    // that do both.
    const r =
      workers === 1
        ? await readBesideWorker(
            source.files.paths,
            adders,
            assemblerOpts,
            problems,
            sources,
            source.files.opts,
          )
        : await readSharded(
            source.files.paths,
            adders,
            assemblerOpts,
            workers,
            problems,
            sources,
            source.files.opts,
          );
    for (const { key, run } of runs)
      for (const state of r.states.get(key) ?? []) run.absorb!(state);
    stats = r.stats;
    // Threads report in any order: keep the first cases of the whole input, in input order.
    const order = new Map(sources.map((s, k) => [s.file, k]));
    problems.keepFirst(
      (a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line,
    );
  } else {
    const sink = new TraceSink(
      runs.map((r) => r.run),
      assemblerOpts,
    );
    for await (const batch of source.spans(problems, sources)) sink.add(batch);
    sink.finish();
    stats = sink.stats();
  }
  const count = (kinds: readonly string[]) =>
    [...problems.counts].filter(([k]) => kinds.includes(k)).reduce((a, [, n]) => a + n, 0);
  if (stats.spans === 0) {
    // Lines and spans left out; lines that were repaired (bad UTF-8, cut) are counted as such.
    const skipped = count(['malformedJson', 'unknownDocument', 'invalidSpan', 'absurdTime']);
    throw new ObsError(
      `no spans in ${source.describe}${skipped > 0 ? ` (${skipped} bad lines or spans skipped)` : ''}`,
      {
        code: 'OBS_EMPTY_INPUT',
        exit: ExitCode.dataError,
        file: sources.length === 1 ? sources[0]!.file : undefined,
        suggestions: problems.samples.slice(0, 3).map((s) => `${s.file}:${s.line}: ${s.problem}`),
      },
    );
  }
  const summary: InputSummary = {
    sources: sources.map((s) => ({
      source: s.file,
      format: s.format ?? null,
      layout: s.layout ?? null,
      gzip: s.gzip,
      bytes: s.bytes,
      lines: s.lines,
      spans: s.spans,
    })),
    spans: stats.spans,
    traces: stats.assembly.traces,
    partialTraces: stats.partialTraces,
    window: { start: new Date(stats.first).toISOString(), end: new Date(stats.last).toISOString() },
    skipped: {
      lines: count(['malformedJson', 'unknownDocument']),
      spans: count(['invalidSpan', 'absurdTime']),
      byKind: Object.fromEntries(problems.counts),
      samples: problems.samples,
    },
    repaired: { ...stats.issues, negativeDurations: problems.count('negativeDuration') },
    assembly: stats.assembly,
  };
  return { summary, runs };
}

function finishAll(input: InputRun, ctx: AnalysisContext): void {
  for (const { key, run } of input.runs) {
    const r = run.finish(ctx);
    if (r !== undefined) (ctx.results as Record<string, unknown>)[key] = r;
  }
}

function warningsOf(s: InputSummary, label: string): string[] {
  const w: string[] = [];
  const where = (kind: string) => {
    const first = s.skipped.samples.find((x) => x.kind === kind);
    return first === undefined ? '' : ` (first at ${first.file}:${first.line}: ${first.problem})`;
  };
  const n = s.skipped.byKind;
  if (n.malformedJson)
    w.push(
      `${label}: skipped ${n.malformedJson} malformed JSON lines or elements${where('malformedJson')}`,
    );
  if (n.unknownDocument)
    w.push(
      `${label}: skipped ${n.unknownDocument} JSON values that are not traces${where('unknownDocument')}`,
    );
  if (n.invalidSpan)
    w.push(`${label}: skipped ${n.invalidSpan} spans without valid ids${where('invalidSpan')}`);
  if (n.absurdTime)
    w.push(`${label}: skipped ${n.absurdTime} spans with absurd times${where('absurdTime')}`);
  if (n.badLine)
    w.push(`${label}: ${n.badLine} lines were not clean UTF-8 or too long${where('badLine')}`);
  const r = s.repaired;
  if (r.negativeDurations)
    w.push(
      `${label}: ${r.negativeDurations} spans ended before they started; kept with zero duration`,
    );
  if (r.orphans)
    w.push(
      `${label}: ${r.orphans} spans have a parent that is not in their trace; treated as roots`,
    );
  if (r.cycles) w.push(`${label}: ${r.cycles} parent links formed cycles and were cut`);
  if (r.duplicateIds) w.push(`${label}: ${r.duplicateIds} repeated span ids dropped or split`);
  if (r.skewAdjusted)
    w.push(`${label}: ${r.skewAdjusted} spans moved to fit their parent (clock skew)`);
  if (s.assembly.lateSpans) {
    w.push(
      `${label}: ${s.assembly.lateSpans} spans arrived after their trace was analysed; raise --max-spans-in-flight`,
    );
  }
  if (s.assembly.oversizedTraces)
    w.push(`${label}: ${s.assembly.oversizedTraces} traces exceeded the per-trace span limit`);
  return w;
}

/** Whether the baseline's traces must meet the baseline's log records span by span. */
function baselineNeedsSpans(logs: LogEvidenceInput | undefined): boolean {
  const b = logs?.baseline;
  if (b === undefined) return false;
  // Lines per request are compared only when both sides' lines name their spans.
  return b.pending.length > 0 || (b.spanLines.size > 0 && logs!.incident.spanLines.size > 0);
}

/** What the report should say about `--logs` input that was skipped or could not be used. */
function logWarnings(l: LogEvidenceResult): string[] {
  const w: string[] = [];
  if (l.lines === 0) w.push(`logs: no log lines in ${l.files.join(', ')}`);
  if (l.baselineLines === 0)
    w.push(`baseline logs: no log lines in ${l.baselineFiles!.join(', ')}`);
  if (l.malformedLines > 0)
    w.push(`logs: skipped ${l.malformedLines} malformed JSON lines (see logs.malformedLines)`);
  if (l.unknownService > 0 && l.unknownService * 2 >= l.lines)
    w.push(
      `logs: ${l.unknownService} of ${l.lines} lines name no service and carry no trace id of the input; they are not evidence for any service`,
    );
  for (const c of l.levelChanged) {
    const [on, off] =
      c.debugIn === 'baseline' ? ['baseline', 'incident'] : ['incident', 'baseline'];
    w.push(
      `logs: ${c.service} wrote debug lines in the ${on} and almost none in the ${off} (its log level changed?): its requests' line counts compare lines at info and above only`,
    );
  }
  if (l.tooManySpans)
    w.push(
      'logs: more spans are named by log lines than are kept; the lines requests wrote are not compared with the baseline',
    );
  return w;
}

/** Changes listed in the report; the rest are counted (`changes.found`). */
const MAX_CHANGES_LISTED = 100;

/** Runs the analyses and returns the report. */
export async function analyzeTraces(opts: AnalyzeTracesOptions): Promise<TraceReport> {
  const prepared = prepare(opts.analyses ?? DEFAULT_ANALYSES, opts.config ?? {});
  let baselineCtx: AnalysisContext | undefined;
  let baselineSummary: InputSummary | undefined;
  if (opts.baseline !== undefined) {
    const b = await runInput(
      opts.baseline,
      prepared.filter((p) => p.analysis.baseline),
      opts.assembler,
      // Baseline log records waiting for their span, or counted per request, keep the baseline on
      // this thread, as --logs keeps the input: they are matched to spans as the traces go past.
      { logs: baselineNeedsSpans(opts.logs) ? opts.logs : undefined, input: 'baseline' },
    );
    baselineCtx = { results: {}, baseline: undefined, logs: undefined };
    finishAll(b, baselineCtx);
    baselineSummary = b.summary;
  }
  const run = await runInput(opts.input, prepared, opts.assembler, { logs: opts.logs });
  const ctx: AnalysisContext = { results: {}, baseline: baselineCtx?.results, logs: opts.logs };
  finishAll(run, ctx);
  return buildReport(ctx.results, run.summary, baselineSummary);
}

function buildReport(
  r: Partial<TraceResults>,
  input: InputSummary,
  baseline: InputSummary | undefined,
): TraceReport {
  const warnings = [...warningsOf(input, 'input')];
  if (baseline !== undefined) warnings.push(...warningsOf(baseline, 'baseline'));
  const unnamed = r.health?.services.find((s) => s.service === NO_SERVICE);
  if (unnamed !== undefined)
    warnings.push(
      `input: ${unnamed.spans} spans name no service (no service.name, Jaeger process or Zipkin endpoint); counted as ${NO_SERVICE}`,
    );
  if (r.logEvidence !== undefined) warnings.push(...logWarnings(r.logEvidence));
  const cp = r.criticalPath;
  return {
    schema: REPORT_SCHEMA,
    input,
    ...(baseline !== undefined ? { baseline } : {}),
    services: r.health?.services ?? [],
    operations: r.health?.operations ?? [],
    errorOrigins: r.errorOrigins ?? { failingTraces: 0, traces: 0, operations: [], services: [] },
    criticalPath: {
      traces: cp?.traces ?? 0,
      totalMs: cp?.totalMs ?? 0,
      services: cp?.services ?? [],
      operations: cp?.operations.slice(0, 50) ?? [],
      slowest: cp?.slowest ?? [],
    },
    ...(r.changes !== undefined
      ? {
          changes: {
            ...r.changes,
            found: r.changes.changes.length,
            significant: r.changes.changes.filter((c) => c.z >= r.changes!.criticalZ).length,
            changes: r.changes.changes.slice(0, MAX_CHANGES_LISTED),
          },
        }
      : {}),
    ...(r.logEvidence !== undefined ? { logs: r.logEvidence } : {}),
    rootCauses: r.rootCauses ?? [],
    warnings,
  };
}
