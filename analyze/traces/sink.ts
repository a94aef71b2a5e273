/**
 * Where spans go: assembled into traces, each trace built into a tree and handed to the
 * analyses, with the counts the input summary reports. The main thread has one; so does each
 * worker of the parallel reader, for its share of the traces.
 */
import type { AnalysisRun } from './analyses/analysis.js';
import type { AssemblerOptions, AssemblyStats } from './assemble.js';
import { TraceAssembler } from './assemble.js';
import type { Span } from './span.js';
import type { TraceIssues } from './trace.js';
import { buildTrace } from './trace.js';

export interface SinkStats {
  spans: number;
  partialTraces: number;
  /** First span start and last span end, epoch ms. */
  first: number;
  last: number;
  issues: TraceIssues;
  assembly: AssemblyStats;
}

export class TraceSink {
  private readonly assembler: TraceAssembler;
  private readonly adders: AnalysisRun<unknown>[];
  private spans = 0;
  private partial = 0;
  private first = Infinity;
  private last = -Infinity;
  private readonly issues: TraceIssues = {
    orphans: 0,
    duplicateIds: 0,
    cycles: 0,
    skewAdjusted: 0,
  };

  constructor(runs: readonly AnalysisRun<unknown>[], opts: AssemblerOptions | undefined) {
    this.adders = runs.filter((r) => r.add !== undefined);
    this.assembler = new TraceAssembler((raw) => {
      const t = buildTrace(raw.traceId, raw.spans, raw.partial);
      this.spans += t.spans.length;
      if (t.partial) this.partial++;
      for (const s of t.spans) {
        if (s.start < this.first) this.first = s.start;
        if (s.end > this.last) this.last = s.end;
      }
      this.issues.orphans += t.issues.orphans;
      this.issues.duplicateIds += t.issues.duplicateIds;
      this.issues.cycles += t.issues.cycles;
      this.issues.skewAdjusted += t.issues.skewAdjusted;
      for (const r of this.adders) r.add!(t);
    }, opts);
  }

  add(spans: readonly Span[]): void {
    this.assembler.add(spans);
  }

  finish(): void {
    this.assembler.finish();
  }

  stats(): SinkStats {
    return {
      spans: this.spans,
      partialTraces: this.partial,
      first: this.first,
      last: this.last,
      issues: { ...this.issues },
      assembly: { ...this.assembler.stats },
    };
  }
}

/** Sums the stats of the shards. */
export function mergeSinkStats(all: readonly SinkStats[]): SinkStats {
  const out: SinkStats = {
    spans: 0,
    partialTraces: 0,
    first: Infinity,
    last: -Infinity,
    issues: { orphans: 0, duplicateIds: 0, cycles: 0, skewAdjusted: 0 },
    assembly: { traces: 0, flushedEarly: 0, lateSpans: 0, oversizedTraces: 0 },
  };
  for (const s of all) {
    out.spans += s.spans;
    out.partialTraces += s.partialTraces;
    out.first = Math.min(out.first, s.first);
    out.last = Math.max(out.last, s.last);
    for (const k of Object.keys(out.issues) as (keyof TraceIssues)[]) out.issues[k] += s.issues[k];
    for (const k of Object.keys(out.assembly) as (keyof AssemblyStats)[])
      out.assembly[k] += s.assembly[k];
  }
  return out;
}
