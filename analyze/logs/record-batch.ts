/**
 * Records in columns, to send a batch of them from a reader worker (reader-worker.ts) to the
 * analyzing thread in one message: numbers in typed arrays (moved, not copied), the messages in
 * one string, other strings once each in a table. `BatchWriter` fills a batch from a `RecordSink`;
 * `replayBatch` gives its records, in order, to another sink.
 */
import type { RecordSink } from './reader.js';
import type { LogRecord } from './records.js';

export interface RecordBatch {
  count: number;
  /** Lines read since the last batch (for progress). */
  read: number;
  lines: Int32Array;
  /** `FIRST`: the first record of its line; `TIMED`: `times` holds its timestamp. */
  flags: Uint8Array;
  shapes: Int32Array;
  times: Float64Array;
  /** Indexes into `strings`; -1: absent. */
  levels: Int32Array;
  services: Int32Array;
  traceIds: Int32Array;
  spanIds: Int32Array;
  strings: string[];
  /** The messages one after the other; `ends[i]` is where record i's ends. */
  contents: string;
  ends: Int32Array;
}

const NONE = -1;
const FIRST = 1;
const TIMED = 2;

export class BatchWriter implements RecordSink {
  private capacity = 0;
  private b!: Omit<RecordBatch, 'contents' | 'strings' | 'count' | 'read'>;
  private count = 0;
  private read_ = 0;
  private length = 0;
  private parts: string[] = [];
  private strings: string[] = [];
  private index = new Map<string, number>();

  constructor(private readonly initial = 8192) {
    this.allocate(initial);
  }

  private allocate(capacity: number): void {
    const old = this.b as typeof this.b | undefined;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(
      a: T | undefined,
      make: (n: number) => T,
    ): T => {
      const next = make(capacity);
      if (a !== undefined) next.set(a.subarray(0, this.count));
      return next;
    };
    this.b = {
      lines: grow(old?.lines, (n) => new Int32Array(n)),
      flags: grow(old?.flags, (n) => new Uint8Array(n)),
      shapes: grow(old?.shapes, (n) => new Int32Array(n)),
      times: grow(old?.times, (n) => new Float64Array(n)),
      levels: grow(old?.levels, (n) => new Int32Array(n)),
      services: grow(old?.services, (n) => new Int32Array(n)),
      traceIds: grow(old?.traceIds, (n) => new Int32Array(n)),
      spanIds: grow(old?.spanIds, (n) => new Int32Array(n)),
      ends: grow(old?.ends, (n) => new Int32Array(n)),
    };
    this.capacity = capacity;
  }

  private string(s: string | undefined): number {
    if (s === undefined) return NONE;
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  record(r: LogRecord, no: number, first: boolean, shape: number): void {
    if (this.count === this.capacity) this.allocate(this.capacity * 2);
    const i = this.count++;
    const b = this.b;
    b.lines[i] = no;
    b.flags[i] = (first ? FIRST : 0) | (r.timestamp !== undefined ? TIMED : 0);
    b.shapes[i] = shape;
    b.times[i] = r.timestamp ?? 0;
    b.levels[i] = this.string(r.level);
    b.services[i] = this.string(r.service);
    b.traceIds[i] = this.string(r.traceId);
    b.spanIds[i] = this.string(r.spanId);
    this.parts.push(r.content);
    this.length += r.content.length;
    b.ends[i] = this.length;
  }

  read(n: number): void {
    this.read_ += n;
  }

  get empty(): boolean {
    return this.count === 0 && this.read_ === 0;
  }

  /** The batch so far, and a fresh one begun; its buffers go in the message's transfer list. */
  take(): { batch: RecordBatch; transfer: ArrayBuffer[] } {
    const n = this.count;
    const b = this.b;
    const batch: RecordBatch = {
      count: n,
      read: this.read_,
      lines: b.lines.slice(0, n),
      flags: b.flags.slice(0, n),
      shapes: b.shapes.slice(0, n),
      times: b.times.slice(0, n),
      levels: b.levels.slice(0, n),
      services: b.services.slice(0, n),
      traceIds: b.traceIds.slice(0, n),
      spanIds: b.spanIds.slice(0, n),
      strings: this.strings,
      contents: this.parts.join(''),
      ends: b.ends.slice(0, n),
    };
    this.count = 0;
    this.read_ = 0;
    this.length = 0;
    this.parts = [];
    this.strings = [];
    this.index = new Map();
    const transfer = [
      batch.lines,
      batch.flags,
      batch.shapes,
      batch.times,
      batch.levels,
      batch.services,
      batch.traceIds,
      batch.spanIds,
      batch.ends,
    ].map((a) => a.buffer as ArrayBuffer);
    return { batch, transfer };
  }
}

/** Gives the records of a batch to `sink`, in order, as the reader gave them. */
export function replayBatch(batch: RecordBatch, sink: RecordSink): void {
  const { strings } = batch;
  let start = 0;
  for (let i = 0; i < batch.count; i++) {
    const end = batch.ends[i]!;
    const r: LogRecord = {
      service: strings[batch.services[i]!]!,
      content: batch.contents.slice(start, end),
    };
    start = end;
    const level = batch.levels[i]!;
    if (level !== NONE) r.level = strings[level];
    const flags = batch.flags[i]!;
    if (flags & TIMED) r.timestamp = batch.times[i];
    const trace = batch.traceIds[i]!;
    if (trace !== NONE) r.traceId = strings[trace];
    const span = batch.spanIds[i]!;
    if (span !== NONE) r.spanId = strings[span];
    sink.record(r, batch.lines[i]!, (flags & FIRST) !== 0, batch.shapes[i]!);
  }
  if (batch.read > 0) void sink.read(batch.read);
}
