/**
 * Reads trace files (plain or gzip, any of the three formats, several files, `-` for stdin) into
 * batches of spans, in input order. Lines are parsed on worker threads when there are spare
 * cores; format and layout are decided per file from its content.
 */
import { readLines } from '../../../core/lines.js';
import type { LineStats } from '../../../core/lines.js';
import { ExitCode, ObsError } from '../../../core/errors.js';
import type { ProgressFn } from '../../../core/progress.js';
import type { Span } from '../span.js';
import type { TraceFormat } from './convert.js';
import { FORMAT_NAMES } from './convert.js';
import { convertItems, itemFormat, unpackSpans } from './convert-items.js';
import type { ParsedBatch } from './convert-items.js';
import type { DocumentSplitter, FileLayout, JsonItem } from './json-items.js';
import { jsonItems } from './json-items.js';
import { ParsePool, defaultParseWorkers } from './parse-pool.js';
import { Problems, SKIPPING_KINDS } from './problems.js';

export interface ReadOptions {
  /** Stop at the first malformed line or span instead of counting it. Default false. */
  strict?: boolean;
  /** Parse threads; 0 parses on the main thread. Default `defaultParseWorkers()`. */
  workers?: number;
  onProgress?: ProgressFn;
  /** Progress label. Default `reading traces`. */
  label?: string;
}

/** What was read from one input file. */
export interface SourceSummary {
  file: string;
  format: TraceFormat | undefined;
  layout: FileLayout | 'api' | undefined;
  gzip: boolean;
  /** Bytes after decompression. */
  bytes: number;
  lines: number;
  spans: number;
}

/** Batches in flight per worker: enough to keep them busy, few enough to bound memory. */
const IN_FLIGHT_PER_WORKER = 4;

function unknownFormat(file: string, line: number): ObsError {
  return new ObsError('unknown trace format: not OTLP JSON, Jaeger JSON or Zipkin v2 JSON', {
    code: 'OBS_UNKNOWN_FORMAT',
    exit: ExitCode.dataError,
    file,
    line,
    suggestions: [
      'obs reads OTLP JSON (ExportTraceServiceRequest per line or one document), Jaeger JSON ({"data": [...]}) and Zipkin v2 JSON ([{"traceId", "id", ...}]).',
    ],
  });
}

/** In strict mode, the first skipped input is an error at its line. */
function strictCheck(problems: Problems): void {
  const first = problems.samples.find((s) => SKIPPING_KINDS.includes(s.kind));
  if (first === undefined) return;
  throw new ObsError(`${first.problem} (--strict stops at the first bad input)`, {
    code: 'OBS_BAD_INPUT',
    exit: ExitCode.dataError,
    file: first.file,
    line: first.line,
  });
}

/**
 * Yields spans file by file. `problems` collects what was skipped; `summaries` gets one entry
 * per file, filled in as it is read.
 */
export async function* readTraceFiles(
  sources: readonly string[],
  problems: Problems,
  summaries: SourceSummary[],
  opts: ReadOptions = {},
): AsyncGenerator<Span[]> {
  const strict = opts.strict ?? false;
  const nWorkers = opts.workers ?? defaultParseWorkers();
  const pool = nWorkers > 0 ? new ParsePool(nWorkers) : undefined;
  const label = opts.label ?? 'reading traces';
  let total = 0;
  // In strict mode problems are checked batch by batch, so they must be kept per batch.
  const local = (): Problems => (strict ? new Problems() : problems);
  const absorb = (p: Problems): void => {
    if (!strict) return;
    strictCheck(p);
    problems.merge(p.summary());
  };
  const queue: Promise<ParsedBatch>[] = [];
  const take = (b: ParsedBatch, summary: SourceSummary): Span[] => {
    const p = new Problems();
    p.merge(b.problems);
    if (strict) strictCheck(p);
    problems.merge(b.problems);
    const spans = unpackSpans(b.spans);
    summary.spans += spans.length;
    return spans;
  };

  try {
    for (const file of sources) {
      let stats: LineStats | undefined;
      let splitter: DocumentSplitter | undefined;
      const summary: SourceSummary = {
        file,
        format: undefined,
        layout: undefined,
        gzip: false,
        bytes: 0,
        lines: 0,
        spans: 0,
      };
      summaries.push(summary);
      const lines = readLines(file, { onStats: (s) => (stats = s) });
      for await (const batch of jsonItems(lines, (s) => (splitter = s))) {
        summary.layout = batch.layout;
        let items: JsonItem[] = batch.items;
        if (summary.format === undefined) {
          // Leading items are parsed here until one says which format the file is in.
          const head: JsonItem[] = [];
          while (items.length > 0 && summary.format === undefined) {
            const item = items[0]!;
            items = items.slice(1);
            const f = itemFormat(item);
            if (!f.malformed && f.format === undefined) throw unknownFormat(file, item.line);
            summary.format = f.format;
            head.push(item);
          }
          const p = local();
          const spans = convertItems(file, head, p);
          absorb(p);
          summary.spans += spans.length;
          if (spans.length > 0) yield spans;
        }
        if (items.length === 0) continue;
        if (pool === undefined) {
          const p = local();
          const spans = convertItems(file, items, p);
          absorb(p);
          summary.spans += spans.length;
          total += spans.length;
          opts.onProgress?.({ label, done: total, unit: 'spans' });
          if (spans.length > 0) yield spans;
          continue;
        }
        queue.push(pool.parse(file, items));
        while (queue.length >= pool.size * IN_FLIGHT_PER_WORKER) {
          const spans = take(await queue.shift()!, summary);
          total += spans.length;
          opts.onProgress?.({ label, done: total, unit: 'spans' });
          if (spans.length > 0) yield spans;
        }
      }
      // Drain this file's batches before its summary and end-of-file checks.
      while (queue.length > 0) {
        const spans = take(await queue.shift()!, summary);
        total += spans.length;
        opts.onProgress?.({ label, done: total, unit: 'spans' });
        if (spans.length > 0) yield spans;
      }
      const endSplitter = splitter;
      if (endSplitter !== undefined) {
        const cut = endSplitter.unfinished();
        if (cut !== undefined) {
          problems.add(
            'malformedJson',
            file,
            cut,
            'the document ends inside this element (cut short?)',
          );
        } else if (!endSplitter.foundContainer && summary.format === undefined) {
          throw unknownFormat(file, 1);
        } else if (endSplitter.open) {
          problems.add(
            'malformedJson',
            file,
            stats?.lines ?? 0,
            'the document is not closed (cut short?)',
          );
        }
        if (strict) strictCheck(problems);
      }
      if (stats !== undefined) {
        summary.gzip = stats.gzip;
        summary.bytes = stats.bytes;
        summary.lines = stats.lines;
        if (stats.invalidUtf8Lines > 0) {
          problems.add(
            'badLine',
            file,
            0,
            `${stats.invalidUtf8Lines} lines hold bytes that are not UTF-8`,
            stats.invalidUtf8Lines,
          );
        }
        if (stats.truncatedLines > 0) {
          problems.add(
            'badLine',
            file,
            0,
            `${stats.truncatedLines} lines were longer than the line limit and cut`,
            stats.truncatedLines,
          );
        }
      }
    }
  } finally {
    await pool?.close();
  }
}

/** "OTLP JSON lines", "Jaeger JSON document", for messages. */
export function describeSource(s: SourceSummary): string {
  const f = s.format === undefined ? 'no spans' : FORMAT_NAMES[s.format];
  const l = s.layout === 'lines' ? ' lines' : s.layout === 'document' ? ' document' : '';
  return `${f}${l}${s.gzip ? ', gzip' : ''}`;
}
