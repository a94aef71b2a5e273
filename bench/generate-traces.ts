/**
 * Synthetic OTLP JSON lines for the benchmark: a microservice call tree per request, spans
 * exported in batches per service the way a Collector's file exporter writes them, so a trace's
 * spans are spread over neighbouring lines. Deterministic for a seed.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const SERVICES = [
  'frontend',
  'cart',
  'catalog',
  'checkout',
  'currency',
  'payment',
  'shipping',
  'email',
  'ads',
  'recommendation',
];
const OPS = [
  'GET /',
  'GET /product/{id}',
  'POST /cart',
  'POST /checkout',
  'Convert',
  'Charge',
  'GetQuote',
  'ShipOrder',
  'GetAds',
  'ListRecommendations',
  'SELECT items',
  'redis GET',
];

/** Mulberry32: small, fast, good enough for shapes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (r: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += ((r() * 16) | 0).toString(16);
  return s;
};

interface GenSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { intValue: string } }[];
  status: { code?: number };
}

/** Writes `total` spans to `file`; resolves to the number of traces. */
export async function generateOtlp(
  file: string,
  total: number,
  seed = 42,
  batch = 1000,
): Promise<number> {
  const r = rng(seed);
  const out = createWriteStream(file);
  const buffers = new Map<string, GenSpan[]>(SERVICES.map((s) => [s, []]));
  let buffered = 0;
  let written = 0;
  let traces = 0;
  let clock = 1_700_000_000_000_000; // µs
  const flush = async () => {
    const doc = {
      resourceSpans: [...buffers]
        .filter(([, spans]) => spans.length > 0)
        .map(([service, spans]) => ({
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [{ scope: { name: 'bench' }, spans }],
        })),
    };
    const line = JSON.stringify(doc) + '\n';
    for (const b of buffers.values()) b.length = 0;
    buffered = 0;
    if (!out.write(line)) await once(out, 'drain');
  };
  while (written < total) {
    traces++;
    const traceId = hex(r, 32);
    clock += Math.floor(r() * 2000);
    const size = Math.min(total - written, 5 + Math.floor(r() * 50));
    // A random tree: each span picks an earlier span as its parent; a new service means a call.
    const spans: { id: string; parent: number; service: string; start: number; end: number }[] = [];
    for (let i = 0; i < size; i++) {
      const parent = i === 0 ? -1 : Math.floor(r() * i);
      const service =
        i === 0
          ? 'frontend'
          : r() < 0.5
            ? spans[parent]!.service
            : SERVICES[1 + Math.floor(r() * (SERVICES.length - 1))]!;
      spans.push({ id: hex(r, 16), parent, service, start: 0, end: 0 });
    }
    // Times: children inside their parent.
    spans[0]!.start = clock;
    spans[0]!.end = clock + 5_000 + Math.floor(r() * 200_000);
    for (let i = 1; i < size; i++) {
      const p = spans[spans[i]!.parent]!;
      const len = p.end - p.start;
      const s = p.start + Math.floor(r() * len * 0.5);
      spans[i]!.start = s;
      spans[i]!.end = s + Math.max(1, Math.floor(r() * (p.end - s)));
    }
    for (const s of spans) {
      const failed = r() < 0.01;
      buffers.get(s.service)!.push({
        traceId,
        spanId: s.id,
        parentSpanId: s.parent < 0 ? '' : spans[s.parent]!.id,
        name: OPS[Math.floor(r() * OPS.length)]!,
        kind: s.parent < 0 || spans[s.parent]!.service !== s.service ? 2 : 1,
        startTimeUnixNano: `${s.start}000`,
        endTimeUnixNano: `${s.end}000`,
        attributes: [
          { key: 'http.response.status_code', value: { intValue: failed ? '503' : '200' } },
        ],
        status: failed ? { code: 2 } : {},
      });
      buffered++;
      written++;
      if (buffered >= batch) await flush();
    }
  }
  if (buffered > 0) await flush();
  out.end();
  await once(out, 'finish');
  return traces;
}
