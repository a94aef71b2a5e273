/**
 * `--emit-assignments FILE`: the pattern of every input line as CSV, written atomically through
 * core/writer.ts. Header `line,pattern` (line numbers from 1); with several input files a third
 * column names the file, and line numbers count per file. Lines that held nothing to mine (empty,
 * binary) get the pattern `skipped`. A line holding several records (an OTLP request) gets the
 * pattern of its first record; the lines of a stack trace get the pattern of the record they were
 * joined to (in interleaved streams, the lines the record names: `EmitRecord`'s `joined`).
 */
import { stringify } from 'csv-stringify/sync';
import { openOutputFile } from '../../core/writer.js';
import type { LineAssignment } from './analyze.js';

const ROWS_PER_WRITE = 8192;

export async function writeAssignments(
  target: string,
  rows: Iterable<LineAssignment>,
  multipleFiles: boolean,
): Promise<number> {
  const out = await openOutputFile(target);
  let n = 0;
  try {
    await out.write(stringify([multipleFiles ? ['line', 'pattern', 'file'] : ['line', 'pattern']]));
    // Line numbers and pattern ids never need quoting; a file name may, and is the same for all
    // of a file's rows: the library quotes each name once, rows are joined here (10M rows).
    const cells = new Map<string, string>();
    const cell = (file: string): string => {
      let c = cells.get(file);
      if (c === undefined) {
        c = ',' + stringify([[file]]).replace(/\n$/, '');
        cells.set(file, c);
      }
      return c;
    };
    let chunk = '';
    let rowsInChunk = 0;
    for (const r of rows) {
      chunk += `${r.line},${r.pattern}${multipleFiles ? cell(r.file) : ''}\n`;
      n++;
      if (++rowsInChunk >= ROWS_PER_WRITE) {
        await out.write(chunk);
        chunk = '';
        rowsInChunk = 0;
      }
    }
    if (chunk.length > 0) await out.write(chunk);
  } catch (err) {
    await out.abort();
    throw err;
  }
  await out.commit();
  return n;
}
