/** The terminal report: root causes first, then service health, then what changed. */
import type { TraceReport } from './shape.js';

export function renderText(r: TraceReport): string {
  const out: string[] = [];
  out.push(`Analysed ${r.input.spans} spans in ${r.input.traces} traces.`);
  out.push('');
  out.push('Likely root causes:');
  for (const c of r.rootCauses) {
    out.push(`  ${c.rank}. ${c.service}  score ${c.score.toFixed(2)}`);
    for (const reason of c.reasons) out.push(`       - ${reason}`);
  }
  if (r.rootCauses.length === 0) out.push('  none: no evidence of a fault');
  return out.join('\n');
}
