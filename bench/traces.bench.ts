/**
 * `obs analyze traces` throughput and memory on generated OTLP JSON lines (1M and 2M spans),
 * next to reading and JSON-parsing the same file and nothing else, measured in the same run, and
 * obs's reader alone (parsed and converted to spans, not analysed): where the rest of the time goes.
 * The analysis runs three ways: all on the main thread; parsed on the main thread and analysed in
 * one worker (two halves on two cores); and in shard workers that each parse and analyse a share.
 * Each measurement runs in its own process (peak RSS is per process); figures are ratios
 * against the parse-only floor, so a busy machine shifts both alike. CPU time (all threads) is
 * shown beside wall time: on a machine whose cores are busy with other work, threads cannot
 * shorten the wall time, and CPU time shows what they cost.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateOtlp } from './generate-traces.js';

const CHILD = fileURLToPath(new URL('./traces-child.js', import.meta.url));
const SIZES = (process.env.OBS_BENCH_SPANS ?? '1000000,2000000').split(',').map(Number);
const THREADS = Math.min(4, Math.max(2, availableParallelism()));

interface Measure {
  mode: string;
  spans: number;
  ms: number;
  cpuMs: number;
  peakMb: number;
}

function measure(args: string[]): Measure {
  const out = execFileSync(process.execPath, [CHILD, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Measure;
}

const f0 = (v: number) => v.toFixed(0);
const rate = (m: Measure) => m.spans / (m.ms / 1000);

export async function run(): Promise<void> {
  const dir = path.join(tmpdir(), 'obs-bench');
  mkdirSync(dir, { recursive: true });
  console.log(
    `obs analyze traces: full analysis vs read + JSON.parse only (same file, same run); ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(
    'spans       MB  mode                          wall ms   CPU ms    spans/s  vs parse  peak RSS MB',
  );
  const rows: {
    size: number;
    parse: Measure;
    single: Measure;
    pipeline: Measure;
    threads: Measure;
  }[] = [];
  for (const size of SIZES) {
    const file = path.join(dir, `traces-${size}.jsonl`);
    if (!existsSync(file)) await generateOtlp(file, size);
    const mb = statSync(file).size / 1e6;
    // Parse first and last, to see the machine's drift; the better of the two is the floor.
    const parseA = measure(['parse', file]);
    const reader = measure(['spans', file]);
    const single = measure(['analyze', file, '0']);
    const pipeline = measure(['analyze', file, '1']);
    const threads = measure(['analyze', file, String(THREADS)]);
    const parseB = measure(['parse', file]);
    const parse = parseA.ms <= parseB.ms ? parseA : parseB;
    for (const [label, m] of [
      ['read + JSON.parse only', parse],
      ['spans read, not analysed', reader],
      ['analyze, main thread', single],
      ['analyze, parse + 1 worker', pipeline],
      [`analyze, ${THREADS} shard workers`, threads],
    ] as const) {
      console.log(
        `${String(size).padEnd(9)} ${f0(mb).padStart(6)}  ${label.padEnd(28)} ${f0(m.ms).padStart(8)} ${f0(m.cpuMs).padStart(8)} ${f0(rate(m)).padStart(10)} ${(rate(m) / rate(parse)).toFixed(2).padStart(9)} ${f0(m.peakMb).padStart(12)}`,
      );
    }
    rows.push({ size, parse, single, pipeline, threads });
  }
  if (rows.length >= 2) {
    const [a, b] = [rows[0]!, rows[rows.length - 1]!];
    const x = (f: (r: typeof a) => number) => (f(b) / f(a)).toFixed(2);
    console.log(
      `linearity: ${(b.size / a.size).toFixed(1)}x the spans took ${x((r) => r.single.ms)}x the time on the main thread (${x((r) => r.pipeline.ms)}x with 1 worker, ${x((r) => r.threads.ms)}x with shards; parse only ${x((r) => r.parse.ms)}x); peak memory ${x((r) => r.single.peakMb)}x`,
    );
  }
}
