/**
 * Cutting inputs into contiguous parts of about equal size, for threads that each read one part
 * at once (log mining, analyze/logs/parts.ts; trace analysis, analyze/traces/parallel/parts.ts).
 *
 * The sources are taken as one sequence of bytes in their order; each cut falls at the start of
 * the line after its share of bytes. Only plain files whose lines stand alone can be cut (the
 * caller says which, from a file's first bytes): a gzip file, stdin, or a file the caller refuses
 * goes whole to the part where it starts. A part then reads whole files and pieces of files.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { ByteRange } from './lines.js';

/** One input of a list, or a part of one (a byte range of a plain file that starts a line). */
export interface Piece {
  /** Its index in the list of sources. */
  source: number;
  range?: ByteRange;
}

/** Whether a plain file can be cut, from its first bytes (up to 4 KiB, decoded as UTF-8). */
export type CanCut = (head: string) => boolean;

interface Sized {
  size: number;
  /** A plain file, which can be read in byte ranges. */
  cuttable: boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b];

function sizeOf(file: string, canCut: CanCut): Sized {
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
    const gzip = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
    return { size: st.size, cuttable: !gzip && canCut(head.subarray(0, n).toString('utf8')) };
  } catch {
    // A missing or unreadable file is reported by its reader.
    return { size: 0, cuttable: false };
  }
}

/** Bytes on disk of `files` (0 for stdin and what cannot be read). */
export const inputBytes = (files: readonly string[]): number =>
  files.reduce((n, f) => n + sizeOf(f, () => false).size, 0);

/** The offset of the first line that starts at or after `at` in `file`, or `size` if none does. */
function lineStartAfter(file: string, at: number, size: number): number {
  if (at <= 0) return 0;
  const buf = Buffer.alloc(1 << 16);
  const fd = openSync(file, 'r');
  try {
    // The line that holds byte `at - 1` ends at the first newline from there.
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

/**
 * The sources cut into at most `n` parts of about equal bytes, in order. Each part is a list of
 * pieces: whole sources, or byte ranges of plain files.
 */
export function planParts(files: readonly string[], n: number, canCut: CanCut): Piece[][] {
  const sized = files.map((f) => sizeOf(f, canCut));
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
