/** Messages between the main thread and the shard workers (see shards.ts). */
import type { ResultKey } from '../analyses/analysis.js';
import type { AssemblerOptions } from '../assemble.js';
import type { PackedSpans } from '../readers/convert-items.js';
import type { JsonItem } from '../readers/json-items.js';
import type { ProblemSummary } from '../readers/problems.js';
import type { SinkStats } from '../sink.js';
import type { MessagePort } from 'node:worker_threads';
import type { WorkerError } from '../../../core/errors.js';

export interface ShardInit {
  index: number;
  count: number;
  analyses: { key: ResultKey; config: object }[];
  assembler: AssemblerOptions;
  strict: boolean;
  /** A port to every other shard, by shard index (null at the shard's own index). */
  peers: (MessagePort | null)[];
}

export type ToShard =
  | { type: 'items'; id: number; file: string; items: JsonItem[] }
  /** Spans parsed by the sender (analyse-in-worker: one shard, see shards.ts). */
  | { type: 'spans'; id: number; spans: PackedSpans }
  | { type: 'end' };

export type FromShard =
  | { type: 'ack'; id: number; file: string; spans: number }
  | {
      type: 'error';
      error: WorkerError;
      /** The batch the error stopped (answered by it instead of an ack), when it came from one. */
      id?: number;
    }
  | {
      type: 'done';
      states: { key: ResultKey; state: unknown }[];
      stats: SinkStats;
      problems: ProblemSummary;
    };

export type PeerMessage = { type: 'spans'; spans: PackedSpans } | { type: 'eos' };

/** The shard of a trace: its id's last hex digits, so shards get even shares of random ids. */
export function shardOf(traceId: string, count: number): number {
  return parseInt(traceId.slice(-7), 16) % count;
}
