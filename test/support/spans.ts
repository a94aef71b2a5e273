/** Hand-built spans and traces for the analysis tests: times in ms from a fixed epoch. */
import type { Span } from '../../analyze/traces/span.js';
import { buildTrace } from '../../analyze/traces/trace.js';
import type { Trace } from '../../analyze/traces/trace.js';

/** 2023-11-14T22:13:20Z, a believable time for spans. */
export const T0 = 1_700_000_000_000;

export interface SpanSpec {
  id: string;
  parent?: string;
  service: string;
  name?: string;
  /** ms after T0 */
  start: number;
  end: number;
  kind?: Span['kind'];
  error?: boolean;
  trace?: string;
  peer?: string;
  /** Zipkin's shared flag. */
  shared?: boolean;
}

export function span(s: SpanSpec): Span {
  return {
    traceId: s.trace ?? 'trace1',
    spanId: s.id,
    parentId: s.parent,
    service: s.service,
    name: s.name ?? s.id,
    start: T0 + s.start,
    end: T0 + s.end,
    kind: s.kind ?? 'unspecified',
    error: s.error ?? false,
    httpStatus: undefined,
    grpcStatus: undefined,
    peer: s.peer,
    shared: s.shared ?? false,
  };
}

export function traceOf(specs: SpanSpec[], id = 'trace1'): Trace {
  return buildTrace(
    id,
    specs.map((s) => span({ ...s, trace: id })),
  );
}

/** Index of a span in a built trace, by id. */
export function at(t: Trace, id: string): number {
  const i = t.spans.findIndex((s) => s.spanId === id);
  if (i < 0) throw new Error(`no span ${id}`);
  return i;
}
