import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObsError } from '../../../core/errors.js';
import { readLines, sniffGzip } from '../../../core/lines.js';
import type { LineStats } from '../../../core/lines.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obs-lines-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function collect(file: string, opts = {}) {
  const out: { line: number; text: string }[] = [];
  let stats: LineStats | undefined;
  for await (const b of readLines(file, { ...opts, onStats: (s) => (stats = s) })) {
    b.lines.forEach((text, i) => out.push({ line: b.firstLine + i, text }));
  }
  return { out, stats: stats! };
}

describe('sniffGzip (stdin)', () => {
  const text = async (r: Readable) => {
    const parts: Buffer[] = [];
    for await (const c of r as AsyncIterable<Buffer>) parts.push(c);
    return Buffer.concat(parts).toString();
  };
  // One byte per chunk at first: a pipe may hand over the magic bytes apart.
  const chunked = (b: Buffer) =>
    Readable.from([b.subarray(0, 1), b.subarray(1, 2), b.subarray(2)], { objectMode: false });

  it('gunzips a gzip stream, even with its magic bytes in two chunks', async () => {
    const { stream, gzip } = await sniffGzip(chunked(gzipSync('a\nb\n')), 1 << 16);
    expect(gzip).toBe(true);
    expect(await text(stream)).toBe('a\nb\n');
  });

  it('passes plain text through whole, and an empty stream as empty', async () => {
    const plain = await sniffGzip(chunked(Buffer.from('{"x":1}\n')), 1 << 16);
    expect(plain.gzip).toBe(false);
    expect(await text(plain.stream)).toBe('{"x":1}\n');
    const empty = await sniffGzip(Readable.from([], { objectMode: false }), 1 << 16);
    expect(empty.gzip).toBe(false);
    expect(await text(empty.stream)).toBe('');
  });
});

describe('readLines', () => {
  it('numbers lines across chunks, strips CR and keeps a last line without newline', async () => {
    const f = path.join(dir, 'plain.log');
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i + 1} ${'x'.repeat(i % 97)}`);
    await writeFile(f, lines.join('\r\n'));
    const { out, stats } = await collect(f, { chunkBytes: 4096 });
    expect(out.length).toBe(5000);
    expect(out[0]).toEqual({ line: 1, text: lines[0] });
    expect(out[4999]).toEqual({ line: 5000, text: lines[4999] });
    expect(out.every((o) => !o.text.endsWith('\r'))).toBe(true);
    expect(stats.lines).toBe(5000);
    expect(stats.gzip).toBe(false);
  });

  it('gunzips by content, not by file name', async () => {
    const f = path.join(dir, 'no-extension');
    await writeFile(f, gzipSync('a\nb\n'));
    const { out, stats } = await collect(f);
    expect(out.map((o) => o.text)).toEqual(['a', 'b']);
    expect(stats.gzip).toBe(true);
  });

  it('fails on truncated gzip with the file named', async () => {
    const f = path.join(dir, 'cut.gz');
    const full = gzipSync(Buffer.from('some line\n'.repeat(10000)));
    await writeFile(f, full.subarray(0, Math.floor(full.length / 2)));
    const err = await collect(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObsError);
    expect((err as ObsError).code).toBe('OBS_BAD_GZIP');
    expect((err as ObsError).located).toMatch(/cut\.gz: gzip stream is truncated/);
  });

  it('counts lines with invalid UTF-8 and keeps them', async () => {
    const f = path.join(dir, 'latin1.log');
    await writeFile(
      f,
      Buffer.concat([Buffer.from('ok\ncaf'), Buffer.of(0xe9), Buffer.from('\nok\n')]),
    );
    const { out, stats } = await collect(f);
    expect(out.map((o) => o.text)).toEqual(['ok', 'caf\uFFFD', 'ok']);
    expect(stats.invalidUtf8Lines).toBe(1);
    expect(stats.firstInvalidUtf8Line).toBe(2);
  });

  it('cuts over-long lines, counts them, and goes on with the next line', async () => {
    const f = path.join(dir, 'long.log');
    await writeFile(f, `short\n${'y'.repeat(50_000)}\nafter\n`);
    const { out, stats } = await collect(f, { maxLineBytes: 1000, chunkBytes: 4096 });
    expect(out.map((o) => o.text.length)).toEqual([5, 1000, 5]);
    expect(out.map((o) => o.line)).toEqual([1, 2, 3]);
    expect(stats.truncatedLines).toBe(1);
    expect(stats.firstTruncatedLine).toBe(2);
  });

  it('says which file is missing', async () => {
    const err = await collect(path.join(dir, 'nope.jsonl')).catch((e: unknown) => e);
    expect((err as ObsError).code).toBe('OBS_INPUT_UNREADABLE');
    expect((err as ObsError).located).toMatch(/nope\.jsonl: cannot read input: no such file/);
  });
});
