/** The report as Markdown, for pasting into an incident. */
import type { TraceReport } from './shape.js';

export function renderMarkdown(r: TraceReport): string {
  const out: string[] = [];
  out.push('## Likely root causes', '');
  for (const c of r.rootCauses) {
    out.push(`${c.rank}. **${c.service}** (score ${c.score.toFixed(2)})`);
    for (const reason of c.reasons) out.push(`   - ${reason}`);
  }
  return out.join('\n');
}
