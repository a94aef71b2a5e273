// Pins what `obs analyze logs` mines from a fixed input of many formats: every line's pattern id
// (the --emit-assignments CSV, byte for byte), each pattern's template, count, level, services,
// examples and trace ids, and how each file's lines were read. The expected files were written by
// the miner before its speed work; a change to them is a change of behaviour, to be made on
// purpose (vitest -u) and said in the commit, never as a side effect of making it faster.
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogAnalysis } from '../../../../analyze/logs/analyze.js';
import type { LogAnalysisResult } from '../../../../analyze/logs/analyze.js';
import { writeAssignments } from '../../../../analyze/logs/assignments.js';

const FORMATS = 'test/fixtures/logs/formats';
const PINNED = 'test/fixtures/logs/pinned';
const expected = (name: string) => path.resolve(PINNED, 'expected', name);

/** Relative paths, so the CSV's file column does not depend on where the repository sits. */
const files = [
  ...readdirSync(FORMATS)
    .sort()
    .map((f) => `${FORMATS}/${f}`),
  ...readdirSync(PINNED)
    .filter((f) => /\.(log|jsonl)$/.test(f))
    .sort()
    .map((f) => `${PINNED}/${f}`),
];

let dir: string;
let result: LogAnalysisResult;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obs-logs-pinned-'));
  result = await createLogAnalysis({ files, assignments: true }).run();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('obs analyze logs on a fixed input of many formats', () => {
  it('reads 16 Loghub formats and four generated services', () => {
    expect(files.length).toBe(21);
    expect(result.report.totals.lines).toBeGreaterThan(4500);
  });

  it('gives every line the same pattern id as before', async () => {
    const csv = path.join(dir, 'assignments.csv');
    await writeAssignments(csv, result.assignments(), true);
    await expect(await readFile(csv, 'utf8')).toMatchFileSnapshot(expected('assignments.csv'));
  });

  it('mines the same patterns, with the same counts, levels, services, examples and trace ids', async () => {
    // Times are left out: syslog lines without a year take the current one.
    const patterns = result.report.patterns.map((p) =>
      JSON.stringify({
        id: p.id,
        template: p.template,
        count: p.count,
        level: p.level,
        levels: p.levels,
        services: p.services,
        examples: p.examples,
        traceIds: p.traceIds,
        exceptions: p.exceptions,
      }),
    );
    await expect(patterns.join('\n') + '\n').toMatchFileSnapshot(expected('patterns.jsonl'));
  });

  it('reads each file the same way: header, kinds of lines, mismatches, skipped lines', async () => {
    const inputs = result.report.inputs.map((i) =>
      JSON.stringify({
        file: i.file,
        header: i.header,
        kinds: i.kinds,
        lines: i.lines,
        records: i.records,
        skipped: i.skipped,
        malformedJson: i.malformedJson,
        headerMismatch: i.headerMismatch,
        joinedLines: i.joinedLines,
        problems: i.problems,
      }),
    );
    await expect(inputs.join('\n') + '\n').toMatchFileSnapshot(expected('inputs.jsonl'));
  });
});
