/**
 * A worker thread that mines one part of a log analysis's input (parts.ts) and sends back its
 * snapshot (part.ts); it tells of lines read as it goes, for progress.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorForTransfer } from '../../core/errors.js';
import { MiningPart } from './part.js';
import type { PartJob, PartMessage } from './parts.js';
import { newSummary, readLogFile } from './reader.js';
import type { InputSummary } from './report-types.js';

const port = parentPort!;
const job = workerData as PartJob;
const post = (m: PartMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

try {
  const part = new MiningPart(job.config);
  const read: { source: number; summary: InputSummary }[] = [];
  for (const piece of job.pieces) {
    const { file, role, named } = job.sources[piece.source]!;
    const summary = newSummary(file, role);
    const sink = part.sinkFor(summary, piece.source, (lines) => post({ type: 'read', lines }));
    await readLogFile(summary, job.options, sink, part.ids, piece.range, named);
    part.ended(summary, piece.source);
    read.push({ source: piece.source, summary });
  }
  const snapshot = part.snapshot(read);
  const buffers = snapshot.pieces.flatMap((p) => (p.lineRefs ?? []).map((a) => a.buffer));
  post({ type: 'done', snapshot }, buffers as ArrayBuffer[]);
} catch (err) {
  post({ type: 'error', error: errorForTransfer(err) });
}
