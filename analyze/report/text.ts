/** The terminal report: root causes first, then service health, what changed, and warnings. */
import { table } from './format.js';
import {
  SERVICE_HEADER,
  changeCounts,
  changeLines,
  inputLine,
  logLines,
  serviceRows,
  slowestLines,
  weakEvidenceLine,
} from './sections.js';
import type { TraceReport } from './shape.js';

export function renderText(r: TraceReport): string {
  const out: string[] = [];
  out.push(`Traces: ${inputLine(r.input)}`);
  if (r.baseline !== undefined) out.push(`Baseline: ${inputLine(r.baseline)}`);
  out.push('', 'Likely root causes');
  if (r.rootCauses.length === 0) out.push('  none: nothing in the input points at a service');
  const weak = weakEvidenceLine(r);
  if (weak !== undefined) out.push(`  (${weak})`);
  for (const c of r.rootCauses) {
    out.push(`  ${String(c.rank).padStart(2)}. ${c.service}  (score ${c.score.toFixed(2)})`);
    for (const reason of c.reasons) out.push(`        - ${reason}`);
  }
  out.push('', 'Services');
  out.push(
    ...table([SERVICE_HEADER, ...serviceRows(r)], new Set([1, 2, 3, 4, 5, 6, 7])).map(
      (l) => `  ${l}`,
    ),
  );
  const changes = changeLines(r, 10);
  if (changes.length > 0) {
    out.push('', `Changes against the baseline (${changeCounts(r)})`);
    for (const c of changes) out.push(`  - ${c}`);
  }
  const slow = slowestLines(r, 3);
  if (slow.length > 0) {
    out.push('', 'Critical path of the slowest traces');
    for (const l of slow) out.push(`  - ${l}`);
  }
  const logs = logLines(r, 10);
  if (logs.length > 0) {
    out.push('', 'Logs');
    for (const l of logs) out.push(`  - ${l}`);
  }
  if (r.warnings.length > 0) {
    out.push('', 'Warnings');
    for (const w of r.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n');
}
