/**
 * `--emit-assignments FILE`: the pattern of every input line as CSV, written atomically through
 * core/writer.ts. Header `line,pattern` (line numbers from 1); with several input files a third
 * column names the file, and line numbers count per file. Lines that held nothing to mine (empty,
 * binary) get the pattern `skipped`. A line holding several records (an OTLP request) gets the
 * pattern of its first record.
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
    let batch: (string | number)[][] = [];
    for (const r of rows) {
      batch.push(multipleFiles ? [r.line, r.pattern, r.file] : [r.line, r.pattern]);
      n++;
      if (batch.length >= ROWS_PER_WRITE) {
        await out.write(stringify(batch));
        batch = [];
      }
    }
    if (batch.length > 0) await out.write(stringify(batch));
  } catch (err) {
    await out.abort();
    throw err;
  }
  await out.commit();
  return n;
}
