/**
 * Reads trace files (plain or gzip, any of the three formats, several files, `-` for stdin):
 * first into JSON items with their file's format and layout decided from content (`traceItems`,
 * which the parallel reader shares), then into batches of spans, in input order.
 */
import { MAX_JSON_LINE_BYTES, readLines } from '../../../core/lines.js';
import type { LineStats } from '../../../core/lines.js';
import { ExitCode, ObsError } from '../../../core/errors.js';
import type { ProgressFn } from '../../../core/progress.js';
import type { Span } from '../span.js';
import type { TraceFormat } from './convert.js';
import { FORMAT_NAMES } from './convert.js';
import { convertItems, itemFormat } from './convert-items.js';
import type { DocumentSplitter, FileLayout, JsonItem } from './json-items.js';
import { jsonItems } from './json-items.js';
import { Problems, SKIPPING_KINDS } from './problems.js';

export interface ReadOptions {
  /** Stop at the first malformed line or span instead of counting it. Default false. */
  strict?: boolean;
  /**
   * Worker threads: 0 does all on the main thread; 1 analyses in a worker while the main thread
   * parses; 2+ parse and analyse, each a share of the traces. Default `defaultWorkers(files)`
   * (parallel/shards.ts). Only used where the input allows it (see analyze.ts).
   */
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
export function strictCheck(problems: Problems): void {
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
 * Runs `count` on the problems one batch of input should be counted in: `problems` itself, or in
 * strict mode a fresh set, checked before it joins `problems`, so the first bad input stops the
 * run at its line.
 */
export function countChecked<T>(problems: Problems, strict: boolean, count: (p: Problems) => T): T {
  if (!strict) return count(problems);
  const p = new Problems();
  const result = count(p);
  strictCheck(p);
  problems.merge(p.summary());
  return result;
}

/** Parses and converts a batch of items (in strict mode, see `countChecked`). */
export function convertBatch(
  file: string,
  items: readonly JsonItem[],
  problems: Problems,
  strict: boolean,
): Span[] {
  return countChecked(problems, strict, (p) => convertItems(file, items, p));
}

export interface ItemsOfFile {
  summary: SourceSummary;
  items: JsonItem[];
}

/**
 * The JSON items of each file in turn, its summary filled in as it is read. Throws on an unknown
 * format (the first item that parses is no trace format), counts documents cut short and
 * unreadable lines in `problems`.
 */
export async function* traceItems(
  sources: readonly string[],
  problems: Problems,
  summaries: SourceSummary[],
  strict: boolean,
): AsyncGenerator<ItemsOfFile> {
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
    const lines = readLines(file, {
      maxLineBytes: MAX_JSON_LINE_BYTES,
      onStats: (s) => (stats = s),
    });
    for await (const batch of jsonItems(lines, (s) => (splitter = s))) {
      summary.layout = batch.layout;
      // Leading items are parsed once more here until one says which format the file is in.
      for (let k = 0; k < batch.items.length && summary.format === undefined; k++) {
        const item = batch.items[k]!;
        const f = itemFormat(item);
        if (!f.malformed && f.format === undefined) throw unknownFormat(file, item.line);
        summary.format = f.format;
      }
      yield { summary, items: batch.items };
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
      if (endSplitter.scalars > 0) {
        const n = endSplitter.scalars;
        problems.add(
          'unknownDocument',
          file,
          endSplitter.firstScalarLine,
          `${n === 1 ? '1 element' : `${n} elements`} of the span array ${n === 1 ? 'is' : 'are'} not an object; this is the first`,
          n,
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
          stats.firstInvalidUtf8Line ?? 0,
          `${stats.invalidUtf8Lines === 1 ? '1 line holds' : `${stats.invalidUtf8Lines} lines hold`} bytes that are not UTF-8; this is the first`,
          stats.invalidUtf8Lines,
        );
      }
      if (stats.truncatedLines > 0) {
        problems.add(
          'badLine',
          file,
          stats.firstTruncatedLine ?? 0,
          `${stats.truncatedLines === 1 ? '1 line was' : `${stats.truncatedLines} lines were`} longer than ${MAX_JSON_LINE_BYTES / 2 ** 20} MiB (the limit for one JSON line) and cut; this is the first`,
          stats.truncatedLines,
        );
      }
    }
  }
}

/** Yields spans file by file, parsed on this thread. */
export async function* readTraceFiles(
  sources: readonly string[],
  problems: Problems,
  summaries: SourceSummary[],
  opts: ReadOptions = {},
): AsyncGenerator<Span[]> {
  const strict = opts.strict ?? false;
  const label = opts.label ?? 'reading traces';
  let total = 0;
  for await (const { summary, items } of traceItems(sources, problems, summaries, strict)) {
    const spans = convertBatch(summary.file, items, problems, strict);
    summary.spans += spans.length;
    total += spans.length;
    opts.onProgress?.({ label, done: total, unit: 'spans' });
    if (spans.length > 0) yield spans;
  }
}

/** "OTLP JSON lines", "Jaeger JSON document", for messages. */
export function describeSource(s: SourceSummary): string {
  const f = s.format === undefined ? 'no spans' : FORMAT_NAMES[s.format];
  const l = s.layout === 'lines' ? ' lines' : s.layout === 'document' ? ' document' : '';
  return `${f}${l}${s.gzip ? ', gzip' : ''}`;
}
