import path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runObs } from '../../support/run-obs.js';

/**
 * The whole `--json` report on a fixed input in every format and layout (OTLP lines in three
 * writing styles, an OTLP document with base64 ids, a gzip Jaeger UI export, Zipkin lines; a
 * malformed line, absurd times, negative durations, orphans, cycles, skew, shared Zipkin ids)
 * with a baseline, pinned byte for byte: work on reading speed must not change a result.
 *
 * report.json was written by the code before that work. When an analysis is meant to compute
 * something else, regenerate it (from the fixture folder, after `npm run build`):
 *   node ../../../../bin/run.js analyze traces incident.jsonl.gz incident-otlp.json \
 *     incident-jaeger.json.gz incident-zipkin.jsonl --baseline baseline.jsonl.gz --json > report.json
 * and say in the commit why the report changed.
 */
const DIR = path.resolve(import.meta.dirname, '../../fixtures/traces/report-golden');
const ARGS = [
  'analyze',
  'traces',
  'incident.jsonl.gz',
  'incident-otlp.json',
  'incident-jaeger.json.gz',
  'incident-zipkin.jsonl',
  '--baseline',
  'baseline.jsonl.gz',
  '--json',
];

describe('the trace report on a fixed multi-format input', { timeout: 60_000 }, () => {
  const expected = readFileSync(path.join(DIR, 'report.json'), 'utf8');

  it.each([['0'], ['1'], ['2']])('is unchanged with %s worker threads', async (workers) => {
    const r = await runObs([...ARGS, '--workers', workers], { cwd: DIR });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected);
  });
});
