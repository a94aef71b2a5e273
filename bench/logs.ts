/**
 * Log mining throughput: `obs analyze logs` on a large input against only reading its lines.
 *
 * The input is generated at bench time in a temporary folder: each Loghub dev sample
 * (../shared/bench/loghub-dev, 8 formats) replicated into its own file until all together hold
 * OBS_BENCH_LOG_LINES lines (default 10,000,000). Reported, all from this one run:
 * - read only: core/lines.ts over the files, counting lines (the floor any analysis pays);
 * - analyze: the whole analysis (records, header, masking, mining, report) without assignments;
 * - analyze + CSV: the same plus `--emit-assignments` (10M CSV rows).
 * Each with lines/s, its ratio to the read-only time, and peak RSS. Replicated lines repeat their
 * masked shapes as real logs do; the miner's exact-match cache benefits from that either way.
 */
import { createReadStream, createWriteStream, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogAnalysis } from '../analyze/logs/analyze.js';
import { writeAssignments } from '../analyze/logs/assignments.js';
import { readLinesFrom } from '../core/lines.js';

// dist/bench/ -> project root; shared/ sits beside the project (or beside its worktree folder).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEV =
  process.env.OBS_BENCH_LOGHUB ??
  [
    path.resolve(root, '../shared/bench/loghub-dev'),
    path.resolve(root, '../../shared/bench/loghub-dev'),
  ].find((d) => existsSync(d)) ??
  path.resolve(root, '../shared/bench/loghub-dev');
const TOTAL = Number(process.env.OBS_BENCH_LOG_LINES ?? 10_000_000);

async function readAll(file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(file)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function generate(dir: string): Promise<string[]> {
  const sets = readdirSync(DEV)
    .sort()
    .map((d) => path.join(DEV, d, `${d}_2k.log`))
    .filter((f) => existsSync(f));
  if (sets.length === 0) throw new Error(`no Loghub samples under ${DEV} (set OBS_BENCH_LOGHUB)`);
  const perFile = Math.ceil(TOTAL / sets.length);
  const files: string[] = [];
  for (const src of sets) {
    let data = await readAll(src);
    if (data[data.length - 1] !== 0x0a) data = Buffer.concat([data, Buffer.of(0x0a)]);
    const lines = data.toString('utf8').split('\n').length - 1;
    const target = path.join(dir, path.basename(src).replace('_2k', ''));
    const out = createWriteStream(target);
    let written = 0;
    while (written < perFile) {
      const take = Math.min(lines, perFile - written);
      const chunk =
        take === lines
          ? data
          : Buffer.from(data.toString('utf8').split('\n').slice(0, take).join('\n') + '\n');
      if (!out.write(chunk)) await once(out, 'drain');
      written += take;
    }
    out.end();
    await once(out, 'close');
    files.push(target);
  }
  return files;
}

interface Measure {
  name: string;
  seconds: number;
  /** User + system CPU time: on a shared machine, steadier than the wall clock. */
  cpuSeconds: number;
  lines: number;
  peakRssMiB: number;
}

function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function timed(name: string, lines: () => Promise<number>): Promise<Measure> {
  globalThis.gc?.();
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const n = await lines();
  const cpu = process.cpuUsage(c0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    name,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    lines: n,
    peakRssMiB: peakRssMiB(),
  };
}

/**
 * A yardstick for this machine: CPU nanoseconds per character of a plain charCodeAt loop. On an
 * idle current x86 core it is about 1 ns; shared or slower machines show more, and every figure
 * above scales with it.
 */
function nsPerChar(): number {
  const text =
    'PacketResponder 1 for block blk_38865049064139660 terminating, src: /10.250.19.102:54106 ';
  const rounds = 200_000;
  let sum = 0;
  const c0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  const c = process.cpuUsage(c0);
  if (sum === 42) console.log(''); // keeps the loop from being optimized away
  return ((c.user + c.system) * 1000) / (rounds * text.length);
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'obs-bench-logs-'));
  try {
    console.log(`logs: generating ${TOTAL.toLocaleString('en')} lines from ${DEV} ...`);
    const files = await generate(dir);
    let bytes = 0;
    for (const f of files) bytes += (await stat(f)).size;
    console.log(`logs: ${files.length} files, ${(bytes / 2 ** 20).toFixed(0)} MiB`);

    const results: Measure[] = [];
    results.push(
      await timed('read only', async () => {
        let n = 0;
        for await (const b of readLinesFrom(files)) n += b.lines.length;
        return n;
      }),
    );
    results.push(
      await timed('analyze', async () => {
        const { report } = await createLogAnalysis({ files }).run();
        return report.totals.lines;
      }),
    );
    const csv = path.join(dir, 'assignments.csv');
    results.push(
      await timed('analyze + CSV', async () => {
        const result = await createLogAnalysis({ files, assignments: true }).run();
        await writeAssignments(csv, result.assignments(), files.length > 1);
        return result.report.totals.lines;
      }),
    );

    const base = results[0]!;
    console.log('');
    console.log(
      '| run | lines | wall s | lines/s (wall) | CPU s | lines/s (CPU) | x read-only (CPU) | peak RSS MiB (process so far) |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en');
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.lines.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${rate(r.lines, r.seconds)} | ${r.cpuSeconds.toFixed(1)} | ${rate(r.lines, r.cpuSeconds)} | ${(r.cpuSeconds / base.cpuSeconds).toFixed(1)} | ${r.peakRssMiB} |`,
      );
    }
    console.log(
      `load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores; ` +
        `yardstick: ${nsPerChar().toFixed(2)} CPU ns per character of a charCodeAt loop`,
    );
    console.log('');
    console.log(
      'Reference points (published, other machines): Python Drain ~10k lines/s; fastest published parsers ~230k lines/s on one core.',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
