/**
 * Small normalizations shared by the OTLP, Jaeger and Zipkin converters, so that the same trace
 * read from any of them yields the same ids and times.
 */
import type { SpanKind } from '../span.js';
import { GRPC_STATUS, SPAN_KINDS } from '../span.js';

const LOWER_HEX = /^[0-9a-f]+$/;
const ANY_HEX = /^[0-9a-fA-F]+$/;
const ZERO_ID = /^0+$/;

/** An id of zeros only, which means "none" in every format (and in log records). */
export const isZeroId = (raw: string): boolean => ZERO_ID.test(raw);

/**
 * Lower-case hex, left-padded to `width` (Jaeger drops leading zeros; 64-bit trace ids become
 * 128-bit ones the way OTLP writes them). Base64 ids (the protobuf JSON mapping some exporters
 * use) are decoded. All-zero ids mean "none".
 */
export function normalizeId(raw: unknown, width: 16 | 32): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0) return undefined;
  // Fast path, three times per span: lower-case hex, checked by hand (a regex test costs more).
  let zero = true;
  let i = 0;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 48) continue;
    if ((c > 48 && c <= 57) || (c >= 97 && c <= 102)) zero = false;
    else break;
  }
  if (i === raw.length) {
    if (zero) return undefined;
    return raw.length < width ? raw.padStart(width, '0') : raw;
  }
  let hex: string;
  if (LOWER_HEX.test(raw)) hex = raw;
  else if (ANY_HEX.test(raw)) hex = raw.toLowerCase();
  else {
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.length !== 8 && bytes.length !== 16) return undefined;
    hex = bytes.toString('hex');
  }
  if (isZeroId(hex)) return undefined;
  return hex.length < width ? hex.padStart(width, '0') : hex;
}

/**
 * Epoch nanoseconds (OTLP writes them as 19-digit strings) to fractional milliseconds. Digits are
 * read by hand: Number() on strings beyond 2^53 takes the slow exact path, and this is done twice
 * per span.
 */
export function nanosToMs(raw: unknown): number {
  if (typeof raw === 'string') {
    const n = raw.length;
    if (n > 6 && n <= 22) {
      let hi = 0;
      let lo = 0;
      const cut = n - 6;
      for (let i = 0; i < n; i++) {
        const d = raw.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return toNumber(raw) / 1e6;
        if (i < cut) hi = hi * 10 + d;
        else lo = lo * 10 + d;
      }
      return hi + lo / 1e6;
    }
  }
  return toNumber(raw) / 1e6;
}

/** A number from a JSON number or numeric string (OTLP writes 64-bit ints as strings). */
export function toNumber(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.length > 0) return Number(raw);
  return NaN;
}

/** OTLP kind as an integer (1..5) or an enum name (`SPAN_KIND_SERVER`). */
export function otlpKind(raw: unknown): SpanKind {
  if (typeof raw === 'number') return SPAN_KINDS[raw] ?? 'unspecified';
  if (typeof raw === 'string') return kindFromName(raw.replace(/^SPAN_KIND_/, ''));
  return 'unspecified';
}

/** Kind from a name as Jaeger (`span.kind` tag) and Zipkin (`kind`) write it. */
export function kindFromName(raw: string): SpanKind {
  switch (raw.toLowerCase()) {
    case 'server':
      return 'server';
    case 'client':
      return 'client';
    case 'producer':
      return 'producer';
    case 'consumer':
      return 'consumer';
    case 'internal':
      return 'internal';
    default:
      return 'unspecified';
  }
}

/** The HTTP status attribute names, current and older semantic conventions. */
export const HTTP_STATUS_KEYS: ReadonlySet<string> = new Set([
  'http.response.status_code',
  'http.status_code',
]);

/** The gRPC status attribute of OpenTelemetry's RPC conventions. */
export const GRPC_STATUS_KEY = 'rpc.grpc.status_code';
/** The tag Brave's gRPC instrumentation writes in Zipkin spans (the code's name, on failure). */
export const BRAVE_GRPC_STATUS_KEY = 'grpc.status_code';

const GRPC_CODES: ReadonlyMap<string, number> = new Map(Object.entries(GRPC_STATUS));

/**
 * A gRPC status code from a tag or attribute value: a number, a numeric string (OTLP ints and
 * Zipkin tags arrive as strings) or the code's name; undefined when it is none of 0..16.
 */
export function grpcCode(raw: unknown): number | undefined {
  const n = toNumber(raw);
  if (Number.isInteger(n)) return n >= 0 && n < GRPC_CODES.size ? n : undefined;
  return typeof raw === 'string' ? GRPC_CODES.get(raw.toUpperCase()) : undefined;
}

/** True for the ways a tag value says "yes". */
export function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 'TRUE' || v === 'True' || v === 1 || v === '1';
}

/**
 * Attributes (OTLP) and tags (Jaeger, Zipkin) that name the other side of a call, best first:
 * the logical service, then the host, in current and older semantic conventions, then the URL.
 */
export const PEER_KEYS: readonly string[] = [
  'peer.service',
  'server.address',
  'net.peer.name',
  'db.system',
  'messaging.system',
  'url.full',
  'http.url',
];
const PEER_RANK: ReadonlyMap<string, number> = new Map(PEER_KEYS.map((k, i) => [k, i]));

/** The best peer a span's tags have named so far, and the rank of its key in `PEER_KEYS`. */
export interface PeerChoice {
  peer: string | undefined;
  rank: number;
}

export const noPeer = (): PeerChoice => ({ peer: undefined, rank: PEER_KEYS.length });

/** Takes the value of tag `key` as the peer when it names one, by a better key than `c` has. */
export function offerPeer(c: PeerChoice, key: string, value: unknown): void {
  const rank = PEER_RANK.get(key);
  if (rank === undefined || rank >= c.rank) return;
  const peer = peerOf(key, value);
  if (peer === undefined) return;
  c.peer = peer;
  c.rank = rank;
}

/** The peer a tag names: the host of a URL, the value itself otherwise; undefined if none. */
function peerOf(key: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  if (key !== 'url.full' && key !== 'http.url') return value;
  try {
    return new URL(value).hostname || undefined;
  } catch {
    return undefined;
  }
}
