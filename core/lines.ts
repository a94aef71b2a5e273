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
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
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
}

export interface ReadLinesOptions {
  /** Lines longer than this are cut and counted in `truncatedLines`. Default 1 MiB. */
  maxLineBytes?: number;
  /** Read chunk size. Default 1 MiB. */
  chunkBytes?: number;
  /** Called with the stats object, which is updated as reading goes on. */
  onStats?: (stats: LineStats) => void;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
  } finally {
    await fh.close();
  }
}

/** Opens a source for reading, with a clear error when it is missing or unreadable. */
export async function openSource(
  source: string,
  chunkBytes = 1 << 20,
): Promise<{ stream: Readable; gzip: boolean }> {
  if (source === '-') return { stream: process.stdin, gzip: false };
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
  const raw = createReadStream(source, { highWaterMark: chunkBytes });
  if (!gzip) return { stream: raw, gzip };
  const gunzip = createGunzip({ chunkSize: chunkBytes });
  raw.on('error', (err) => gunzip.destroy(err));
  return { stream: raw.pipe(gunzip), gzip };
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

const NEWLINE = 0x0a;
const REPLACEMENT = '\uFFFD';

/** Yields the lines of one source in batches; see the module comment. */
export async function* readLines(
  source: string,
  opts: ReadLinesOptions = {},
): AsyncGenerator<LineBatch> {
  const maxLineBytes = opts.maxLineBytes ?? 1 << 20;
  const { stream, gzip } = await openSource(source, opts.chunkBytes);
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
  let carry: Buffer | undefined;
  /** True while skipping the rest of an over-long line that was already emitted. */
  let skipping = false;
  let lineNo = 1;

  const toLines = (buf: Buffer): string[] => {
    const text = decoder.decode(buf);
    const lines = text.split('\n');
    lines.pop(); // `buf` ends with a newline: the last element is empty
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
    }
    if (text.includes(REPLACEMENT)) {
      for (const l of lines) if (l.includes(REPLACEMENT)) stats.invalidUtf8Lines++;
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
        carry = carry === undefined ? Buffer.from(data) : Buffer.concat([carry, data]);
        if (carry.length > maxLineBytes) {
          const line = toLines(
            Buffer.concat([carry.subarray(0, maxLineBytes), Buffer.of(NEWLINE)]),
          );
          stats.truncatedLines++;
          stats.lines += line.length;
          yield { source, firstLine: lineNo, lines: line };
          lineNo += line.length;
          carry = undefined;
          skipping = true;
        }
        continue;
      }
      const head =
        carry === undefined
          ? data.subarray(0, lastNl + 1)
          : Buffer.concat([carry, data.subarray(0, lastNl + 1)]);
      carry = lastNl + 1 < data.length ? Buffer.from(data.subarray(lastNl + 1)) : undefined;
      const lines = toLines(head);
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!;
        // A UTF-16 unit is at most 3 UTF-8 bytes: only long strings need the exact byte count.
        if (l.length * 3 > maxLineBytes && Buffer.byteLength(l) > maxLineBytes) {
          lines[i] = Buffer.from(l).subarray(0, maxLineBytes).toString('utf8');
          stats.truncatedLines++;
        }
      }
      stats.lines += lines.length;
      yield { source, firstLine: lineNo, lines };
      lineNo += lines.length;
    }
  } catch (err) {
    if (err instanceof ObsError) throw err;
    throw streamError(source, gzip, err);
  }
  if (carry !== undefined && carry.length > 0) {
    const lines = toLines(Buffer.concat([carry, Buffer.of(NEWLINE)]));
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
