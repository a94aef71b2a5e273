import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSummary, readLogFile } from '../../../../analyze/logs/reader.js';
import type { LogRecord } from '../../../../analyze/logs/records.js';
import type { InputSummary } from '../../../../analyze/logs/report-types.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'obs-reader-'));
const write = (name: string, lines: string[]) => {
  const f = path.join(tmp, name);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
};

async function read(file: string): Promise<{ records: LogRecord[]; summary: InputSummary }> {
  const summary = newSummary(file, 'incident');
  const records: LogRecord[] = [];
  await readLogFile(
    summary,
    { headerSample: 200 },
    { record: (r) => records.push(r), read: () => undefined },
    { next: 0 },
  );
  return { records, summary };
}

describe('readLogFile', () => {
  it('names the records of a syslog file after their programs, lines of a known shape too', async () => {
    // Lines repeat their shapes: the later ones are read from the shape cache.
    const lines = [];
    for (let i = 0; i < 20; i++) {
      lines.push(`Nov 29 10:00:${String(10 + i)} host sshd[${100 + i}]: Accepted password for bob`);
      lines.push(`Nov 29 10:00:${String(10 + i)} host checkout[7]: ERROR payment ${i} failed`);
      lines.push(`Nov 29 10:00:${String(10 + i)} host kernel: [ ${i}.5] eth0 up`);
    }
    const { records } = await read(write('syslog', lines));
    expect(records).toHaveLength(60);
    expect(records.map((r) => r.service)).toEqual(
      Array.from({ length: 20 }, () => ['sshd', 'checkout', 'kernel']).flat(),
    );
  });
});
