/**
 * The span model every reader produces and every analysis reads: one shape for OTLP, Jaeger and
 * Zipkin, holding only what the analyses use so that many spans fit in memory at once.
 */

/** OTLP span kinds by name; `unspecified` when the source does not say. */
export type SpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** The kinds in OTLP's numbering (0..5). */
export const SPAN_KINDS: readonly SpanKind[] = [
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];

export interface Span {
  traceId: string;
  spanId: string;
  /** Absent for a root span. A parent that is not in the trace makes the span an orphan. */
  parentId: string | undefined;
  service: string;
  /** The operation name. */
  name: string;
  /** Epoch milliseconds (fractional: sub-microsecond precision survives). */
  start: number;
  /** Epoch milliseconds, `>= start` (readers clamp and count negative durations). */
  end: number;
  kind: SpanKind;
  /**
   * The span says it failed: OTLP status ERROR, Jaeger/Zipkin `error` tag or
   * `otel.status_code=ERROR`, HTTP 5xx on a server span, 4xx/5xx on a client span, a gRPC
   * status that `grpcIsError` counts.
   */
  error: boolean;
  /** HTTP status code when the span carries one. */
  httpStatus: number | undefined;
  /** gRPC status code (`rpc.grpc.status_code`, 0..16) when the span carries one. */
  grpcStatus: number | undefined;
  /**
   * For a call out (client or producer span): the other side as the span names it
   * (`peer.service`, `server.address`, `net.peer.name`, the URL's host; Zipkin's remote
   * endpoint). It names a dependency that sends no spans of its own.
   */
  peer: string | undefined;
  /**
   * Zipkin's `shared` flag: the span joins a span started by the other side of the call (B3's
   * shared span id; the server reuses the client's id). False when the input does not say.
   */
  shared: boolean;
}

/** Where a span came from, for messages about bad data. */
export interface SpanOrigin {
  file: string;
  line: number;
}

/** A problem with one span or line that was skipped or repaired, not thrown. */
export interface InputProblem extends SpanOrigin {
  problem: string;
}

/** Earliest and latest believable span times: outside them a time is a unit or clock mistake. */
export const TIME_BOUNDS = {
  /** 2000-01-01T00:00:00Z in epoch ms. */
  minEpochMs: 946_684_800_000,
  /** 2100-01-01T00:00:00Z in epoch ms. */
  maxEpochMs: 4_102_444_800_000,
  /** Longest believable span: one day, in ms. */
  maxDurationMs: 86_400_000,
} as const;

/** Why a span's times are unusable, or undefined when they are fine. */
export function absurdTime(start: number, end: number): string | undefined {
  if (!Number.isFinite(start) || !Number.isFinite(end)) return 'start or end time is missing';
  if (start < TIME_BOUNDS.minEpochMs || start > TIME_BOUNDS.maxEpochMs) {
    // As a date when it is one (year 3000), else as the number read (nanoseconds taken as ms).
    const when = Math.abs(start) <= 8.64e15 ? new Date(start).toISOString() : `${start} ms`;
    return `start time ${when} is not between 2000 and 2100 (wrong unit?)`;
  }
  if (end - start > TIME_BOUNDS.maxDurationMs) {
    return `duration ${Math.round((end - start) / 1000)} s is longer than a day`;
  }
  return undefined;
}

/** HTTP status semantics from the OpenTelemetry conventions: server 5xx, client 4xx and 5xx. */
export function httpIsError(status: number | undefined, kind: SpanKind): boolean {
  if (status === undefined) return false;
  if (kind === 'client' || kind === 'producer') return status >= 400;
  return status >= 500;
}

/** The 17 gRPC status codes by name, as `rpc.grpc.status_code` numbers them (0 .. 16). */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/**
 * The codes a server reports as its own failure (OpenTelemetry's gRPC conventions): the rest
 * (NOT_FOUND, INVALID_ARGUMENT, ...) are answers about the request, not errors of the server.
 */
const GRPC_SERVER_ERRORS: ReadonlySet<number> = new Set([
  GRPC_STATUS.UNKNOWN,
  GRPC_STATUS.DEADLINE_EXCEEDED,
  GRPC_STATUS.UNIMPLEMENTED,
  GRPC_STATUS.INTERNAL,
  GRPC_STATUS.UNAVAILABLE,
  GRPC_STATUS.DATA_LOSS,
]);

/** gRPC status semantics from the OpenTelemetry conventions: a client fails on any non-OK code. */
export function grpcIsError(status: number | undefined, kind: SpanKind): boolean {
  if (status === undefined) return false;
  if (kind === 'client' || kind === 'producer') return status !== GRPC_STATUS.OK;
  return GRPC_SERVER_ERRORS.has(status);
}
