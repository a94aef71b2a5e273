/**
 * Streaming line input shared by the trace and log readers.
 *
 * Reads a file (or `-` for stdin), gunzips it when it starts with the gzip magic bytes, and yields
 * lines in batches (one async step per chunk rather than per line keeps it fast). Memory use is
 * bounded by the chunk size plus the longest line, which is capped at `maxLineBytes`.
 *
 * Problems in the data are counted in `LineStats` rather than thrown, except a truncated or corrupt
 * gzip stream, which is an error: the rest of the file is unknowable.
 */
import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { ExitCode, ObsError, errnoCode, messageOf } from './errors.js';

export interface LineBatch {
  /** The source as the user named it. */
  source: string;
  /** 1-based line number of `lines[0]` in the source. */
  firstLine: number;
  lines: string[];
}

export interface LineStats {
  source: string;
  gzip: boolean;
  /** Bytes after decompression. */
  bytes: number;
  lines: number;
  /** Lines that held byte sequences that are not UTF-8 (decoded with U+FFFD in their place). */
  invalidUtf8Lines: number;
  /** Lines longer than `maxLineBytes`, cut to that length. */
  truncatedLines: number;
  /** The first line of each of those kinds (1-based), for messages. */
  firstInvalidUtf8Line?: number;
  firstTruncatedLine?: number;
}

export interface ReadLinesOptions {
  /** Lines longer than this are cut and counted in `truncatedLines`. Default 1 MiB. */
  maxLineBytes?: number;
  /** Read chunk size. Default 1 MiB. */
  chunkBytes?: number;
  /** Called with the stats object, which is updated as reading goes on. */
  onStats?: (stats: LineStats) => void;
  /**
   * Only bytes `start` to `end` (exclusive) of a plain file, which the caller found to start a
   * line: one part of a file read in parts. Line numbers count from the range's first line.
   */
  range?: ByteRange;
}

export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The line limit for files of JSON documents, one per line: the Collector's file exporter writes a
 * whole batch (thousands of spans or log records) on one line, often past 1 MiB. A line must be
 * parsed whole, so this bounds memory (a few times this) rather than being unlimited.
 */
export const MAX_JSON_LINE_BYTES = 128 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Whether `head`, the first bytes of an input, open a gzip stream. */
export function isGzipMagic(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return isGzipMagic(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * Bytes on disk of `sources` (0 for stdin and for what cannot be read, which its reader reports):
 * what decides whether threads pay.
 */
export function inputBytes(sources: readonly string[]): number {
  let bytes = 0;
  for (const f of sources) {
    try {
      bytes += f === '-' ? 0 : statSync(f).size;
    } catch {
      // A missing file is reported by the reader.
    }
  }
  return bytes;
}

/**
 * `stream` as it was, or gunzipped when its first bytes are the gzip magic: stdin cannot be
 * peeked at like a file, so its first chunks are read and put back in front.
 */
export async function sniffGzip(
  stream: Readable,
  chunkBytes: number,
): Promise<{ stream: Readable; gzip: boolean }> {
  const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let seen = 0;
  let done = false;
  while (seen < GZIP_MAGIC.length) {
    const r = await it.next();
    if (r.done === true) {
      done = true;
      break;
    }
    head.push(r.value);
    seen += r.value.length;
  }
  const first = Buffer.concat(head);
  const gzip = isGzipMagic(first);
  const all = Readable.from(
    (async function* () {
      if (first.length > 0) yield first;
      if (done) return;
      for (let r = await it.next(); r.done !== true; r = await it.next()) yield r.value;
    })(),
    { objectMode: false },
  );
  return { stream: gzip ? gunzipped(all, chunkBytes) : all, gzip };
}

function gunzipped(raw: Readable, chunkBytes: number): Readable {
  const gunzip = createGunzip({ chunkSize: chunkBytes });
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/** Opens a source for reading, with a clear error when it is missing or unreadable. */
export async function openSource(
  source: string,
  chunkBytes = 1 << 20,
  range?: ByteRange,
): Promise<{ stream: Readable; gzip: boolean }> {
  if (source === '-') return sniffGzip(process.stdin, chunkBytes);
  let gzip: boolean;
  try {
    gzip = await isGzip(source);
  } catch (err) {
    const code = errnoCode(err);
    const what =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : messageOf(err);
    throw new ObsError(`cannot read input: ${what}`, {
      code: 'OBS_INPUT_UNREADABLE',
      exit: ExitCode.noInput,
      file: source,
      cause: err,
    });
  }
  if (range !== undefined && gzip)
    throw new Error(`${source}: a gzip file cannot be read in parts`);
  const raw = createReadStream(source, {
    highWaterMark: chunkBytes,
    ...(range !== undefined ? { start: range.start, end: range.end - 1 } : {}),
  });
  return { stream: gzip ? gunzipped(raw, chunkBytes) : raw, gzip };
}

function streamError(source: string, gzip: boolean, err: unknown): ObsError {
  const code = errnoCode(err);
  if (gzip && (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR')) {
    const what = code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt';
    return new ObsError(`gzip stream is ${what} (${messageOf(err)})`, {
      code: 'OBS_BAD_GZIP',
      exit: ExitCode.dataError,
      file: source,
      suggestions: ['The file may still be being written, or was cut short when copied.'],
      cause: err,
    });
  }
  return new ObsError(`cannot read input: ${messageOf(err)}`, {
    code: 'OBS_INPUT_UNREADABLE',
    exit: ExitCode.noInput,
    file: source,
    cause: err,
  });
}

/**
 * `line` cut to at most `maxBytes` of UTF-8, as a string of its own (a slice would keep the whole
 * long line in memory for as long as the cut one lives); undefined when it is not longer.
 */
export function cutLine(line: string, maxBytes: number): string | undefined {
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long strings need the exact byte count.
  if (line.length * 3 <= maxBytes || Buffer.byteLength(line) <= maxBytes) return undefined;
  return Buffer.from(line).subarray(0, maxBytes).toString('utf8');
}

const NEWLINE = 0x0a;
const REPLACEMENT = '\uFFFD';

/** Yields the lines of one source in batches; see the module comment. */
export async function* readLines(
  source: string,
  opts: ReadLinesOptions = {},
): AsyncGenerator<LineBatch> {
  const maxLineBytes = opts.maxLineBytes ?? 1 << 20;
  const { stream, gzip } = await openSource(source, opts.chunkBytes, opts.range);
  const stats: LineStats = {
    source,
    gzip,
    bytes: 0,
    lines: 0,
    invalidUtf8Lines: 0,
    truncatedLines: 0,
  };
  opts.onStats?.(stats);
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  /**
   * The start of a line that goes on in the next chunk, kept as chunks: joined once, when the line
   * ends, not at every chunk (a line of many chunks would be copied over and over).
   */
  let carry: Buffer[] = [];
  let carryBytes = 0;
  /** True while skipping the rest of an over-long line that was already emitted. */
  let skipping = false;
  let lineNo = 1;

  /** The lines of `buf`, which ends with a newline and starts at line `first`. */
  const toLines = (buf: Buffer, first: number): string[] => {
    const text = decoder.decode(buf);
    const lines = text.split('\n');
    lines.pop(); // `buf` ends with a newline: the last element is empty
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
    }
    if (text.includes(REPLACEMENT)) {
      for (let i = 0; i < lines.length; i++) {
        if (!lines[i]!.includes(REPLACEMENT)) continue;
        stats.invalidUtf8Lines++;
        stats.firstInvalidUtf8Line ??= first + i;
      }
    }
    return lines;
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      stats.bytes += chunk.length;
      let data = chunk;
      if (skipping) {
        const nl = data.indexOf(NEWLINE);
        if (nl < 0) continue;
        skipping = false;
        data = data.subarray(nl + 1);
      }
      const lastNl = data.lastIndexOf(NEWLINE);
      if (lastNl < 0) {
        carry.push(Buffer.from(data));
        carryBytes += data.length;
        if (carryBytes > maxLineBytes) {
          const line = toLines(
            Buffer.concat([Buffer.concat(carry).subarray(0, maxLineBytes), Buffer.of(NEWLINE)]),
            lineNo,
          );
          stats.truncatedLines++;
          stats.firstTruncatedLine ??= lineNo;
          stats.lines += line.length;
          yield { source, firstLine: lineNo, lines: line };
          lineNo += line.length;
          carry = [];
          carryBytes = 0;
          skipping = true;
        }
        continue;
      }
      const head =
        carry.length === 0
          ? data.subarray(0, lastNl + 1)
          : Buffer.concat([...carry, data.subarray(0, lastNl + 1)]);
      carry = lastNl + 1 < data.length ? [Buffer.from(data.subarray(lastNl + 1))] : [];
      carryBytes = carry.length === 0 ? 0 : carry[0]!.length;
      const lines = toLines(head, lineNo);
      for (let i = 0; i < lines.length; i++) {
        const cut = cutLine(lines[i]!, maxLineBytes);
        if (cut === undefined) continue;
        lines[i] = cut;
        stats.truncatedLines++;
        stats.firstTruncatedLine ??= lineNo + i;
      }
      stats.lines += lines.length;
      yield { source, firstLine: lineNo, lines };
      lineNo += lines.length;
    }
  } catch (err) {
    if (err instanceof ObsError) throw err;
    throw streamError(source, gzip, err);
  }
  if (carryBytes > 0) {
    const lines = toLines(Buffer.concat([...carry, Buffer.of(NEWLINE)]), lineNo);
    stats.lines += lines.length;
    yield { source, firstLine: lineNo, lines };
  }
}

/** Reads several sources one after the other. */
export async function* readLinesFrom(
  sources: readonly string[],
  opts: ReadLinesOptions = {},
): AsyncGenerator<LineBatch> {
  for (const s of sources) yield* readLines(s, opts);
}
