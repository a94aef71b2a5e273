/**
 * `obs analyze traces` as a library function: read the inputs (files or a Jaeger query), assemble
 * traces as spans stream in, run the analyses in their one order, and return the report.
 */
import { ExitCode, ObsError } from '../../core/errors.js';
import type { ProgressFn } from '../../core/progress.js';
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
import { TraceAssembler } from './assemble.js';
import type { LogEvidenceInput } from './logs/evidence.js';
import { readTraceFiles } from './readers/files.js';
import type { SourceSummary } from './readers/files.js';
import { Problems } from './readers/problems.js';
import type { Span } from './span.js';
import type { TraceIssues } from './trace.js';
import { buildTrace } from './trace.js';

/** Where spans come from: files, or a live query. */
export interface SpanSource {
  /** For messages: the files or the URL. */
  describe: string;
  spans(problems: Problems, summaries: SourceSummary[]): AsyncIterable<Span[]>;
}

export function fileSource(
  files: readonly string[],
  opts: { strict?: boolean; workers?: number; onProgress?: ProgressFn; label?: string } = {},
): SpanSource {
  return {
    describe: files.join(', '),
    spans: (problems, summaries) => readTraceFiles(files, problems, summaries, opts),
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

const emptyIssues = (): TraceIssues => ({
  orphans: 0,
  duplicateIds: 0,
  cycles: 0,
  skewAdjusted: 0,
});

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
  const adders = runs.filter((r) => r.run.add !== undefined).map((r) => r.run);
  const problems = new Problems();
  const sources: SourceSummary[] = [];
  const issues = emptyIssues();
  let spans = 0;
  let partial = 0;
  let first = Infinity;
  let last = -Infinity;
  const assembler = new TraceAssembler((raw) => {
    const t = buildTrace(raw.traceId, raw.spans, raw.partial);
    spans += t.spans.length;
    if (t.partial) partial++;
    for (const s of t.spans) {
      if (s.start < first) first = s.start;
      if (s.end > last) last = s.end;
    }
    issues.orphans += t.issues.orphans;
    issues.duplicateIds += t.issues.duplicateIds;
    issues.cycles += t.issues.cycles;
    issues.skewAdjusted += t.issues.skewAdjusted;
    for (const r of adders) r.add!(t);
  }, assemblerOpts);
  for await (const batch of source.spans(problems, sources)) assembler.add(batch);
  assembler.finish();
  if (spans === 0) {
    const skipped = [...problems.counts.values()].reduce((a, b) => a + b, 0);
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
  const count = (kinds: readonly string[]) =>
    [...problems.counts].filter(([k]) => kinds.includes(k)).reduce((a, [, n]) => a + n, 0);
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
    spans,
    traces: assembler.stats.traces,
    partialTraces: partial,
    window: { start: new Date(first).toISOString(), end: new Date(last).toISOString() },
    skipped: {
      lines: count(['malformedJson', 'unknownDocument']),
      spans: count(['invalidSpan', 'absurdTime']),
      byKind: Object.fromEntries(problems.counts),
      samples: problems.samples,
    },
    repaired: { ...issues, negativeDurations: problems.count('negativeDuration') },
    assembly: assembler.stats,
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
      { logs: undefined },
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
    },
    ...(r.changes !== undefined
      ? { changes: { ...r.changes, changes: r.changes.changes.slice(0, 100) } }
      : {}),
    ...(r.logEvidence !== undefined ? { logs: r.logEvidence } : {}),
    rootCauses: r.rootCauses ?? [],
    warnings,
  };
}
