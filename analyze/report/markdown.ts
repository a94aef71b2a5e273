/** The report as Markdown, for pasting into an incident. */
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
import { markdownText as md } from './markdown-text.js';
import type { TraceReport } from './shape.js';

export function renderMarkdown(r: TraceReport): string {
  const out: string[] = ['## Trace analysis', ''];
  out.push(`- Traces: ${md(inputLine(r.input))}`);
  if (r.baseline !== undefined) out.push(`- Baseline: ${md(inputLine(r.baseline))}`);
  out.push('', '### Likely root causes', '');
  if (r.rootCauses.length === 0) out.push('None: nothing in the input points at a service.');
  const weak = weakEvidenceLine(r);
  if (weak !== undefined) out.push(`*${weak[0]!.toUpperCase()}${weak.slice(1)}.*`, '');
  for (const c of r.rootCauses) {
    out.push(`${c.rank}. **${md(c.service)}** (score ${c.score.toFixed(2)})`);
    for (const reason of c.reasons) out.push(`   - ${md(reason)}`);
  }
  out.push('', '### Services', '');
  out.push(
    `| ${SERVICE_HEADER.join(' | ')} |`,
    `|${SERVICE_HEADER.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  );
  for (const row of serviceRows(r)) out.push(`| ${row.map(md).join(' | ')} |`);
  const changes = changeLines(r, 15);
  if (changes.length > 0) {
    out.push('', '### Changes against the baseline', '', md(`${changeCounts(r)}:`), '');
    for (const c of changes) out.push(`- ${md(c)}`);
  }
  const slow = slowestLines(r, 3);
  if (slow.length > 0) {
    out.push('', '### Critical path of the slowest traces', '');
    for (const l of slow) out.push(`- ${md(l)}`);
  }
  const logs = logLines(r, 15);
  if (logs.length > 0) {
    out.push('', '### Logs', '');
    for (const l of logs) out.push(`- ${md(l)}`);
  }
  if (r.warnings.length > 0) {
    out.push('', '### Warnings', '');
    for (const w of r.warnings) out.push(`- ${md(w)}`);
  }
  return out.join('\n');
}
