/**
 * Mining the input of a log analysis in contiguous parts at once (core/parts.ts cuts it), one per
 * thread: the worker side of part.ts. A file that opens like one pretty-printed JSON document is
 * never cut (reader.ts reads such a file whole): neither part would parse.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorFromWorker } from '../../core/errors.js';
import type { WorkerError } from '../../core/errors.js';
import { planParts } from '../../core/parts.js';
import type { Piece } from '../../core/parts.js';
import type { PartConfig, PartSnapshot } from './part.js';
import type { ReaderOptions } from './reader.js';
import type { InputSummary } from './report-types.js';

/** Inputs smaller than this (bytes on disk) are mined in one thread: a worker costs more. */
export const MIN_PARTS_BYTES = 32 * 1024 * 1024;

const WORKER = new URL('./part-worker.js', import.meta.url);

/** A first line that is a lone `{`: maybe one pretty-printed JSON document (reader.ts). */
const DOCUMENT_START = /^\uFEFF?\s*\{[ \t\r]*\n/;

/** The input of a log analysis cut into `n` parts (see core/parts.ts). */
export const planLogParts = (files: readonly string[], n: number): Piece[][] =>
  planParts(files, n, (head) => !DOCUMENT_START.test(head));

/** Whether the compiled worker is there (it is not when this module runs from its sources). */
export const partsCanRun = (): boolean => existsSync(fileURLToPath(WORKER));

export interface PartJob {
  sources: { file: string; role: InputSummary['role'] }[];
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
