/**
 * Cutting the input of a log analysis into contiguous parts of about equal size, mined in threads
 * at once (part.ts, part-worker.ts), and running the workers.
 *
 * The sources are taken as one sequence of bytes in their order; each cut falls at the start of
 * the line after its share of bytes. Only plain files of lines can be cut: a gzip file, stdin or
 * a file that opens like one pretty-printed JSON document goes whole to the part where it
 * starts. A part then reads whole files and pieces of files (byte ranges).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorFromWorker } from '../../core/errors.js';
import type { WorkerError } from '../../core/errors.js';
import { isGzipMagic } from '../../core/lines.js';
import type { PartConfig, PartSnapshot, Piece } from './part.js';
import type { ReaderOptions } from './reader.js';
import { containerPrefix } from './records.js';
import type { FileService } from './records.js';
import type { InputSummary } from './report-types.js';

/** Inputs smaller than this (bytes on disk) are mined in one thread: a worker costs more. */
export const MIN_PARTS_BYTES = 32 * 1024 * 1024;

const WORKER = new URL('./part-worker.js', import.meta.url);

/** Whether the compiled worker is there (it is not when this module runs from its sources). */
export const partsCanRun = (): boolean => existsSync(fileURLToPath(WORKER));

interface Sized {
  size: number;
  /** A plain file, which can be read in byte ranges. */
  cuttable: boolean;
}

/** A first line that is a lone `{`: maybe one pretty-printed JSON document (reader.ts). */
const DOCUMENT_START = /^\uFEFF?\s*\{[ \t\r]*\n/;

function sizeOf(file: string): Sized {
  if (file === '-') return { size: 0, cuttable: false };
  try {
    const st = statSync(file);
    if (!st.isFile()) return { size: 0, cuttable: false };
    const head = Buffer.alloc(4096);
    const fd = openSync(file, 'r');
    let n: number;
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    // A document is read whole or not at all: cut, neither part would parse.
    const document = DOCUMENT_START.test(head.subarray(0, n).toString('utf8'));
    return { size: st.size, cuttable: !isGzipMagic(head.subarray(0, n)) && !document };
  } catch {
    // A missing or unreadable file is reported by its reader.
    return { size: 0, cuttable: false };
  }
}

/** The offset of the first line that starts at or after `at` in `file`, or `size` if none does. */
function firstLineStart(file: string, at: number, size: number): number {
  const buf = Buffer.alloc(1 << 16);
  const fd = openSync(file, 'r');
  try {
    for (let pos = at - 1; pos < size; pos += buf.length) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      if (nl >= 0) return pos + nl + 1;
    }
    return size;
  } finally {
    closeSync(fd);
  }
}

/** How far past its share of bytes a cut may move to stay out of a stack trace. */
const MAX_CUT_SLIDE = 1 << 20;
const BLANK = (b: number | undefined) => b === 0x20 || b === 0x09;
/** Lines that go on the record before them at column 0 (stack-traces.ts). */
const CONTINUING = [
  'Traceback (most recent call last):',
  'Caused by: ',
  'During handling',
  'The above exception',
].map((s) => Buffer.from(s));

/**
 * The stream of the line at `start` (its `docker compose logs` or `kubectl logs --prefix` prefix's,
 * records.ts's `containerPrefix`; `''` without one) and where its text begins, after the prefix.
 */
function lineOf(buf: Buffer, start: number): { stream: string; text: number } {
  // Latin-1: one character per byte, so lengths are byte offsets.
  const head = buf.toString('latin1', start, Math.min(buf.length, start + 256));
  const prefixed = containerPrefix(head);
  return prefixed === undefined
    ? { stream: '', text: start }
    : { stream: prefixed.stream, text: start + head.length - prefixed.rest.length };
}

/** Whether a line whose text begins at `at` goes on the record before it (a trace's line). */
const continues = (buf: Buffer, at: number): boolean =>
  BLANK(buf[at]) || CONTINUING.some((c) => buf.subarray(at, at + c.length).equals(c));

/** Bytes before a cut read to find each stream's line before it. */
const CUT_LOOKBACK = 1 << 16;
/**
 * Lines from a cut looked at for a stream whose stack trace goes on past it: where containers'
 * lines interleave, a trace's next line may come after other containers' lines (as many as the
 * records a `StreamJoiner` keeps waiting, at most).
 */
const CUT_LOOKAHEAD_LINES = 64;

/**
 * The offset of the first line that starts at or after `at` in `file` and is not inside a stack
 * trace (within `MAX_CUT_SLIDE` bytes; else the first line start), or `size` if none does. A part
 * may start at a line when no stream's trace goes on across it: for each stream among the lines
 * from there (`CUT_LOOKAHEAD_LINES`; one stream without prefixes), its first line does not start
 * blank or as a trace's line does, and its line before the cut does not start blank, as the
 * frames before a Python exception line do; behind a container's prefix, the same of its text.
 */
function lineStartAfter(file: string, at: number, size: number): number {
  if (at <= 0) return 0;
  // From before `at`, to see each stream's line before the first candidate.
  const from = Math.max(0, at - 1 - CUT_LOOKBACK);
  const buf = Buffer.alloc(Math.min(size - from, at - 1 - from + MAX_CUT_SLIDE));
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, from);
  } finally {
    closeSync(fd);
  }
  const data = buf.subarray(0, n);
  // The line that holds byte `at - 1` ends at the first newline from there.
  const nl = data.indexOf(0x0a, at - 1 - from);
  if (nl < 0) return firstLineStart(file, at, size);
  const first = nl + 1;
  // The whole lines read, in order, their streams and texts found as the scan reaches them.
  const starts: number[] = [];
  const lines: { stream: string; text: number }[] = [];
  let next = from === 0 ? 0 : data.indexOf(0x0a) + 1;
  const line = (i: number): { stream: string; text: number } | undefined => {
    while (lines.length <= i && next < n) {
      starts.push(next);
      lines.push(lineOf(data, next));
      const end = data.indexOf(0x0a, next);
      next = end < 0 ? n : end + 1;
    }
    return lines[i];
  };
  // Each stream's last line before the candidate.
  const last = new Map<string, number>();
  let c = 0;
  for (; line(c) !== undefined && starts[c]! < first; c++) last.set(lines[c]!.stream, c);
  for (; line(c) !== undefined; c++) {
    const seen = new Set<string>();
    let cuts = true;
    for (let j = c; j < c + CUT_LOOKAHEAD_LINES && cuts; j++) {
      const l = line(j);
      if (l === undefined) break;
      if (seen.has(l.stream)) continue;
      seen.add(l.stream);
      const before = last.get(l.stream);
      cuts =
        !continues(data, l.text) && (before === undefined || !BLANK(data[lines[before]!.text]));
    }
    if (cuts) return from + starts[c]!;
    last.set(lines[c]!.stream, c);
  }
  return from + first >= size ? size : from + first;
}

/**
 * The sources cut into at most `n` parts of about equal bytes, in order. Each part is a list of
 * pieces: whole sources, or byte ranges of plain files.
 */
export function planParts(files: readonly string[], n: number): Piece[][] {
  const sized = files.map(sizeOf);
  const total = sized.reduce((a, s) => a + s.size, 0);
  // Where the parts start, as offsets into all the bytes: at a line start in a plain file, or at
  // the end of a source that cannot be cut.
  const cuts: number[] = [];
  for (let k = 1; k < n; k++) {
    const target = Math.ceil((total * k) / n);
    let base = 0;
    let source = 0;
    while (source < sized.length && base + sized[source]!.size <= target)
      base += sized[source++]!.size;
    if (source === sized.length) break;
    const { size, cuttable } = sized[source]!;
    const at = base + (cuttable ? lineStartAfter(files[source]!, target - base, size) : size);
    if (at < total && at > (cuts.at(-1) ?? 0)) cuts.push(at);
  }
  const parts: Piece[][] = [[]];
  let base = 0;
  let next = 0;
  for (const [source, { size }] of sized.entries()) {
    let start = 0;
    for (; next < cuts.length && cuts[next]! < base + size; next++) {
      const at = cuts[next]! - base;
      if (at > start) {
        parts.at(-1)!.push({ source, range: { start, end: at } });
        start = at;
      }
      parts.push([]);
    }
    parts.at(-1)!.push(start > 0 ? { source, range: { start, end: size } } : { source });
    base += size;
  }
  return parts;
}

export interface PartJob {
  /** `named`: the service the file's records default to (file-service.ts), read once. */
  sources: { file: string; role: InputSummary['role']; named: FileService }[];
  pieces: Piece[];
  options: ReaderOptions;
  config: PartConfig;
}

export type PartMessage =
  | { type: 'read'; lines: number }
  | { type: 'done'; snapshot: PartSnapshot }
  | { type: 'error'; error: WorkerError };

/** A part being mined in a worker thread. */
export interface RunningPart {
  /** The part's snapshot, or the worker's error. */
  result: Promise<PartSnapshot>;
  /** Stops the worker (when the analysis failed elsewhere); harmless once it is done. */
  stop(): void;
}

/** Starts mining `job` in a worker thread; `onRead` hears of lines read as it goes. */
export function mineInWorker(job: PartJob, onRead: (lines: number) => void): RunningPart {
  const worker = new Worker(WORKER, { workerData: job });
  const result = new Promise<PartSnapshot>((resolve, reject) => {
    let settled = false;
    const finish = (err: unknown, snapshot?: PartSnapshot) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (snapshot !== undefined) resolve(snapshot);
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    worker.on('message', (m: PartMessage) => {
      if (m.type === 'read') onRead(m.lines);
      else if (m.type === 'done') finish(undefined, m.snapshot);
      else finish(errorFromWorker(m.error, 'log miner'));
    });
    worker.on('error', (err) => finish(err));
    worker.on('exit', (code) => finish(new Error(`log miner stopped (exit code ${code})`)));
  });
  return { result, stop: () => void worker.terminate() };
}
