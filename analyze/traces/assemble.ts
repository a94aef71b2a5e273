/**
 * Streaming trace assembly: spans arrive in any order, spread over lines and files; they wait in
 * memory until their trace is complete, then the trace is handed on and forgotten. Memory is
 * bounded by the spans in flight, not by the input.
 *
 * A trace is complete at the end of input, when no span of it arrived for a while (`idleSpans`),
 * or when the spans in flight exceed the limit: the traces that started arriving first are handed
 * on first. Spans that arrive for a trace
 * already handed on form a partial trace of their own and are counted, so the report can say to
 * raise the limit.
 */
import type { Span } from './span.js';

export interface AssemblerOptions {
  /** Spans kept waiting for the rest of their trace. Default 1,000,000 (a few hundred MB). */
  maxSpansInFlight?: number;
  /** Spans in one trace; a larger trace is handed on in parts. Default 100,000. */
  maxSpansPerTrace?: number;
  /**
   * A trace that received no span while this many spans of input went by is complete. Default
   * 250,000: far more than the spread of a trace in exported batches, little memory.
   */
  idleSpans?: number;
}

export interface AssemblyStats {
  /** Traces handed on. */
  traces: number;
  /** Traces handed on before the end of input because of the in-flight limit. */
  flushedEarly: number;
  /** Spans that arrived after their trace had been handed on. */
  lateSpans: number;
  /** Traces that exceeded `maxSpansPerTrace` and were handed on in parts. */
  oversizedTraces: number;
}

export interface RawTrace {
  traceId: string;
  spans: Span[];
  /** Input position (spans seen so far) when the trace last received a span. */
  lastSeen: number;
  /** Not all of the trace: late spans, or a trace cut at the size limit. */
  partial: boolean;
}

/** How many handed-on trace ids are remembered to recognise late spans. */
const REMEMBERED_IDS = 200_000;

export class TraceAssembler {
  private readonly inFlight = new Map<string, RawTrace>();
  private spansInFlight = 0;
  private readonly done = new Set<string>();
  private readonly doneOrder: string[] = [];
  private doneHead = 0;
  private readonly maxInFlight: number;
  private readonly maxPerTrace: number;
  private readonly idle: number;
  private seen = 0;
  private nextSweep: number;
  /**
   * The trace of the previous span, while in flight: spans of one trace often come together,
   * and comparing the id with its id costs less than a lookup that hashes the id.
   */
  private last: RawTrace | undefined;
  readonly stats: AssemblyStats = { traces: 0, flushedEarly: 0, lateSpans: 0, oversizedTraces: 0 };

  constructor(
    private readonly onTrace: (t: RawTrace) => void,
    opts: AssemblerOptions = {},
  ) {
    this.maxInFlight = opts.maxSpansInFlight ?? 1_000_000;
    this.maxPerTrace = opts.maxSpansPerTrace ?? 100_000;
    this.idle = opts.idleSpans ?? 250_000;
    this.nextSweep = Math.max(1, Math.floor(this.idle / 10));
  }

  add(spans: readonly Span[]): void {
    for (const s of spans) {
      const prev = this.last;
      let t =
        prev !== undefined && prev.traceId === s.traceId ? prev : this.inFlight.get(s.traceId);
      if (t === undefined) {
        const late = this.done.has(s.traceId);
        t = { traceId: s.traceId, spans: [], lastSeen: 0, partial: late };
        this.inFlight.set(s.traceId, t);
      } else s.traceId = t.traceId; // one id string per trace in memory, not one per span
      t.lastSeen = ++this.seen;
      if (t.partial && this.done.has(s.traceId)) this.stats.lateSpans++;
      t.spans.push(s);
      this.spansInFlight++;
      this.last = t;
      if (t.spans.length >= this.maxPerTrace) {
        if (!t.partial) this.stats.oversizedTraces++;
        t.partial = true;
        this.flush(t);
      }
    }
    if (this.seen >= this.nextSweep) this.sweepIdle();
    if (this.spansInFlight > this.maxInFlight) {
      // Oldest first (Map order is first arrival) until well under the limit.
      const target = Math.floor(this.maxInFlight * 0.8);
      for (const t of this.inFlight.values()) {
        if (this.spansInFlight <= target) break;
        this.stats.flushedEarly++;
        this.flush(t);
      }
    }
  }

  /**
   * Hands on traces idle for `idleSpans`, oldest first; a few busy ones at the front do not stop
   * the sweep, many do (the rest are younger still).
   */
  private sweepIdle(): void {
    this.nextSweep = this.seen + Math.max(1, Math.floor(this.idle / 10));
    let busy = 0;
    for (const t of this.inFlight.values()) {
      if (this.seen - t.lastSeen >= this.idle) this.flush(t);
      else if (++busy > 1000) break;
    }
  }

  /** Hands on every trace still waiting. */
  finish(): void {
    for (const t of this.inFlight.values()) this.flush(t);
  }

  private flush(t: RawTrace): void {
    if (this.last === t) this.last = undefined;
    this.inFlight.delete(t.traceId);
    this.spansInFlight -= t.spans.length;
    this.remember(t.traceId);
    this.stats.traces++;
    this.onTrace(t);
  }

  private remember(id: string): void {
    if (this.done.has(id)) return;
    this.done.add(id);
    this.doneOrder.push(id);
    if (this.doneOrder.length - this.doneHead > REMEMBERED_IDS) {
      this.done.delete(this.doneOrder[this.doneHead]!);
      this.doneHead++;
      if (this.doneHead > REMEMBERED_IDS) {
        this.doneOrder.splice(0, this.doneHead);
        this.doneHead = 0;
      }
    }
  }
}
