/**
 * Reading the input files in a worker thread (reader-worker.ts) while this thread mines: the two
 * stages of an analysis on two cores. The worker reads the files one after the other, as this
 * thread would, and sends per file: its records in batches, then its summary; this thread gives
 * each batch to the file's sink as it comes and acknowledges it (the worker reads at most a few
 * batches ahead). The records arrive in the order of reading in one thread, so the result is the
 * same.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ExitCode, ObsError, messageOf } from '../../core/errors.js';
import type { ExitCodeValue } from '../../core/errors.js';
import { replayBatch } from './record-batch.js';
import type { RecordBatch } from './record-batch.js';
import type { ReaderOptions, RecordSink } from './reader.js';
import type { InputSummary } from './report-types.js';

export interface ReaderJob {
  sources: { file: string; role: InputSummary['role'] }[];
  options: ReaderOptions;
}

/** An error thrown in the worker, as it crosses to this thread. */
interface WorkerError {
  message: string;
  code?: string;
  exit?: ExitCodeValue;
  file?: string;
  line?: number;
  suggestions?: string[];
}

export type WorkerMessage =
  | { type: 'batch'; batch: RecordBatch }
  | { type: 'end'; index: number; summary: InputSummary }
  | { type: 'done' }
  | { type: 'error'; error: WorkerError };

const WORKER = new URL('./reader-worker.js', import.meta.url);

/** Inputs smaller than this (bytes on disk) are read on the analyzing thread: a worker costs more. */
const MIN_WORKER_BYTES = 32 * 1024 * 1024;

/**
 * Whether reading in a worker pays for `files`: for large inputs with four cores or more, and only
 * when the compiled worker is there (it is not when this module runs from its sources). The
 * worker costs about 20% more CPU (records are written into batches and read back); on two cores
 * shared with other work it made the analysis slower, not faster (measured with bench/logs.ts).
 */
export function readInWorkerPays(files: readonly string[]): boolean {
  if (availableParallelism() < 4 || !existsSync(fileURLToPath(WORKER))) return false;
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += f === '-' ? 0 : statSync(f).size;
    } catch {
      // A missing file is reported by the reader.
    }
  }
  return bytes >= MIN_WORKER_BYTES;
}

export interface FileHandlers {
  /** Where the records of source `index` go. */
  sink(index: number): RecordSink;
  /** Source `index` was read to its end; `summary` is the reader's. */
  end(index: number, summary: InputSummary): void;
}

/** Reads the job's sources in a worker into `handlers`; rejects with the worker's error. */
export function readInWorker(job: ReaderJob, handlers: FileHandlers): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: job });
    let index = 0;
    let sink: RecordSink | undefined;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(messageOf(err)));
    };
    worker.on('message', (m: WorkerMessage) => {
      try {
        switch (m.type) {
          case 'batch':
            sink ??= handlers.sink(index);
            replayBatch(m.batch, sink);
            worker.postMessage('mined');
            break;
          case 'end':
            sink ??= handlers.sink(index);
            handlers.end(m.index, m.summary);
            index = m.index + 1;
            sink = undefined;
            break;
          case 'done':
            finish();
            break;
          case 'error': {
            const e = m.error;
            finish(
              e.code !== undefined
                ? new ObsError(e.message, {
                    code: e.code,
                    exit: e.exit ?? ExitCode.failure,
                    ...(e.file !== undefined ? { file: e.file } : {}),
                    ...(e.line !== undefined ? { line: e.line } : {}),
                    suggestions: e.suggestions ?? [],
                  })
                : new Error(`log reader: ${e.message}`),
            );
            break;
          }
        }
      } catch (err) {
        finish(err);
      }
    });
    worker.on('error', (err) => finish(err));
    worker.on('exit', (code) => finish(new Error(`log reader stopped (exit code ${code})`)));
  });
}
