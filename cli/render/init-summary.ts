/**
 * The human summary of `obs init`: what was found, what was written, what to run next.
 */
import type { FileAction } from '../../core/writer.js';
import type { InitResult } from '../../init/pipeline.js';

const ACTIONS: readonly FileAction[] = ['created', 'updated', 'replaced', 'kept', 'unchanged'];

export function renderInit(r: InitResult): string {
  const out: string[] = [];
  const source = {
    scanned: `Scanned ${r.root}`,
    loaded: `Read ${r.model.file} (run with --rescan to scan the repository again)`,
    rescanned: `Scanned ${r.root} again and merged it into ${r.model.file}`,
  }[r.model.source];
  out.push(source, '');
  out.push(`System ${r.model.name}: ${r.model.services.length} service(s)`);
  for (const s of r.model.services) {
    const what = [
      s.language,
      s.framework,
      s.server && `under ${s.server}`,
      s.port && `port ${s.port}`,
    ]
      .filter(Boolean)
      .join(', ');
    const deps = s.dependencies.length > 0 ? ` -> ${s.dependencies.join(', ')}` : '';
    out.push(`  ${s.name}: ${what}${deps}`);
  }

  if (r.rescan) {
    const rs = r.rescan;
    const line = (label: string, items: string[]) =>
      items.length > 0 && out.push(`  ${label}: ${items.join(', ')}`);
    out.push('', 'Rescan:');
    line('added', rs.added);
    line('no longer found (kept; delete them from obs.yaml if they are gone)', rs.vanished);
    line('deleted by you (not re-added)', rs.removedByUser);
    line('updated from the scan', rs.updated);
    line('your edits kept', rs.keptEdits);
  }

  if (r.findings.length > 0) {
    out.push('', `Findings (${r.findings.length}):`);
    for (const f of r.findings) {
      const where = f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : '';
      out.push(`  ${f.level === 'warning' ? 'warning' : 'info'}: ${f.message}${where}`);
    }
  }

  out.push('', r.write.dryRun ? 'Would write:' : 'Files:');
  for (const action of ACTIONS) {
    const files = r.write.files.filter((f) => f.action === action);
    if (files.length === 0) continue;
    if (action === 'unchanged') {
      out.push(`  unchanged: ${files.length} file(s)`);
      continue;
    }
    for (const f of files)
      out.push(`  ${action}: ${f.path}${f.proposal ? ` (obs's version: ${f.proposal})` : ''}`);
  }
  for (const s of r.write.stale) out.push(`  no longer generated (left in place): ${s}`);
  if (r.write.dryRun) {
    for (const f of r.write.files) if (f.diff) out.push('', f.diff.trimEnd());
  }

  const notes = r.generators.flatMap((g) => g.notes);
  if (notes.length > 0) {
    out.push('', 'Lines to add:');
    for (const n of notes) out.push(`  ${n}`);
  }
  out.push('', 'Next:');
  r.next.forEach((n, i) => out.push(`  ${i + 1}. ${n}`));
  return out.join('\n');
}
