/**
 * Reading the Collector's trace archive (stack.traceArchive: OTLP JSON, one export request per
 * line) in tests, and cutting it into a baseline and an incident sample by the time a fault was
 * switched on.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createGzip } from 'node:zlib';

interface KeyValue {
  key: string;
  value: { stringValue?: string };
}

interface OtlpSpan {
  traceId: string;
  startTimeUnixNano: string;
  status?: { code?: number };
}

interface ExportRequest {
  resourceSpans: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans: { scope?: unknown; spans: OtlpSpan[] }[];
  }[];
}

export interface ArchivedService {
  spans: number;
  /** Spans with status ERROR (code 2). */
  errors: number;
  traces: Set<string>;
}

async function* requests(file: string): AsyncGenerator<ExportRequest> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== '') yield JSON.parse(line) as ExportRequest;
}

const serviceOf = (r: ExportRequest['resourceSpans'][number]) =>
  r.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';

/** Spans, error spans and traces per service in an archive file. */
export async function readArchive(file: string): Promise<Map<string, ArchivedService>> {
  const out = new Map<string, ArchivedService>();
  for await (const req of requests(file)) {
    for (const r of req.resourceSpans) {
      const name = serviceOf(r);
      const s = out.get(name) ?? { spans: 0, errors: 0, traces: new Set<string>() };
      for (const scope of r.scopeSpans) {
        for (const span of scope.spans) {
          s.spans++;
          if (span.status?.code === 2) s.errors++;
          s.traces.add(span.traceId);
        }
      }
      out.set(name, s);
    }
  }
  return out;
}

export interface Cut {
  /** Traces that started in [from, to) (ms since the epoch) go to `file`, gzipped. */
  from: number;
  to: number;
  file: string;
}

/**
 * Writes the traces of each time window to its own gzipped OTLP JSON lines file. A trace belongs
 * to the window its earliest span starts in, so no trace is split between files. Resource
 * attributes named in `drop` (e.g. host.id, the machine's id) are left out.
 */
export async function cutArchive(
  file: string,
  cuts: readonly Cut[],
  drop: readonly string[] = [],
): Promise<number[]> {
  const startOf = new Map<string, number>();
  for await (const req of requests(file)) {
    for (const r of req.resourceSpans) {
      for (const scope of r.scopeSpans) {
        for (const span of scope.spans) {
          const ms = Number(BigInt(span.startTimeUnixNano) / 1_000_000n);
          const seen = startOf.get(span.traceId);
          if (seen === undefined || ms < seen) startOf.set(span.traceId, ms);
        }
      }
    }
  }
  const outs = cuts.map((c) => {
    const gzip = createGzip({ level: 9 });
    const done = once(gzip.pipe(createWriteStream(c.file)), 'finish');
    return { cut: c, gzip, done, traces: new Set<string>() };
  });
  for await (const req of requests(file)) {
    for (const out of outs) {
      const kept: ExportRequest = { resourceSpans: [] };
      for (const r of req.resourceSpans) {
        const scopeSpans = r.scopeSpans
          .map((scope) => ({
            ...scope,
            spans: scope.spans.filter((span) => {
              const t = startOf.get(span.traceId)!;
              return t >= out.cut.from && t < out.cut.to;
            }),
          }))
          .filter((scope) => scope.spans.length > 0);
        if (scopeSpans.length === 0) continue;
        const attributes = r.resource?.attributes?.filter((a) => !drop.includes(a.key));
        kept.resourceSpans.push({ ...r, resource: { ...r.resource, attributes }, scopeSpans });
      }
      if (kept.resourceSpans.length === 0) continue;
      for (const r of kept.resourceSpans)
        for (const s of r.scopeSpans) for (const span of s.spans) out.traces.add(span.traceId);
      if (!out.gzip.write(`${JSON.stringify(kept)}\n`)) await once(out.gzip, 'drain');
    }
  }
  for (const out of outs) out.gzip.end();
  await Promise.all(outs.map((o) => o.done));
  return outs.map((o) => o.traces.size);
}
