/**
 * One measurement in a fresh process, so peak memory is its own: `parse` (read lines and
 * JSON.parse them, nothing else: the floor), `spans` (obs's reader: lines parsed and converted
 * to spans, no assembly or analysis) or `analyze` (the full `obs analyze traces`).
 * Prints one JSON line: spans, wall ms, peak RSS.
 */
import { readLines } from '../core/lines.js';
import { analyzeTraces, fileSource } from '../analyze/traces/analyze.js';
import { readTraceFiles } from '../analyze/traces/readers/files.js';
import { Problems } from '../analyze/traces/readers/problems.js';

interface Doc {
  resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
}

async function parseOnly(file: string): Promise<number> {
  let spans = 0;
  for await (const b of readLines(file)) {
    for (const line of b.lines) {
      if (line.length === 0) continue;
      const doc = JSON.parse(line) as Doc;
      for (const rs of doc.resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
    }
  }
  return spans;
}

async function spansOnly(file: string): Promise<number> {
  let spans = 0;
  for await (const batch of readTraceFiles([file], new Problems(), [])) spans += batch.length;
  return spans;
}

async function main(): Promise<void> {
  const [mode, file, workers] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: traces-child parse|spans|analyze FILE [WORKERS]');
  const t0 = performance.now();
  let spans: number;
  if (mode === 'parse') spans = await parseOnly(file);
  else if (mode === 'spans') spans = await spansOnly(file);
  else {
    const report = await analyzeTraces({
      input: fileSource([file], { workers: workers === undefined ? undefined : Number(workers) }),
    });
    spans = report.input.spans;
  }
  const ms = performance.now() - t0;
  const usage = process.resourceUsage();
  // CPU of all threads of the process: with workers, more than one core's worth per wall second.
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  process.stdout.write(
    JSON.stringify({ mode, spans, ms, cpuMs, peakMb: usage.maxRSS / 1024 }) + '\n',
  );
}

await main();
