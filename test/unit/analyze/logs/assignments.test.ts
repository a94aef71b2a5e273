import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAssignments } from '../../../../analyze/logs/assignments.js';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'obs-assignments-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('writeAssignments', () => {
  it('quotes file names that need it (RFC 4180), once per row', async () => {
    const rows = [
      { file: 'logs/a,b "x".log', line: 1, pattern: '0123456789ab' },
      { file: 'logs/a,b "x".log', line: 2, pattern: 'skipped' },
      { file: 'plain.log', line: 1, pattern: 'ba9876543210' },
    ];
    const csv = path.join(dir, 'several.csv');
    expect(await writeAssignments(csv, rows, true)).toBe(3);
    const text = await readFile(csv, 'utf8');
    expect(text).toBe(
      'line,pattern,file\n' +
        '1,0123456789ab,"logs/a,b ""x"".log"\n' +
        '2,skipped,"logs/a,b ""x"".log"\n' +
        '1,ba9876543210,plain.log\n',
    );
  });

  it('leaves the file out for one input file', async () => {
    const csv = path.join(dir, 'one.csv');
    await writeAssignments(csv, [{ file: 'x.log', line: 7, pattern: 'skipped' }], false);
    expect(await readFile(csv, 'utf8')).toBe('line,pattern\n7,skipped\n');
  });
});
