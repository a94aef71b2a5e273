/**
 * One measurement of bench/logs.ts, run in a process of its own so that its peak RSS and CPU time
 * are its own (no heap or JIT state left over from the run before it).
 *
 * usage: node logs-measure.js read|analyze|parts|csv OUT_CSV FILE... ; prints one JSON `Measure`.
 * CPU time is the process's (all threads: workers count).
 */
import { createLogAnalysis } from '../analyze/logs/analyze.js';
import { writeAssignments } from '../analyze/logs/assignments.js';
import { readLinesFrom } from '../core/lines.js';

export interface Measure {
  seconds: number;
  /** User + system CPU time of the whole process: on a shared machine, steadier than wall time. */
  cpuSeconds: number;
  lines: number;
  peakRssMiB: number;
}

const [kind, csv, ...files] = process.argv.slice(2);

const work: Record<string, () => Promise<number>> = {
  read: async () => {
    let n = 0;
    for await (const b of readLinesFrom(files)) n += b.lines.length;
    return n;
  },
  analyze: async () => {
    const { report } = await createLogAnalysis({ files, workers: 0 }).run();
    return report.totals.lines;
  },
  parts: async () => {
    const { report } = await createLogAnalysis({ files, workers: 1 }).run();
    return report.totals.lines;
  },
  csv: async () => {
    const result = await createLogAnalysis({ files, assignments: true }).run();
    await writeAssignments(csv!, result.assignments(), files.length > 1);
    return result.report.totals.lines;
  },
};

const run = work[kind ?? ''];
if (run === undefined || csv === undefined || files.length === 0) {
  console.error('usage: logs-measure read|analyze|parts|csv OUT_CSV FILE...');
  process.exit(64);
}
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const lines = await run();
const cpu = process.cpuUsage(c0);
const m: Measure = {
  seconds: Number(process.hrtime.bigint() - t0) / 1e9,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  lines,
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
};
console.log(JSON.stringify(m));
