/**
 * The reading stage of `obs analyze logs`: one input file, line by line, into log records.
 *
 * Reads the lines (core/lines.ts), skips empty and binary ones, learns the file's header from its
 * first lines (header-sample.ts), turns each line into records (records.ts; plain-text lines by
 * their digit shape, line-cache.ts) and hands them, in order, to a `RecordSink`, counting what it
 * saw in the file's `InputSummary`. It holds no state across files, so it runs the same in every thread
 * that mines a part of the input (parts.ts).
 */
import { MAX_JSON_LINE_BYTES, cutLine, readLines } from '../../core/lines.js';
import type { ByteRange, LineStats } from '../../core/lines.js';
import { isRecord } from '../../core/json.js';
import { compileLogFormat, learnHeader } from './header.js';
import { HeaderSample } from './header-sample.js';
import { LineCache } from './line-cache.js';
import type { KnownLine, ShapeIds } from './line-cache.js';
import {
  isBinaryLine,
  parseLine,
  parseUnlessPlain,
  withoutTerminalCodes,
  textRecord,
} from './records.js';
import type { FileService, LogRecord } from './records.js';
import { logFileService } from './file-service.js';
import { StreamJoiner } from './stack-traces.js';
import { createTimeParser } from './times.js';
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
   * it, or -1. `through`: the last line joined to the record (a stack trace), if any; `joined`:
   * the lines joined to it when lines of other streams came between (`StreamJoiner`), else all
   * lines after `no` through `through` are.
   */
  record(
    r: LogRecord,
    no: number,
    first: boolean,
    shape: number,
    through?: number,
    joined?: readonly number[],
  ): void;
  /** After each batch of `n` lines; reading waits for a returned promise (backpressure). */
  read(n: number): void | Promise<void>;
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
    joinedLines: 0,
    longMessages: 0,
    invalidUtf8Lines: 0,
    truncatedLines: 0,
    gzip: false,
    problems: [],
  };
}

const NON_SPACE = /\S/;

/**
 * Text lines longer than this are cut (and counted); JSON lines may be as long as any JSON line
 * (an OTLP logs batch from the Collector's file exporter), up to `MAX_JSON_LINE_BYTES`.
 */
const MAX_TEXT_LINE_BYTES = 1 << 20;
const JSON_START = /^\uFEFF?\s*\{/;

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v);
  } catch {
    return false;
  }
}

/**
 * Reads one file into `sink`, filling `summary` (all but `longMessages`, which mining counts).
 * `ids` numbers line shapes across the files of one analysis. With a `range` (a part of a plain
 * file that starts a line), only that part: its line numbers count from 1, and its header is the
 * one learned from the file's first lines, as for the part that starts the file. `named`: the
 * service its records default to (file-service.ts), decided once for all parts of the file.
 */
export async function readLogFile(
  summary: InputSummary,
  opts: ReaderOptions,
  sink: RecordSink,
  ids: ShapeIds,
  range?: ByteRange,
  named?: FileService,
): Promise<void> {
  const file = summary.file;
  named ??= await logFileService(file);
  const ctx = {
    defaultService: named.service,
    // A Kubernetes container's log names its service as a kubectl prefix does.
    prefixed: named.container,
    header: opts.logFormat !== undefined ? compileLogFormat(opts.logFormat) : learnHeader([]),
    time: createTimeParser(),
  };
  let stats: LineStats | undefined;

  // Plain-text lines by shape, once the header is known (not for a --log-format's).
  let shapes: LineCache | undefined;
  // Text records wait for the lines after them: a stack trace joins the record it belongs to, of
  // its own stream in interleaved output (`docker compose logs`).
  const joiner = new StreamJoiner<number>(
    (r, no, through, shape, retold, lines) =>
      sink.record(r, no, true, retold ? -1 : shape, through, lines),
    opts.logFormat !== undefined,
  );
  const joined = (kind: string = 'text'): void => {
    summary.kinds[kind] = (summary.kinds[kind] ?? 0) + 1;
    summary.joinedLines++;
  };
  const plain = (line: string, no: number, known: KnownLine): void => {
    // A line with no header of its own (a header's content starts after it) may go on a record.
    const headed = known.spans.matched && known.spans.content > 0;
    if (!headed && joiner.join(line, no)) return joined();
    summary.kinds.text = (summary.kinds.text ?? 0) + 1;
    if (!known.spans.matched) summary.headerMismatch++;
    summary.records++;
    joiner.hold(textRecord(line, known.spans, ctx, known.memo), no, known.id);
  };

  const handle = (raw: string, no: number): void => {
    summary.lines++;
    const line = withoutTerminalCodes(raw);
    const known = shapes?.lookup(line);
    if (known !== undefined) return plain(line, no, known);
    if (!NON_SPACE.test(line)) {
      summary.skipped.empty++;
      return;
    }
    if (isBinaryLine(line)) {
      summary.skipped.binary++;
      if (summary.problems.length < 5)
        summary.problems.push({ line: no, problem: 'binary data, not a log line' });
      return;
    }
    // A line that is not plain text is parsed once: telling it may have read its logfmt fields.
    const parsed = shapes !== undefined ? parseUnlessPlain(line, ctx) : parseLine(line, ctx);
    if (parsed === undefined) return plain(line, no, shapes!.parse(line));
    const text = parsed.text;
    const stream = parsed.stream;
    if (text !== undefined && parsed.headerless === true && joiner.join(text, no, stream)) {
      return joined(parsed.kind);
    }
    summary.kinds[parsed.kind] = (summary.kinds[parsed.kind] ?? 0) + 1;
    if (parsed.problem !== undefined) {
      // Also a Docker line's text that is malformed JSON (its problem is the inner line's).
      if (parsed.problem.startsWith('malformed JSON')) summary.malformedJson++;
      if (summary.problems.length < 5) summary.problems.push({ line: no, problem: parsed.problem });
    }
    if (parsed.headerMismatch) summary.headerMismatch++;
    if (parsed.records.length === 0) {
      summary.skipped.noRecords++;
      return;
    }
    summary.records += parsed.records.length;
    if (text !== undefined && parsed.records.length === 1) {
      return joiner.hold(parsed.records[0]!, no, -1, stream);
    }
    joiner.other(() => parsed.records.forEach((r, i) => sink.record(r, no, i === 0, -1)), stream);
  };

  // The file's first lines wait for its header, learned from them (else --log-format's).
  const sample = new HeaderSample(opts.headerSample, ctx, joiner, handle, (shaped) => {
    shapes = shaped !== undefined ? new LineCache(shaped, ids) : undefined;
  });
  if (opts.logFormat !== undefined) sample.given();
  else if (range !== undefined && range.start > 0) await sample.learnFromStartOf(file);
  // A file that opens with a lone `{` may be one pretty-printed JSON document (an OTLP logs export
  // through `jq .`): its lines are held, up to a JSON line's limit, and read as one line if they
  // parse; otherwise line by line, as any file.
  let doc: { lines: string[]; first: number; chars: number } | undefined;
  let started = range !== undefined && range.start > 0;
  const release = (): void => {
    const d = doc;
    doc = undefined;
    if (d !== undefined) d.lines.forEach((l, k) => sample.take(l, d.first + k));
  };

  let cutTextLines = 0;
  const lineOpts = {
    maxLineBytes: MAX_JSON_LINE_BYTES,
    onStats: (s: LineStats) => (stats = s),
    ...(range !== undefined ? { range } : {}),
  };
  for await (const batch of readLines(file, lineOpts)) {
    for (let i = 0; i < batch.lines.length; i++) {
      let line = batch.lines[i]!;
      const no = batch.firstLine + i;
      if (line.length * 3 > MAX_TEXT_LINE_BYTES && !JSON_START.test(line)) {
        const cut = cutLine(line, MAX_TEXT_LINE_BYTES);
        if (cut !== undefined) {
          line = cut;
          cutTextLines++;
        }
      }
      if (doc !== undefined) {
        doc.lines.push(line);
        doc.chars += line.length + 1;
        // A pretty-printed object goes on with a key or closes: else it is a text log.
        const unlike = doc.lines.length === 2 && !/^\s*["}]/.test(line);
        if (unlike || doc.chars > MAX_JSON_LINE_BYTES) release();
        continue;
      }
      if (!started && NON_SPACE.test(line)) {
        started = true;
        // trim() drops a byte-order mark too (U+FEFF is white space to it).
        if (line.trim() === '{') {
          doc = { lines: [line], first: no, chars: line.length + 1 };
          continue;
        }
      }
      sample.take(line, no);
    }
    await sink.read(batch.lines.length);
  }
  if (doc !== undefined) {
    const text = doc.lines.join('\n');
    if (isJsonObject(text)) {
      sample.learn();
      // One record source: counted as one line here, the rest of its lines as empty of records.
      handle(text, doc.first);
      summary.lines += doc.lines.length - 1;
      doc = undefined;
    } else release();
  }
  sample.learn();
  joiner.flush();
  summary.header = ctx.header.description;
  if (stats !== undefined) {
    summary.gzip = stats.gzip;
    summary.invalidUtf8Lines = stats.invalidUtf8Lines;
    summary.truncatedLines = stats.truncatedLines + cutTextLines;
  }
}
