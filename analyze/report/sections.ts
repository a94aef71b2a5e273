/**
 * What both human reports show, as rows and lines; text.ts and markdown.ts only lay them out.
 */
import { int, ms, pct } from './format.js';
import type { InputSummary, TraceReport } from './shape.js';
import { shortRequestsText } from '../traces/logs/request-lines.js';

export function inputLine(s: InputSummary): string {
  const window = s.window === null ? '' : `, ${windowText(s.window.start, s.window.end)}`;
  const skipped = s.skipped.lines + s.skipped.spans;
  return `${int(s.spans)} spans in ${int(s.traces)} traces from ${s.sources.length} source${s.sources.length === 1 ? '' : 's'}${window}${skipped > 0 ? `; skipped ${int(s.skipped.lines)} lines and ${int(s.skipped.spans)} spans` : ''}`;
}

/** `2026-11-28 16:08:11 to 16:11:00 UTC`; the end's date too when it is another day. */
export function windowText(start: string, end: string): string {
  const sameDay = start.slice(0, 10) === end.slice(0, 10);
  return `${start.replace('T', ' ').slice(0, 19)} to ${sameDay ? end.slice(11, 19) : end.replace('T', ' ').slice(0, 19)} UTC`;
}

/** Below this, the best root-cause score is a place to look, not a finding. */
export const WEAK_SCORE = 0.1;

/**
 * A caution when even the best-ranked service has little evidence: the ranking still orders the
 * services, but a score of 0.03 must not read like a diagnosis to someone paged at night.
 */
export function weakEvidenceLine(r: TraceReport): string | undefined {
  const best = r.rootCauses[0];
  if (best === undefined || best.score >= WEAK_SCORE) return undefined;
  return `weak evidence: no service scores ${WEAK_SCORE.toFixed(2)} or more (best ${best.score.toFixed(2)}); take the list as places to look first, not as a diagnosis`;
}

export const SERVICE_HEADER = [
  'service',
  'requests',
  'errors',
  'p50',
  'p95',
  'p99',
  'crit. path',
  'error origins',
];

export function serviceRows(r: TraceReport): string[][] {
  return [...r.services]
    .sort((a, b) => b.criticalPathShare - a.criticalPathShare || a.service.localeCompare(b.service))
    .map((s) => [
      s.service,
      int(s.requests),
      s.errors > 0 ? `${int(s.errors)} (${pct(s.errorRatio)})` : '0',
      ms(s.p50Ms),
      ms(s.p95Ms),
      ms(s.p99Ms),
      pct(s.criticalPathShare),
      int(s.errorOrigins),
    ]);
}

/** A change per line; one below the corrected significance says so (it only adds weight). */
export function changeLines(r: TraceReport, max: number): string[] {
  const zc = r.changes?.criticalZ ?? Infinity;
  return (r.changes?.changes ?? [])
    .slice(0, max)
    .map(
      (c) =>
        `${c.service}: ${c.text} [${c.kind}, score ${c.score.toFixed(2)}${c.z < zc ? ', below significance' : ''}]`,
    );
}

/** `16 found, 7 significant (Bonferroni) of 458 compared`. */
export function changeCounts(r: TraceReport): string {
  const c = r.changes;
  return c === undefined
    ? ''
    : `${c.found} found, ${c.significant} significant (Bonferroni) of ${c.comparisons} compared`;
}

export function logLines(r: TraceReport, max: number): string[] {
  if (r.logs === undefined) return [];
  return r.logs.services
    .filter((s) => s.errorLines > 0 || s.newErrorPatterns.length > 0)
    .slice(0, max)
    .map((s) => {
      const base =
        s.baselineErrorLines === null
          ? ''
          : s.baselineLines === 0
            ? ' (no baseline lines)'
            : ` (baseline ${int(s.baselineErrorLines)} of ${int(s.baselineLines ?? 0)})`;
      const top = s.newErrorPatterns[0];
      const raised = top?.exception == null ? '' : ` raising ${top.exception.slice(0, 100)}`;
      const fresh = top !== undefined ? `; new: "${top.template.slice(0, 100)}"${raised}` : '';
      return `${s.service}: ${int(s.errorLines)} error lines of ${int(s.lines)}${base}${fresh}`;
    })
    .concat(
      // Operations where most short requests start a chain of them; those that follow are in
      // the JSON.
      r.logs.shortRequests
        .filter((s) => s.firstShort * 2 > s.short)
        .slice(0, max)
        .map((s) => `${s.service}: ${shortRequestsText(s, int)}`),
    )
    .slice(0, max);
}

/** The slowest traces' critical paths, one line each, steps under 1% of the trace left out. */
export function slowestLines(r: TraceReport, max: number): string[] {
  return r.criticalPath.slowest.slice(0, max).map((t) => {
    const steps = t.path
      .filter((p) => p.ms >= t.ms / 100)
      .map((p) => `${p.service} ${p.operation}${p.calls ? ` -> ${p.calls}` : ''} ${ms(p.ms)}`);
    return `${t.traceId} (${ms(t.ms)}): ${steps.join(' > ')}`;
  });
}
