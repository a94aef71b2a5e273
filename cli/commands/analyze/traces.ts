import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { ExitCode, ObsError } from '../../../core/errors.js';
import { analyzeTraces, fileSource } from '../../../analyze/traces/analyze.js';
import type { SpanSource } from '../../../analyze/traces/analyze.js';
import { jaegerSource, parseSince } from '../../../analyze/traces/readers/jaeger-api.js';
import { readLogEvidenceInput } from '../../../analyze/traces/logs/read.js';
import { renderMarkdown } from '../../../analyze/report/markdown.js';
import { renderText } from '../../../analyze/report/text.js';
import { MAX_WORKERS } from '../../../analyze/traces/parallel/shards.js';
import type { TraceReport } from '../../../analyze/report/shape.js';

export default class AnalyzeTraces extends BaseCommand {
  static override description =
    'Per-service health and the likely root-cause services, from traces (OTLP JSON, Jaeger JSON, Zipkin v2; plain or gzip) or live from Jaeger';

  static override examples = [
    '<%= config.bin %> <%= command.id %> incident.jsonl.gz --baseline normal.jsonl.gz',
    '<%= config.bin %> <%= command.id %> traces.json --format markdown > incident.md',
    '<%= config.bin %> <%= command.id %> --jaeger http://localhost:16686 --service frontend --since 15m',
    '<%= config.bin %> <%= command.id %> incident.jsonl --baseline normal.jsonl --logs app.log --baseline-logs normal.log --json',
  ];

  static override strict = false;

  static override args = {
    files: Args.string({
      description: 'trace files (`-` for stdin); format and gzip are detected from content',
    }),
  };

  static override flags = {
    baseline: Flags.string({
      description: 'traces from a normal period to compare against (repeat or comma-separate)',
      multiple: true,
      multipleNonGreedy: true,
      delimiter: ',',
    }),
    logs: Flags.string({
      description:
        'logs from the same period (OTLP logs JSON lines, or JSON/plain lines with trace ids)',
      multiple: true,
      multipleNonGreedy: true,
      delimiter: ',',
    }),
    'baseline-logs': Flags.string({
      description: 'logs from the baseline period',
      multiple: true,
      multipleNonGreedy: true,
      delimiter: ',',
    }),
    jaeger: Flags.string({
      description: 'read traces from this Jaeger query URL instead of files',
    }),
    service: Flags.string({
      description: 'with --jaeger: only traces that cross this service (default: every service)',
    }),
    since: Flags.string({
      description: 'with --jaeger: how far back, e.g. 15m, 2h, 1d (default 15m)',
    }),
    'baseline-since': Flags.string({
      description: 'with --jaeger: a baseline window ending where --since starts, e.g. 1h',
    }),
    limit: Flags.integer({
      description: 'with --jaeger: traces per request, pages until done (default 500)',
      min: 1,
    }),
    format: Flags.string({
      description: 'terminal report format',
      options: ['text', 'markdown'],
      default: 'text',
    }),
    strict: Flags.boolean({
      description:
        'stop at the first malformed line or span instead of skipping it (in files, --logs and Jaeger answers)',
    }),
    top: Flags.integer({ description: 'root causes to list', min: 1, default: 10 }),
    'max-spans-in-flight': Flags.integer({
      description: 'spans held while their trace is incomplete (memory bound)',
      min: 1,
      default: 1_000_000,
    }),
    workers: Flags.integer({
      description:
        'worker threads for trace files (with --jaeger: for --baseline files): 1 analyses while the main thread parses, 2+ parse and analyse a share of the traces each, 0 none (default for inputs over 32 MB: 1 on 2-3 cores, 4 on 4+; else 0)',
      min: 0,
      max: MAX_WORKERS,
    }),
  };

  async run(): Promise<TraceReport> {
    const { argv, flags } = await this.parse(AnalyzeTraces);
    const files = argv as string[];
    const progress = this.progress();
    const readOpts = { strict: flags.strict, workers: flags.workers, onProgress: progress.update };
    let input: SpanSource;
    let baseline: SpanSource | undefined;
    if (flags.jaeger !== undefined) {
      if (files.length > 0) throw usage('give trace files or --jaeger, not both');
      // Threads are for files only (analyze.ts reads a live query on this thread): with Jaeger
      // alone the flag would be ignored. Baseline files can still use them.
      if (flags.workers !== undefined && flags.baseline === undefined)
        throw usage('--workers applies to trace files: with --jaeger it needs --baseline files');
      const since = parseSince(flags.since ?? '15m');
      const query = {
        url: flags.jaeger,
        service: flags.service,
        limit: flags.limit ?? 500,
        strict: flags.strict,
        onRetry: this.retryNotice('Jaeger'),
        onProgress: progress.update,
      };
      const now = Date.now();
      input = jaegerSource({ ...query, startMs: now - since, endMs: now });
      if (flags['baseline-since'] !== undefined) {
        const b = parseSince(flags['baseline-since']);
        baseline = jaegerSource({ ...query, startMs: now - since - b, endMs: now - since });
      }
    } else {
      // Without Jaeger they would be ignored, and a report without the baseline asked for misleads.
      const jaegerOnly = (['since', 'baseline-since', 'service', 'limit'] as const).filter(
        (f) => flags[f] !== undefined,
      );
      if (jaegerOnly.length > 0)
        throw usage(
          `${jaegerOnly.map((f) => `--${f}`).join(', ')} ${jaegerOnly.length === 1 ? 'needs' : 'need'} --jaeger URL`,
        );
      if (files.length === 0) throw usage('give trace files to read, or --jaeger URL');
      input = fileSource(files, readOpts);
    }
    if (flags.baseline !== undefined) {
      if (baseline !== undefined)
        throw usage('give --baseline files or --baseline-since, not both');
      baseline = fileSource(flags.baseline, { ...readOpts, label: 'reading baseline' });
    }
    if (flags['baseline-logs'] !== undefined && flags.logs === undefined) {
      throw usage('--baseline-logs needs --logs');
    }
    // Standard input can be read once: a second `-` would read nothing and say "no spans".
    const stdinUses = [files, flags.baseline, flags.logs, flags['baseline-logs']].filter((l) =>
      l?.includes('-'),
    ).length;
    if (stdinUses > 1) throw usage('standard input (-) can be read once: give files for the rest');
    try {
      const logs =
        flags.logs === undefined
          ? undefined
          : await readLogEvidenceInput(flags.logs, flags['baseline-logs'], {
              strict: flags.strict,
            });
      const report = await analyzeTraces({
        input,
        baseline,
        logs,
        assembler: { maxSpansInFlight: flags['max-spans-in-flight'] },
        config: { rootCauses: { top: flags.top } },
      });
      progress.stop();
      this.print(flags.format === 'markdown' ? renderMarkdown(report) : renderText(report));
      return report;
    } finally {
      progress.stop();
    }
  }
}

function usage(message: string): ObsError {
  return new ObsError(message, { code: 'OBS_USAGE', exit: ExitCode.usage });
}
