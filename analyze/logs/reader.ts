/**
 * The reading stage of `obs analyze logs`: one input file, line by line, into log records.
 *
 * Reads the lines (core/lines.ts), skips empty and binary ones, learns the file's header from its
 * first lines (header.ts), turns each line into records (records.ts; plain-text lines by their
 * digit shape, line-cache.ts) and hands them, in order, to a `RecordSink`, counting what it saw in
 * the file's `InputSummary`. It holds no state across files, so it runs the same in the analyzing
 * thread or in a worker (reader-worker.ts) that sends the records over.
 */
import { readLines } from '../../core/lines.js';
import type { LineStats } from '../../core/lines.js';
import { compileLogFormat, isShaped, learnHeader } from './header.js';
import type { HeaderParser } from './header.js';
import { LineCache } from './line-cache.js';
import type { KnownLine, ShapeIds } from './line-cache.js';
import {
  createTimeParser,
  isPlainText,
  parseLine,
  serviceFromFileName,
  textRecord,
} from './records.js';
import type { LogRecord } from './records.js';
import type { InputSummary } from './report-types.js';

export interface ReaderOptions {
  /** Loghub-style header format (compiled per file); default: learned per file. */
  logFormat?: string;
  /** Lines of each file used to recognize its header. */
  headerSample: number;
}

export interface RecordSink {
  /**
   * A record of line `no` (`first`: the line's first record). `shape`: the id of the line's digit
   * shape (line-cache.ts), the same for every line of that shape while the file's reader keeps
   * it, or -1.
   */
  record(r: LogRecord, no: number, first: boolean, shape: number): void;
  /** After each batch of `n` lines. */
  read(n: number): void;
}

export function newSummary(file: string, role: InputSummary['role']): InputSummary {
  return {
    file,
    role,
    header: '',
    kinds: {},
    lines: 0,
    records: 0,
    skipped: { empty: 0, binary: 0, noRecords: 0 },
    malformedJson: 0,
    headerMismatch: 0,
    longMessages: 0,
    invalidUtf8Lines: 0,
    truncatedLines: 0,
    gzip: false,
    problems: [],
  };
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const SUSPECT = /[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]/;

/** A line that is mostly control characters or holds NUL bytes is binary, not a message. */
function isBinary(line: string): boolean {
  if (!SUSPECT.test(line)) return false; // the common case, decided by one native scan
  let control = 0;
  const n = Math.min(line.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c === 0) return true;
    if ((c < 32 && c !== 9) || c === 0xfffd || (c >= 0x7f && c < 0xa0)) control++;
  }
  return n > 0 && control / n > 0.3;
}

const NON_SPACE = /\S/;

/** A header parser that keeps every line whole, to unwrap the sample before learning. */
const IDENTITY: HeaderParser = {
  description: 'none',
  parse: (l) => ({ content: l, matched: true }),
};

/**
 * Reads one file into `sink`, filling `summary` (all but `longMessages`, which mining counts).
 * `ids` numbers line shapes across the files of one analysis.
 */
export async function readLogFile(
  summary: InputSummary,
  opts: ReaderOptions,
  sink: RecordSink,
  ids: ShapeIds,
): Promise<void> {
  const file = summary.file;
  const ctx = {
    defaultService: serviceFromFileName(file),
    header: opts.logFormat !== undefined ? compileLogFormat(opts.logFormat) : learnHeader([]),
    time: createTimeParser(),
  };
  let stats: LineStats | undefined;
  let pending: { line: string; no: number }[] | undefined =
    opts.logFormat === undefined ? [] : undefined;

  // Plain-text lines by shape, once the header is known (not for a --log-format's).
  let shapes: LineCache | undefined;
  const plain = (line: string, no: number, known: KnownLine): void => {
    summary.kinds.text = (summary.kinds.text ?? 0) + 1;
    if (!known.spans.matched) summary.headerMismatch++;
    summary.records++;
    sink.record(textRecord(line, known.spans, ctx), no, true, known.id);
  };

  const handle = (line: string, no: number): void => {
    summary.lines++;
    const known = shapes?.lookup(line);
    if (known !== undefined) return plain(line, no, known);
    if (!NON_SPACE.test(line)) {
      summary.skipped.empty++;
      return;
    }
    if (isBinary(line)) {
      summary.skipped.binary++;
      if (summary.problems.length < 5)
        summary.problems.push({ line: no, problem: 'binary data, not a log line' });
      return;
    }
    if (shapes !== undefined && isPlainText(line)) return plain(line, no, shapes.parse(line));
    const parsed = parseLine(line, ctx);
    summary.kinds[parsed.kind] = (summary.kinds[parsed.kind] ?? 0) + 1;
    if (parsed.problem !== undefined) {
      if (parsed.kind === 'text') summary.malformedJson++;
      if (summary.problems.length < 5) summary.problems.push({ line: no, problem: parsed.problem });
    }
    if (parsed.headerMismatch) summary.headerMismatch++;
    if (parsed.records.length === 0) {
      summary.skipped.noRecords++;
      return;
    }
    summary.records += parsed.records.length;
    parsed.records.forEach((r, i) => sink.record(r, no, i === 0, -1));
  };

  const learn = (): void => {
    if (pending === undefined) return;
    // Unwrap JSON/CRI/OTLP first: the header belongs to the text inside.
    const texts: string[] = [];
    for (const p of pending) {
      if (isBinary(p.line)) continue;
      const parsed = parseLine(p.line, { defaultService: '', header: IDENTITY });
      if (parsed.kind !== 'json') for (const r of parsed.records) texts.push(r.content);
    }
    ctx.header = learnHeader(texts.slice(0, opts.headerSample * 4));
    shapes = isShaped(ctx.header) ? new LineCache(ctx.header, ids) : undefined;
    const lines = pending;
    pending = undefined;
    for (const p of lines) handle(p.line, p.no);
  };

  for await (const batch of readLines(file, { onStats: (s) => (stats = s) })) {
    for (let i = 0; i < batch.lines.length; i++) {
      const no = batch.firstLine + i;
      if (pending !== undefined) {
        pending.push({ line: batch.lines[i]!, no });
        if (pending.length >= opts.headerSample) learn();
      } else handle(batch.lines[i]!, no);
    }
    sink.read(batch.lines.length);
  }
  learn();
  summary.header = ctx.header.description;
  if (stats !== undefined) {
    summary.gzip = stats.gzip;
    summary.invalidUtf8Lines = stats.invalidUtf8Lines;
    summary.truncatedLines = stats.truncatedLines;
  }
}
