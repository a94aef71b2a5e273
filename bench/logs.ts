/**
 * Log mining throughput: `obs analyze logs` on a large input against only reading its lines.
 *
 * Two inputs are generated at bench time in a temporary folder, each from the Loghub dev samples
 * (../shared/bench/loghub-dev, 8 formats), one file per sample, OBS_BENCH_LOG_LINES lines in all
 * (default 10,000,000):
 * - replicated: each sample repeated as it is. Lines repeat exactly, which real logs do not;
 * - varied: each repetition with the numbers in its messages changed (every digit after the first
 *   of a run of two or more becomes a pseudo-random digit, and runs of four or more often get a
 *   digit more or less): ids, addresses, counts, durations differ from line to line, in value
 *   and length, as in real logs, while the messages' words stay those of the samples. Headers (found with the analyzer's own header recognition) keep their digits, so
 *   times stay those of the samples, in order, as in real logs, rather than random dates.
 * OBS_BENCH_LOG_INPUTS picks them (default `replicated,varied`). Reported for each, every row
 * measured in a fresh process (bench/logs-measure.ts) of the same run:
 * - read only: core/lines.ts over the files, counting lines (the floor any analysis pays);
 * - analyze, one thread: the whole analysis (records, header, masking, mining, report) without
 *   assignments, in one thread (`workers: 0`);
 * - analyze, two parts: the same with the input cut in two parts mined at once, the second in a
 *   worker thread (parts.ts; `workers: 1`, the default for inputs of 32 MiB and more);
 * - analyze + CSV: the default plus `--emit-assignments` (one CSV row per line).
 * Each with lines/s of wall and CPU time (CPU of all threads), its ratio to the read-only time,
 * and the process's peak RSS.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LOG_ANALYSIS_DEFAULTS } from '../analyze/logs/analyze.js';
import { learnHeader } from '../analyze/logs/header.js';
import type { Measure } from './logs-measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/ -> project root; shared/ sits beside the project (or beside its worktree folder).
const root = path.resolve(here, '../..');
const DEV =
  process.env.OBS_BENCH_LOGHUB ??
  [
    path.resolve(root, '../shared/bench/loghub-dev'),
    path.resolve(root, '../../shared/bench/loghub-dev'),
  ].find((d) => existsSync(d)) ??
  path.resolve(root, '../shared/bench/loghub-dev');
const TOTAL = Number(process.env.OBS_BENCH_LOG_LINES ?? 10_000_000);
const INPUTS = (process.env.OBS_BENCH_LOG_INPUTS ?? 'replicated,varied').split(',');
export type Input = 'replicated' | 'varied';

async function readAll(file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(file)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/** Byte offsets in `data` (lines ending with a newline) where each line's message starts. */
function messageStarts(data: Buffer): number[] {
  const lines = data.toString('utf8').split('\n');
  lines.pop();
  const header = learnHeader(lines.slice(0, LOG_ANALYSIS_DEFAULTS.headerSample));
  const starts: number[] = [];
  let at = 0;
  for (const line of lines) {
    const content = header.parse(line).content;
    starts.push(at + Buffer.byteLength(line) - Buffer.byteLength(content));
    at += Buffer.byteLength(line) + 1;
  }
  return starts;
}

/**
 * `data` with the numbers in its messages (from `starts`, one per line) changed: in a run of 2+
 * digits every digit after the first becomes a pseudo-random one (xorshift32 `seed`), and a run
 * of 4+ digits (ids, sizes, counts, not address parts) becomes one digit shorter or longer in two
 * cases out of three.
 */
function vary(data: Buffer, starts: number[], seed: number): Buffer {
  const out = Buffer.alloc(data.length + Math.ceil(data.length / 3));
  let x = seed | 1;
  const random = (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  let line = 0;
  let o = 0;
  for (let i = 0; i < data.length;) {
    if (i > 0 && data[i - 1] === 0x0a) line++;
    if (i <= starts[line]! || !isDigit(data[i]) || isDigit(data[i - 1])) {
      out[o++] = data[i++]!;
      continue;
    }
    let end = i + 1;
    while (isDigit(data[end])) end++;
    const length = end - i;
    const to = length >= 4 ? length + random(3) - 1 : length;
    out[o++] = data[i]!;
    for (let k = 1; k < to; k++) out[o++] = 0x30 + random(10);
    i = end;
  }
  return out.subarray(0, o);
}

/** The first `lines` lines of `data` (which ends with a newline). */
function headLines(data: Buffer, lines: number): Buffer {
  let at = -1;
  for (let k = 0; k < lines; k++) at = data.indexOf(0x0a, at + 1);
  return data.subarray(0, at + 1);
}

export async function generate(dir: string, input: Input): Promise<string[]> {
  const sets = readdirSync(DEV)
    .sort()
    .map((d) => path.join(DEV, d, `${d}_2k.log`))
    .filter((f) => existsSync(f));
  if (sets.length === 0) throw new Error(`no Loghub samples under ${DEV} (set OBS_BENCH_LOGHUB)`);
  const perFile = Math.ceil(TOTAL / sets.length);
  const files: string[] = [];
  for (const [k, src] of sets.entries()) {
    let data = await readAll(src);
    if (data[data.length - 1] !== 0x0a) data = Buffer.concat([data, Buffer.of(0x0a)]);
    let lines = 0;
    for (const b of data) if (b === 0x0a) lines++;
    const starts = input === 'varied' ? messageStarts(data) : [];
    const target = path.join(dir, path.basename(src).replace('_2k', ''));
    const out = createWriteStream(target);
    let written = 0;
    for (let pass = 0; written < perFile; pass++) {
      const take = Math.min(lines, perFile - written);
      const copy =
        input === 'varied' && pass > 0 ? vary(data, starts, (k + 1) * 0x9e3779b1 + pass) : data;
      if (!out.write(take === lines ? copy : headLines(copy, take))) await once(out, 'drain');
      written += take;
    }
    out.end();
    await once(out, 'close');
    files.push(target);
  }
  return files;
}

const execFileAsync = promisify(execFile);

/** Runs one measurement in a fresh process (see logs-measure.ts). */
async function measure(kind: (typeof ROWS)[number][1], csv: string, files: string[]) {
  const { stdout } = await execFileAsync(
    process.execPath,
    [path.join(here, 'logs-measure.js'), kind, csv, ...files],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as Measure;
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

const ROWS = [
  ['read only', 'read'],
  ['analyze, one thread', 'analyze'],
  ['analyze, two parts (default)', 'parts'],
  ['analyze + CSV (default)', 'csv'],
] as const;

export async function run(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'obs-bench-logs-'));
  try {
    for (const input of INPUTS) {
      if (input !== 'replicated' && input !== 'varied') {
        throw new Error(`OBS_BENCH_LOG_INPUTS: unknown input ${input} (replicated, varied)`);
      }
      console.log(`logs: generating ${TOTAL.toLocaleString('en')} ${input} lines from ${DEV} ...`);
      const files = await generate(dir, input);
      let bytes = 0;
      for (const f of files) bytes += (await stat(f)).size;
      console.log(`logs: ${files.length} files, ${(bytes / 2 ** 20).toFixed(0)} MiB`);

      const csv = path.join(dir, 'assignments.csv');
      const results: (Measure & { name: string })[] = [];
      for (const [name, kind] of ROWS) results.push({ name, ...(await measure(kind, csv, files)) });
      for (const f of [...files, csv]) await rm(f, { force: true });

      const base = results[0]!;
      console.log('');
      console.log(
        `| ${input} input | lines | wall s | lines/s (wall) | x read-only (wall) | CPU s | lines/s (CPU) | x read-only (CPU) | peak RSS MiB |`,
      );
      console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en');
      for (const r of results) {
        console.log(
          `| ${r.name} | ${r.lines.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${rate(r.lines, r.seconds)} | ${(r.seconds / base.seconds).toFixed(1)} | ${r.cpuSeconds.toFixed(1)} | ${rate(r.lines, r.cpuSeconds)} | ${(r.cpuSeconds / base.cpuSeconds).toFixed(1)} | ${r.peakRssMiB} |`,
        );
      }
      console.log('');
    }
    console.log(
      `load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores; ` +
        `yardstick: ${nsPerChar().toFixed(2)} CPU ns per character of a charCodeAt loop`,
    );
    console.log(
      'Reference points (published, other machines): Python Drain ~10k lines/s; fastest published parsers ~230k lines/s on one core.',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
