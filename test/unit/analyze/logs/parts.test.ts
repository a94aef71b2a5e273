// Mining the input in parts at once (parts.ts, part.ts): where the input is cut, and that the
// report and assignments are those of mining it in one thread. The workers run compiled, so the
// analysis here is the built one (dist/, which `npm run test:unit` builds first).
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as Analyze from '../../../../analyze/logs/analyze.js';
import { planParts } from '../../../../analyze/logs/parts.js';
import type { Piece } from '../../../../analyze/logs/part.js';
import { createMiner } from '../../../../analyze/logs/miner.js';
import {
  containerId,
  dockerConfig,
  dockerContainer,
  dockerLine,
} from '../../../support/docker-logs.js';

const built = pathToFileURL(path.resolve('dist/analyze/logs/analyze.js')).href;
const { createLogAnalysis } = (await import(built)) as typeof Analyze;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'obs-parts-'));
const write = (name: string, data: string | Buffer) => {
  const f = path.join(tmp, name);
  writeFileSync(f, data);
  return f;
};
const lines = (n: number, f: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => f(i) + '\n').join('');

/** The bytes each piece covers, read back. */
const bytesOf = (files: string[], piece: Piece) => {
  const data = readFileSync(files[piece.source]!);
  return piece.range === undefined ? data : data.subarray(piece.range.start, piece.range.end);
};

describe('planParts', () => {
  it('cuts one plain file at line starts into parts that cover it once, in order', () => {
    const f = write(
      'one.log',
      lines(1000, (i) => `2024-01-01 10:00:00 INFO request ${i} done`),
    );
    for (const n of [2, 3, 7]) {
      const parts = planParts([f], n);
      expect(parts).toHaveLength(n);
      const pieces = parts.flat();
      expect(Buffer.concat(pieces.map((p) => bytesOf([f], p)))).toEqual(readFileSync(f));
      for (const p of pieces.slice(1)) {
        expect(readFileSync(f)[p.range!.start - 1]).toBe(0x0a);
      }
      // About equal: no part more than a line and a half off its share.
      const size = readFileSync(f).length;
      for (const part of parts) {
        const bytes = part.reduce((a, p) => a + bytesOf([f], p).length, 0);
        expect(Math.abs(bytes - size / n)).toBeLessThan(80);
      }
    }
  });

  it('never cuts a gzip file or stdin, and keeps the sources in order', () => {
    const gz = write('a.log.gz', gzipSync(lines(2000, (i) => `line ${i}`)));
    const plain = write(
      'b.log',
      lines(2000, (i) => `line ${i}`),
    );
    const files = [gz, '-', plain];
    const parts = planParts(files, 2);
    const pieces = parts.flat();
    expect(pieces.filter((p) => p.source === 0)).toEqual([{ source: 0 }]);
    expect(pieces.filter((p) => p.source === 1)).toEqual([{ source: 1 }]);
    expect(pieces.map((p) => p.source)).toEqual([...pieces.map((p) => p.source)].sort());
    expect(
      Buffer.concat(pieces.filter((p) => p.source === 2).map((p) => bytesOf(files, p))),
    ).toEqual(readFileSync(plain));
  });

  it('never cuts a file that opens like one pretty-printed JSON document', () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ body: { stringValue: `job ${i}` } }));
    const doc = { resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] };
    const f = write('doc.json', '\n' + JSON.stringify(doc, null, 2) + '\n');
    expect(planParts([f], 2).flat()).toEqual([{ source: 0 }]);
  });

  it('gives fewer parts than asked when the lines run out, never an empty range', () => {
    const f = write('short.log', 'one line only, and a long one at that\nsecond\n');
    const parts = planParts([f], 8);
    for (const p of parts.flat()) {
      if (p.range !== undefined) expect(p.range.end).toBeGreaterThan(p.range.start);
    }
    expect(parts.flat().length).toBeLessThanOrEqual(2);
  });
});

describe('Miner.absorb', () => {
  it("takes another miner's variants as if their messages came after its own", () => {
    // Only the second half has the peer, in five forms: a true variable in its miner, whose
    // variants must carry it over as one.
    const peers = ['beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const msgs = [
      ...Array.from({ length: 40 }, (_, i) => `user u${i % 7} logged in from host-${i % 5}`),
      ...Array.from({ length: 40 }, (_, i) => `disk sda${i % 3} at ${i}% full`),
      ...Array.from({ length: 20 }, (_, i) => `connection to ${peers[i % 5]} closed by peer`),
      ...Array.from({ length: 40 }, (_, i) => `user u${i % 9} logged out after ${i}s`),
    ];
    const half = 60;
    const one = createMiner();
    const refsOne = msgs.map((m) => one.ref(m));
    one.finish();
    const first = createMiner();
    const second = createMiner();
    const refsA = msgs.slice(0, half).map((m) => first.ref(m));
    const refsB = msgs.slice(half).map((m) => second.ref(m));
    const refOf = second.variants().map((v) => first.absorb(v.tokens, v.count));
    first.finish();
    const split = [...refsA, ...refsB.map((r) => refOf[r]!)].map((r) => first.patternOf(r));
    expect(split.map((p) => p.template)).toEqual(refsOne.map((r) => one.patternOf(r).template));
    expect(new Set(split.map((p) => p.template)).size).toBeGreaterThan(2);
    expect(split.map((p) => p.template)).toContain('connection to <*> closed by peer');
  });
});

const dir = (d: string) =>
  readdirSync(d)
    .filter((f) => /\.(log|jsonl)$/.test(f))
    .sort()
    .map((f) => `${d}/${f}`);
const fixtures = [...dir('test/fixtures/logs/formats'), ...dir('test/fixtures/logs/pinned')];

const run = async (workers: number, config: Partial<Analyze.LogAnalysisConfig> = {}) => {
  const result = await createLogAnalysis({
    files: fixtures.slice(2),
    baseline: fixtures.slice(0, 2),
    assignments: true,
    workers,
    ...config,
  }).run();
  return { report: result.report, assignments: [...result.assignments()] };
};

/** A report without what may differ between runs in parts: which examples a pattern shows. */
const comparable = (r: Analyze.LogAnalysisResult['report']) =>
  JSON.stringify({
    ...r,
    patterns: r.patterns.map((p) => ({ ...p, examples: p.examples.length })),
  });

// Each case mines 4000+ lines up to three times, in worker threads: allow for a loaded machine.
describe('mining in parts', { timeout: 60_000 }, () => {
  it('gives the report and the assignments of mining in one thread', async () => {
    const one = await run(0);
    expect(one.report.totals.lines).toBeGreaterThan(4000);
    for (const workers of [1, 3]) {
      const parts = await run(workers);
      expect(comparable(parts.report)).toBe(comparable(one.report));
      expect(parts.assignments).toEqual(one.assignments);
    }
  });

  it('numbers the lines of a later part from the start of its file', async () => {
    const f = write(
      'app.log',
      lines(400, (i) =>
        i === 300
          ? '{"level": "error", "msg": broken'
          : `2024-05-01 10:00:${String(i % 60).padStart(2, '0')} INFO served request ${i}`,
      ),
    );
    const one = await createLogAnalysis({ files: [f], workers: 0, assignments: true }).run();
    const two = await createLogAnalysis({ files: [f], workers: 1, assignments: true }).run();
    expect(one.report.inputs[0]!.problems).toEqual([
      { line: 301, problem: expect.stringContaining('malformed JSON') as string },
    ]);
    expect(two.report.inputs).toEqual(one.report.inputs);
    expect([...two.assignments()]).toEqual([...one.assignments()]);
  });

  it("names a Docker log's records after its container in every part", async () => {
    const log = dockerContainer(
      tmp,
      containerId('a'),
      dockerConfig('/shop-orders-1', 'orders'),
      Array.from({ length: 600 }, (_, i) => dockerLine(`INFO served request ${i}`, i)),
    );
    const one = await createLogAnalysis({ files: [log], workers: 0 }).run();
    const two = await createLogAnalysis({ files: [log], workers: 1 }).run();
    expect(one.report.services.map((s) => [s.service, s.records])).toEqual([['orders', 600]]);
    expect(comparable(two.report)).toBe(comparable(one.report));
  });

  it("reads a later part with the header of its file's first lines", async () => {
    // The second half alone would teach another header (a level after a bracketed thread).
    const f = write(
      'drift.log',
      lines(300, (i) => `2024-05-01 10:00:${String(i % 60).padStart(2, '0')} INFO job ${i} ran`) +
        lines(300, (i) => `[worker-${i % 4}] WARN queue ${i} is slow`),
    );
    const one = await createLogAnalysis({ files: [f], workers: 0 }).run();
    const two = await createLogAnalysis({ files: [f], workers: 1 }).run();
    expect(one.report.inputs[0]!.headerMismatch).toBe(300);
    expect(comparable(two.report)).toBe(comparable(one.report));
  });

  it('fails on a truncated gzip file in either part, naming it', async () => {
    const gz = gzipSync(lines(3000, (i) => `INFO request ${i} served`));
    const bad = write('cut.log.gz', gz.subarray(0, gz.length - 40));
    const plain = write(
      'plain.log',
      lines(3000, (i) => `INFO request ${i} served in ${i} ms`),
    );
    for (const files of [
      [plain, bad], // the worker's part
      [bad, plain], // this thread's part
    ]) {
      await expect(createLogAnalysis({ files, workers: 1 }).run()).rejects.toMatchObject({
        code: 'OBS_BAD_GZIP',
        file: bad,
      });
    }
  });

  it("passes on a worker's error, naming the file", async () => {
    const f = write(
      'first.log',
      lines(400, (i) => `INFO request ${i} served`),
    );
    const missing = path.join(tmp, 'no-such-file.log');
    await expect(
      createLogAnalysis({ files: [f, missing], workers: 1 }).run(),
    ).rejects.toMatchObject({ code: 'OBS_INPUT_UNREADABLE', file: missing });
  });
});
