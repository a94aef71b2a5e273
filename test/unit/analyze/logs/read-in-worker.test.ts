// Reading in a worker thread (read-in-worker.ts) gives the report and assignments of reading in
// one thread. The worker runs compiled, so the analysis here is the built one (dist/, which
// `npm run test:unit` builds first); the single-thread run is the same built module.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as Analyze from '../../../../analyze/logs/analyze.js';

const built = pathToFileURL(path.resolve('dist/analyze/logs/analyze.js')).href;
const { createLogAnalysis } = (await import(built)) as typeof Analyze;

const dir = (d: string) =>
  readdirSync(d)
    .filter((f) => /\.(log|jsonl)$/.test(f))
    .sort()
    .map((f) => `${d}/${f}`);
const files = [...dir('test/fixtures/logs/formats'), ...dir('test/fixtures/logs/pinned')];

const run = async (readInWorker: boolean, config: Partial<Analyze.LogAnalysisConfig> = {}) => {
  const result = await createLogAnalysis({
    files: files.slice(2),
    baseline: files.slice(0, 2),
    assignments: true,
    readInWorker,
    ...config,
  }).run();
  return { report: result.report, assignments: [...result.assignments()] };
};

describe('reading the logs in a worker thread', () => {
  it('gives the report and the assignments of reading them in one thread', async () => {
    const one = await run(false);
    const two = await run(true);
    expect(two.report.totals.lines).toBeGreaterThan(4000);
    expect(two.report.inputs.map((i) => i.records)).toEqual(
      one.report.inputs.map((i) => i.records),
    );
    expect(JSON.stringify(two.report)).toBe(JSON.stringify(one.report));
    expect(two.assignments).toEqual(one.assignments);
  });

  it("passes on the reader's error, naming the file", async () => {
    await expect(
      run(true, { files: ['test/fixtures/logs/no-such-file.log'] }),
    ).rejects.toMatchObject({
      code: 'OBS_INPUT_UNREADABLE',
      file: 'test/fixtures/logs/no-such-file.log',
    });
  });
});
