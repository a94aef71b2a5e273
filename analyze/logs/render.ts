/**
 * Human renderings of a `LogReport`: a terminal report and Markdown. Both are strings; the command
 * prints them.
 */
import { markdownText as md } from '../report/markdown-text.js';
import type { ExceptionCount, LogReport, PatternChange, ServicePattern } from './report-types.js';

export interface RenderOptions {
  /** Patterns listed in the overall top list. Default 15. */
  topPatterns?: number;
}

const pct = (n: number, d: number) =>
  d === 0 ? '0%' : `${((100 * n) / d).toFixed(n * 1000 < d ? 2 : 1)}%`;
const clip = (s: string, n = 110) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const ratio = (c: PatternChange) => (c.ratio === null ? 'new' : `x${c.ratio.toFixed(1)}`);
/** `ValueError: card declined (12); KeyError (1)`: the first in full, as it says the most. */
const exceptionsText = (list: readonly ExceptionCount[]) =>
  list.map((e, i) => `${i === 0 ? clip(e.example, 90) : e.type} (${e.count})`).join('; ');
const joinedText = (n: number) => (n > 0 ? `, ${n} joined to their records (stack traces)` : '');

function skippedText(r: LogReport): string[] {
  const out: string[] = [];
  for (const i of r.inputs) {
    const bits: string[] = [];
    if (i.skipped.empty) bits.push(`${i.skipped.empty} empty`);
    if (i.skipped.binary) bits.push(`${i.skipped.binary} binary`);
    if (i.skipped.noRecords) bits.push(`${i.skipped.noRecords} without records`);
    if (i.malformedJson) bits.push(`${i.malformedJson} malformed JSON (mined as text)`);
    if (i.invalidUtf8Lines) bits.push(`${i.invalidUtf8Lines} with invalid UTF-8`);
    if (i.truncatedLines) bits.push(`${i.truncatedLines} over 1 MiB (cut)`);
    if (i.longMessages) bits.push(`${i.longMessages} long messages mined on their start`);
    if (i.records > 0 && i.headerMismatch * 2 > i.records) {
      // A few are stack traces and continuations; most means the format is not this file's.
      bits.unshift(
        `${i.headerMismatch} of ${i.records} records do not match the header (${i.header}): mined whole, without their time and level`,
      );
    }
    if (i.lines > 0 && i.skipped.binary * 2 > i.lines) {
      bits.unshift('mostly binary data: is this a log file?');
    }
    if (bits.length > 0) {
      const first = i.problems[0];
      out.push(
        `${i.file}: ${bits.join(', ')}${first ? ` (first: line ${first.line}, ${first.problem})` : ''}`,
      );
    }
  }
  return out;
}

export function renderText(r: LogReport, opts: RenderOptions = {}): string {
  const top = opts.topPatterns ?? 15;
  const lines: string[] = [];
  const t = r.totals;
  lines.push(
    `${t.lines} lines, ${t.records} records, ${t.patterns} patterns` +
      (t.firstSeen ? `, ${t.firstSeen} .. ${t.lastSeen}` : ''),
  );
  for (const i of r.inputs) {
    const kinds = Object.entries(i.kinds)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    lines.push(
      `  ${i.role === 'baseline' ? 'baseline ' : ''}${i.file}: ${i.lines} lines (${kinds || 'none'})${joinedText(i.joinedLines)}, header: ${i.header}`,
    );
  }
  const skipped = skippedText(r);
  if (skipped.length > 0) {
    lines.push('', 'Skipped or changed input:');
    for (const s of skipped) lines.push(`  ${s}`);
  }
  if (r.warnings.length > 0) lines.push('', 'Warnings:', ...r.warnings.map((w) => `  - ${w}`));
  const under = (p: { traceIds: string[]; exceptions: ExceptionCount[] }) =>
    (p.exceptions.length ? `\n             raised: ${exceptionsText(p.exceptions)}` : '') +
    (p.traceIds.length ? `\n             traces: ${p.traceIds.slice(0, 3).join(' ')}` : '');
  const svcPattern = (p: ServicePattern) =>
    `    ${String(p.count).padStart(7)}  ${p.id}  ${clip(p.template)}` + under(p);
  for (const s of r.services) {
    lines.push(
      '',
      `== ${s.service}: ${s.records} records, ${s.errors} errors (${pct(s.errors, s.records)}), ${s.warnings} warnings`,
    );
    if (s.newPatterns?.length) {
      lines.push('  new since baseline:');
      for (const c of s.newPatterns)
        lines.push(
          `    ${String(c.count).padStart(7)}  ${c.id}  [${c.level}] ${clip(c.template)}` +
            under(c),
        );
    }
    if (s.spikingPatterns?.length) {
      lines.push('  spiking against baseline:');
      for (const c of s.spikingPatterns)
        lines.push(
          `    ${String(c.count).padStart(7)}  ${c.id}  ${ratio(c)} (was ${c.baselineCount}, p=${c.pValue.toExponential(1)}) [${c.level}] ${clip(c.template, 80)}` +
            under(c),
        );
    }
    if (s.errorPatterns.length) {
      lines.push('  error patterns:');
      for (const p of s.errorPatterns) lines.push(svcPattern(p));
    }
    if (s.warningPatterns.length) {
      lines.push('  warning patterns:');
      for (const p of s.warningPatterns) lines.push(svcPattern(p));
    }
  }
  lines.push('', `Top patterns:`);
  for (const p of r.patterns.filter((x) => x.count > 0).slice(0, top)) {
    lines.push(`  ${String(p.count).padStart(8)}  ${p.id}  [${p.level}] ${clip(p.template)}`);
  }
  return lines.join('\n');
}

const CHANGE_HEAD = ['count', 'baseline', 'change', 'level', 'id', 'template', 'raised', 'traces'];
const PATTERN_HEAD = ['count', 'id', 'template', 'raised', 'traces'];

export function renderMarkdown(r: LogReport, opts: RenderOptions = {}): string {
  const top = opts.topPatterns ?? 15;
  const out: string[] = ['# Log patterns', ''];
  const t = r.totals;
  out.push(
    `${t.lines} lines, ${t.records} records, ${t.patterns} patterns` +
      (t.firstSeen ? ` from ${t.firstSeen} to ${t.lastSeen}` : '') +
      '.',
    '',
  );
  out.push('| input | role | lines | formats | header |', '| --- | --- | ---: | --- | --- |');
  for (const i of r.inputs) {
    out.push(
      `| ${md(i.file)} | ${i.role} | ${i.lines} | ${Object.entries(i.kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}${joinedText(i.joinedLines)} | ${md(i.header)} |`,
    );
  }
  const skipped = skippedText(r);
  if (skipped.length > 0)
    out.push('', '**Skipped or changed input**', '', ...skipped.map((s) => `- ${md(s)}`));
  if (r.warnings.length > 0)
    out.push('', '**Warnings**', '', ...r.warnings.map((w) => `- ${md(w)}`));
  for (const s of r.services) {
    out.push(
      '',
      `## ${md(s.service)}`,
      '',
      `${s.records} records, ${s.errors} errors, ${s.warnings} warnings.`,
    );
    const table = (title: string, rows: string[][], head: string[]) => {
      if (rows.length === 0) return;
      out.push(
        '',
        `**${title}**`,
        '',
        `| ${head.join(' | ')} |`,
        `| ${head.map(() => '---').join(' | ')} |`,
      );
      for (const row of rows) out.push(`| ${row.join(' | ')} |`);
    };
    const changeRow = (c: PatternChange) => [
      String(c.count),
      String(c.baselineCount),
      ratio(c),
      c.level,
      `\`${c.id}\``,
      md(c.template),
      md(exceptionsText(c.exceptions)),
      md(c.traceIds.slice(0, 2).join(' ')),
    ];
    table('New since baseline', (s.newPatterns ?? []).map(changeRow), CHANGE_HEAD);
    table('Spiking', (s.spikingPatterns ?? []).map(changeRow), CHANGE_HEAD);
    const row = (p: ServicePattern) => [
      String(p.count),
      `\`${p.id}\``,
      md(p.template),
      md(exceptionsText(p.exceptions)),
      md(p.traceIds.slice(0, 2).join(' ')),
    ];
    table('Error patterns', s.errorPatterns.map(row), PATTERN_HEAD);
    table('Warning patterns', s.warningPatterns.map(row), PATTERN_HEAD);
  }
  out.push(
    '',
    '## Top patterns',
    '',
    '| count | level | id | template |',
    '| ---: | --- | --- | --- |',
  );
  for (const p of r.patterns.filter((x) => x.count > 0).slice(0, top))
    out.push(`| ${p.count} | ${p.level} | \`${p.id}\` | ${md(p.template)} |`);
  return out.join('\n') + '\n';
}
