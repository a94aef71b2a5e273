/**
 * Reads `--logs` and `--baseline-logs` into per-service tallies of lines, error lines and
 * templates, with one template miner over both so their templates compare.
 */
import { readLinesFrom } from '../../../core/lines.js';
import { ExitCode, ObsError } from '../../../core/errors.js';
import type { ProgressFn } from '../../../core/progress.js';
import { Problems } from '../readers/problems.js';
import { parseLogLine } from './records.js';
import { createSimpleMiner } from './templates.js';
import type { TemplateMiner } from './templates.js';

/** Per service and template: lines, error lines, and a few trace ids. */
export interface TemplateTally {
  lines: number;
  errors: number;
  traceIds: string[];
}

export interface ServiceLogs {
  lines: number;
  errors: number;
  /** Lines carrying a trace id. */
  withTrace: number;
  /** Template reference (see `LogEvidenceInput.templateOf`) -> tally. */
  templates: Map<number, TemplateTally>;
}

export interface LogSide {
  files: string[];
  lines: number;
  /** Service -> tally. Records without a service and without a span to find it by: `unknown`. */
  services: Map<string, ServiceLogs>;
  /** Records without a service but with a span id: resolved against the traces. */
  pending: { spanId: string; traceId: string | undefined; ref: number; error: boolean }[];
  problems: Problems;
}

export interface LogEvidenceInput {
  incident: LogSide;
  baseline: LogSide | undefined;
  templateOf(ref: number): { id: string; template: string };
}

export const UNKNOWN_SERVICE = 'unknown';
/** Trace ids kept per service and template. */
const EXAMPLES = 3;
/** Records waiting for their span's service, at most (beyond, they count as `unknown`). */
const MAX_PENDING = 1_000_000;

export function tally(
  side: LogSide,
  service: string,
  ref: number,
  error: boolean,
  traceId: string | undefined,
): void {
  let s = side.services.get(service);
  if (s === undefined) {
    s = { lines: 0, errors: 0, withTrace: 0, templates: new Map() };
    side.services.set(service, s);
  }
  s.lines++;
  if (error) s.errors++;
  if (traceId !== undefined) s.withTrace++;
  let t = s.templates.get(ref);
  if (t === undefined) {
    t = { lines: 0, errors: 0, traceIds: [] };
    s.templates.set(ref, t);
  }
  t.lines++;
  if (error) t.errors++;
  if (traceId !== undefined && t.traceIds.length < EXAMPLES && !t.traceIds.includes(traceId)) {
    t.traceIds.push(traceId);
  }
}

async function readSide(
  files: readonly string[],
  miner: TemplateMiner,
  opts: { strict?: boolean; onProgress?: ProgressFn },
): Promise<LogSide> {
  const side: LogSide = {
    files: [...files],
    lines: 0,
    services: new Map(),
    pending: [],
    problems: new Problems(),
  };
  for await (const batch of readLinesFrom(files)) {
    for (let i = 0; i < batch.lines.length; i++) {
      const records = parseLogLine(batch.lines[i]!);
      side.lines++;
      if (records === undefined) {
        const line = batch.firstLine + i;
        if (opts.strict) {
          throw new ObsError('malformed JSON log line (--strict stops at the first bad input)', {
            code: 'OBS_BAD_INPUT',
            exit: ExitCode.dataError,
            file: batch.source,
            line,
          });
        }
        side.problems.add('malformedJson', batch.source, line, 'malformed JSON log line');
        continue;
      }
      for (const r of records) {
        const ref = miner.add(r.message);
        if (
          r.service === undefined &&
          r.spanId !== undefined &&
          side.pending.length < MAX_PENDING
        ) {
          side.pending.push({ spanId: r.spanId, traceId: r.traceId, ref, error: r.error });
        } else {
          tally(side, r.service ?? UNKNOWN_SERVICE, ref, r.error, r.traceId);
        }
      }
    }
    opts.onProgress?.({ label: 'reading logs', done: side.lines, unit: 'lines' });
  }
  return side;
}

/** Reads both sides with one miner; the incident's pending records wait for the traces. */
export async function readLogEvidenceInput(
  logs: readonly string[],
  baseline: readonly string[] | undefined,
  opts: { strict?: boolean; onProgress?: ProgressFn; miner?: TemplateMiner } = {},
): Promise<LogEvidenceInput> {
  const miner = opts.miner ?? createSimpleMiner();
  const base = baseline === undefined ? undefined : await readSide(baseline, miner, opts);
  const incident = await readSide(logs, miner, opts);
  miner.finish();
  if (base !== undefined) {
    // The baseline's traces are not kept: its pending records cannot be resolved.
    for (const p of base.pending) tally(base, UNKNOWN_SERVICE, p.ref, p.error, p.traceId);
    base.pending = [];
  }
  return { incident, baseline: base, templateOf: (ref) => miner.templateOf(ref) };
}
