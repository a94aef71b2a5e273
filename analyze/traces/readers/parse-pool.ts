/**
 * Worker threads that parse item batches (see parse-worker.ts). JSON.parse is most of the cost
 * of reading traces; with it on other cores the main thread assembles and analyses meanwhile.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedBatch } from './convert-items.js';
import type { JsonItem } from './json-items.js';
import type { ParseRequest } from './parse-worker.js';

const WORKER_FILE = fileURLToPath(new URL('./parse-worker.js', import.meta.url));

/**
 * Parse threads to use when the caller does not say: one per core beyond the main thread, at
 * most 3 (more only adds copying). None when the compiled worker is not there (running from
 * TypeScript sources under a test runner).
 */
export function defaultParseWorkers(): number {
  if (!existsSync(WORKER_FILE)) return 0;
  return Math.min(3, Math.max(0, availableParallelism() - 1));
}

interface Pending {
  resolve: (b: ParsedBatch) => void;
  reject: (e: Error) => void;
}

export class ParsePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private failure: Error | undefined;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_FILE);
      w.on('message', (m: ParsedBatch & { id: number }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m);
      });
      w.on('error', (err) => this.fail(err));
      this.workers.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Parses a batch on the next worker in turn; results come back in any order. */
  parse(file: string, items: JsonItem[]): Promise<ParsedBatch> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.next++;
    const worker = this.workers[id % this.workers.length]!;
    return new Promise<ParsedBatch>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const req: ParseRequest = { id, file, items };
      worker.postMessage(req);
    });
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
