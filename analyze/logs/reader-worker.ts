/**
 * A worker thread that reads the input files of an analysis (reader.ts) and sends their records,
 * in batches of columns (record-batch.ts), to the analyzing thread, which mines them meanwhile.
 * Started by read-in-worker.ts; see there for the messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ObsError } from '../../core/errors.js';
import { BatchWriter } from './record-batch.js';
import { newSummary, readLogFile } from './reader.js';
import type { RecordSink } from './reader.js';
import type { ReaderJob, WorkerMessage } from './read-in-worker.js';

/** Batches sent and not yet mined: reading waits beyond that, so memory stays bounded. */
const MAX_IN_FLIGHT = 4;

const port = parentPort!;
const job = workerData as ReaderJob;
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let inFlight = 0;
let resume: (() => void) | undefined;
port.on('message', () => {
  // The only message: a batch was mined.
  inFlight--;
  resume?.();
  resume = undefined;
});

const writer = new BatchWriter();
const flush = (): void => {
  if (writer.empty) return;
  const { batch, transfer } = writer.take();
  inFlight++;
  post({ type: 'batch', batch }, transfer);
};
const sink: RecordSink = {
  record: (r, no, first, shape) => writer.record(r, no, first, shape),
  async read(n) {
    writer.read(n);
    flush();
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => (resume = r));
  },
};

try {
  const ids = { next: 0 };
  for (const [index, source] of job.sources.entries()) {
    const summary = newSummary(source.file, source.role);
    await readLogFile(summary, job.options, sink, ids);
    flush();
    post({ type: 'end', index, summary });
  }
  post({ type: 'done' });
} catch (err) {
  post({
    type: 'error',
    error:
      err instanceof ObsError
        ? {
            message: err.message,
            code: err.code,
            exit: err.exit,
            ...(err.file !== undefined ? { file: err.file } : {}),
            ...(err.line !== undefined ? { line: err.line } : {}),
            suggestions: err.suggestions,
          }
        : { message: err instanceof Error ? (err.stack ?? err.message) : String(err) },
  });
}
