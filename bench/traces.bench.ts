/**
 * `obs analyze traces` throughput and memory on generated OTLP JSON lines (1M and 2M spans),
 * next to reading and JSON-parsing the same file and nothing else, measured in the same run.
 * Each measurement runs in its own process (peak RSS is per process); figures are ratios
 * against the parse-only floor, so a busy machine shifts both alike.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateOtlp } from './generate-traces.js';

const CHILD = fileURLToPath(new URL('./traces-child.js', import.meta.url));
const SIZES = (process.env.OBS_BENCH_SPANS ?? '1000000,2000000').split(',').map(Number);

interface Measure {
  mode: string;
  spans: number;
  ms: number;
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

export default async function run(): Promise<void> {
  const dir = path.join(tmpdir(), 'obs-bench');
  mkdirSync(dir, { recursive: true });
  console.log('obs analyze traces: full analysis vs read + JSON.parse only (same file, same run)');
  console.log('spans     MB  mode                       wall ms   spans/s   vs parse  peak RSS MB');
  const rows: { size: number; parse: Measure; full: Measure }[] = [];
  for (const size of SIZES) {
    const file = path.join(dir, `traces-${size}.jsonl`);
    if (!existsSync(file)) await generateOtlp(file, size);
    const mb = statSync(file).size / 1e6;
    // Parse first and last, to see the machine's drift; the better of the two is the floor.
    const parseA = measure(['parse', file]);
    const full = measure(['analyze', file]);
    const single = measure(['analyze', file, '0']);
    const parseB = measure(['parse', file]);
    const parse = parseA.ms <= parseB.ms ? parseA : parseB;
    for (const [label, m] of [
      ['read + JSON.parse only', parse],
      ['analyze (parse threads)', full],
      ['analyze (main thread only)', single],
    ] as const) {
      console.log(
        `${String(size).padEnd(9)} ${f0(mb).padStart(4)}  ${label.padEnd(26)} ${f0(m.ms).padStart(7)} ${f0(rate(m)).padStart(9)} ${(rate(m) / rate(parse)).toFixed(2).padStart(9)} ${f0(m.peakMb).padStart(11)}`,
      );
    }
    rows.push({ size, parse, full });
  }
  if (rows.length >= 2) {
    const [a, b] = [rows[0]!, rows[rows.length - 1]!];
    const sizeRatio = b.size / a.size;
    console.log(
      `linearity: ${sizeRatio.toFixed(1)}x the spans took ${(b.full.ms / a.full.ms).toFixed(2)}x the time (parse only: ${(b.parse.ms / a.parse.ms).toFixed(2)}x), peak memory ${(b.full.peakMb / a.full.peakMb).toFixed(2)}x`,
    );
  }
}
