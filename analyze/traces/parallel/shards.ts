/**
 * Reading and analysing on several cores: the main thread reads the files and cuts them into
 * JSON items (cheap), worker threads parse them and each analyses its share of the traces (a
 * trace belongs to one shard by its id; spans that land in another worker are passed on). At the
 * end each worker sends its analyses' state and the main thread merges them, so the results are
 * those of one thread reading everything.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort, TransferListItem } from 'node:worker_threads';
import { ExitCode, ObsError, errorFromWorker } from '../../../core/errors.js';
import { inputBytes } from '../../../core/lines.js';
import type { ResultKey } from '../analyses/analysis.js';
import type { AssemblerOptions } from '../assemble.js';
import { packSpans, packedBuffers } from '../readers/convert-items.js';
import type { ReadOptions, SourceSummary } from '../readers/files.js';
import { convertBatch, traceItems } from '../readers/files.js';
import type { Problems } from '../readers/problems.js';
import type { SinkStats } from '../sink.js';
import { mergeSinkStats } from '../sink.js';
import type { FromShard, ShardInit, ToShard } from './protocol.js';

const WORKER_FILE = fileURLToPath(new URL('./shard-worker.js', import.meta.url));

/** Inputs smaller than this (bytes on disk) are read on the main thread: workers cost more. */
const MIN_SHARDED_BYTES = 32 * 1024 * 1024;

/**
 * Worker threads one run may ask for. Each shard has a channel to every other, so their cost
 * grows with the square of the count (256 took a minute and 5 GB on a tiny input).
 */
export const MAX_WORKERS = 32;

/**
 * Workers to use when the caller does not say, for inputs of 32 MB and more. Shards cost about 70%
 * more CPU in all (items and spans cross threads, every shard compiles and merges), so they pay
 * from four cores on. Below that, one analysis worker beside the parsing main thread: on two
 * cores the bench ran 1.0-1.75x faster in wall time than one thread (1M and 2M spans, several
 * runs, never slower), for 5-30% more CPU. None for small inputs or one core, or when the
 * compiled worker is not there (running from TypeScript sources under a test runner).
 */
export function defaultWorkers(files: readonly string[]): number {
  if (!existsSync(WORKER_FILE)) return 0;
  const cores = availableParallelism();
  if (cores < 2) return 0;
  if (inputBytes(files) < MIN_SHARDED_BYTES) return 0;
  return cores < 4 ? 1 : Math.min(4, cores);
}

/** Item batches waiting in each shard, at most: enough to keep it busy, few for memory. */
const IN_FLIGHT = 3;
/**
 * Span batches (a few thousand spans each) waiting for the one analysis worker, at most. The
 * worker analyses in bursts, when traces complete; the queue must outlast a burst, or the main
 * thread stops parsing while it waits (measured: with 3, the two threads took turns).
 */
const SPAN_BATCHES_IN_FLIGHT = 100;
/**
 * With fewer batches than this waiting, the one analysis worker is handed the next batch to parse
 * itself: it would otherwise soon wait for this thread.
 */
const HAND_OVER_BELOW = 2;

export interface ShardedResult {
  stats: SinkStats;
  /** Per analysis, the saved state of each shard. */
  states: Map<ResultKey, unknown[]>;
}

interface Shard {
  worker: Worker;
  inFlight: number;
}

/** Sends a message to the next shard in turn, waiting while that one is full. */
type Post = (m: ToShard, transfer?: TransferListItem[]) => Promise<void>;
/** Batches sent to the shards and not yet taken in. */
type Queued = () => number;

/**
 * Starts `count` shard workers, lets `feed` send them work, ends them and collects their states.
 * `onAck` hears of every batch a shard has taken in.
 */
async function runShards(
  count: number,
  analyses: { key: ResultKey; config: object }[],
  assembler: AssemblerOptions | undefined,
  strict: boolean,
  problems: Problems,
  inFlight: number,
  onAck: (id: number, spans: number) => void,
  feed: (post: Post, queued: Queued) => Promise<void>,
): Promise<ShardedResult> {
  // A channel between every pair of shards.
  const ports: (MessagePort | null)[][] = Array.from({ length: count }, () =>
    Array.from({ length: count }, () => null),
  );
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      const ch = new MessageChannel();
      ports[a]![b] = ch.port1;
      ports[b]![a] = ch.port2;
    }
  }
  const perShard = (n: number | undefined) =>
    n === undefined ? undefined : Math.max(1, Math.floor(n / count));
  /** A worker that crashed, or an error outside any batch: thrown at once. */
  let failure: Error | undefined;
  /**
   * The earliest batch that failed (a bad line under --strict). Shards answer in any order, so it
   * is thrown once every batch sent before it has been answered: then it is the first in input
   * order, the one a single thread would have stopped at.
   */
  let firstBad: { id: number; error: Error } | undefined;
  /** Batches sent and not yet answered, by id. */
  const pending = new Set<number>();
  let wake: (() => void) | undefined;
  const done: {
    index: number;
    states: { key: ResultKey; state: unknown }[];
    stats: SinkStats;
  }[] = [];

  const shards: Shard[] = ports.map((peers, index) => {
    const init: ShardInit = {
      index,
      count,
      analyses,
      assembler: {
        ...assembler,
        maxSpansInFlight: perShard(assembler?.maxSpansInFlight ?? 1_000_000),
        idleSpans: perShard(assembler?.idleSpans ?? 250_000),
      },
      strict,
      peers,
    };
    const worker = new Worker(WORKER_FILE, {
      workerData: init,
      transferList: peers.filter((p): p is MessagePort => p !== null),
    });
    const shard: Shard = { worker, inFlight: 0 };
    worker.on('message', (m: FromShard) => {
      if (m.type === 'ack') {
        shard.inFlight--;
        pending.delete(m.id);
        onAck(m.id, m.spans);
      } else if (m.type === 'error') {
        const error = errorFromWorker(m.error, 'a trace worker failed');
        if (m.id === undefined) failure ??= error;
        else {
          shard.inFlight--;
          pending.delete(m.id);
          if (firstBad === undefined || m.id < firstBad.id) firstBad = { id: m.id, error };
        }
      } else {
        problems.mergeThread(m.problems);
        done.push({ index, states: m.states, stats: m.stats });
      }
      wake?.();
    });
    worker.on('error', (err) => {
      failure ??= new ObsError(`a trace worker failed: ${err.message}`, {
        code: 'OBS_INTERNAL',
        exit: ExitCode.failure,
        cause: err,
      });
      wake?.();
    });
    return shard;
  });

  const wait = () => new Promise<void>((r) => (wake = r));
  const check = () => {
    if (failure !== undefined) throw failure;
    if (firstBad === undefined) return;
    for (const id of pending) if (id < firstBad.id) return;
    throw firstBad.error;
  };
  let next = 0;
  const post: Post = async (m, transfer = []) => {
    check();
    // Round robin, waiting while the next worker is full; after a failed batch, only for the
    // batches before it (`check` throws then).
    let shard = shards[next % count]!;
    while (firstBad !== undefined || shard.inFlight >= inFlight) {
      await wait();
      check();
      shard = shards[next % count]!;
    }
    next++;
    shard.inFlight++;
    if (m.type !== 'end') pending.add(m.id);
    shard.worker.postMessage(m, transfer);
  };
  try {
    try {
      await feed(post, () => pending.size);
    } catch (err) {
      // This thread's own bad input (a document cut short) comes after every batch sent: a shard
      // may still report an earlier one.
      while (failure === undefined && pending.size > 0) await wait();
      if (firstBad !== undefined) throw firstBad.error;
      throw err;
    }
    for (const s of shards) s.worker.postMessage({ type: 'end' } satisfies ToShard);
    while (done.length < count) {
      check();
      await wait();
    }
    check();
  } finally {
    await Promise.all(shards.map((s) => s.worker.terminate()));
  }
  const states = new Map<ResultKey, unknown[]>();
  // In shard order, not the order they finished in: merged sums then round the same every run.
  done.sort((a, b) => a.index - b.index);
  for (const d of done) {
    for (const { key, state } of d.states) {
      const l = states.get(key) ?? [];
      l.push(state);
      states.set(key, l);
    }
  }
  return { stats: mergeSinkStats(done.map((d) => d.stats)), states };
}

/** Files read on this thread, parsed and analysed by `workers` shards, each its share of traces. */
export async function readSharded(
  files: readonly string[],
  analyses: { key: ResultKey; config: object }[],
  assembler: AssemblerOptions | undefined,
  workers: number,
  problems: Problems,
  summaries: SourceSummary[],
  opts: ReadOptions,
): Promise<ShardedResult> {
  // The source of each batch in flight, by batch id: a file given twice is two sources.
  const sourceOf = new Map<number, SourceSummary>();
  let total = 0;
  const label = opts.label ?? 'reading traces';
  const onAck = (id: number, spans: number) => {
    const s = sourceOf.get(id);
    sourceOf.delete(id);
    if (s !== undefined) s.spans += spans;
    total += spans;
    opts.onProgress?.({ label, done: total, unit: 'spans' });
  };
  const strict = opts.strict ?? false;
  return runShards(
    Math.max(1, workers),
    analyses,
    assembler,
    strict,
    problems,
    IN_FLIGHT,
    onAck,
    async (post) => {
      let id = 0;
      for await (const { summary, items } of traceItems(files, problems, summaries, strict)) {
        sourceOf.set(id, summary);
        await post({ type: 'items', id: id++, file: summary.file, items });
      }
    },
  );
}

/**
 * Files read and mostly parsed on this thread, their spans assembled and analysed in one worker:
 * the two halves of the work on two cores, spans crossing once as typed-array columns. Parsing
 * is most of the work, so this thread sets the pace; when the worker is about to run out of
 * spans, this thread hands it the next batch unparsed to parse itself (the worker takes batches
 * in order, so the spans reach the analyses in input order either way).
 */
export async function readBesideWorker(
  files: readonly string[],
  analyses: { key: ResultKey; config: object }[],
  assembler: AssemblerOptions | undefined,
  problems: Problems,
  summaries: SourceSummary[],
  opts: ReadOptions,
): Promise<ShardedResult> {
  const strict = opts.strict ?? false;
  const label = opts.label ?? 'reading traces';
  // The source of each batch handed over unparsed, by batch id.
  const sourceOf = new Map<number, SourceSummary>();
  let total = 0;
  const counted = (summary: SourceSummary, spans: number) => {
    summary.spans += spans;
    total += spans;
    opts.onProgress?.({ label, done: total, unit: 'spans' });
  };
  const onAck = (id: number, spans: number) => {
    const s = sourceOf.get(id);
    sourceOf.delete(id);
    if (s !== undefined) counted(s, spans);
  };
  return runShards(
    1,
    analyses,
    assembler,
    false,
    problems,
    SPAN_BATCHES_IN_FLIGHT,
    onAck,
    async (post, queued) => {
      let id = 0;
      for await (const { summary, items } of traceItems(files, problems, summaries, strict)) {
        // In strict mode every batch is parsed here, so the first bad line stops the run.
        if (!strict && queued() < HAND_OVER_BELOW) {
          sourceOf.set(id, summary);
          await post({ type: 'items', id: id++, file: summary.file, items });
          continue;
        }
        const batch = convertBatch(summary.file, items, problems, strict);
        counted(summary, batch.length);
        if (batch.length === 0) continue;
        const spans = packSpans(batch);
        await post({ type: 'spans', id: id++, spans }, packedBuffers(spans));
      }
    },
  );
}
