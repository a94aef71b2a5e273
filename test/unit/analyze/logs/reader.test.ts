import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import logfmt from 'logfmt';
import { describe, expect, it, vi } from 'vitest';
import { newSummary, readLogFile } from '../../../../analyze/logs/reader.js';
import type { LogRecord } from '../../../../analyze/logs/records.js';
import type { InputSummary } from '../../../../analyze/logs/report-types.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'obs-reader-'));
const write = (name: string, lines: string[]) => {
  const f = path.join(tmp, name);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
};

async function read(
  file: string,
  headerSample = 200,
): Promise<{ records: LogRecord[]; summary: InputSummary }> {
  const summary = newSummary(file, 'incident');
  const records: LogRecord[] = [];
  await readLogFile(
    summary,
    { headerSample },
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

  it('names the records of a Kubernetes container log after the container, not a syslog program', async () => {
    // kubelet's paths name the container, as a kubectl prefix does: the program in a line names
    // only the process inside it.
    const lines = Array.from(
      { length: 6 },
      (_, i) => `Nov 29 10:00:${String(10 + i)} web-7d9f gunicorn[1]: ERROR payment ${i} failed`,
    );
    const link = path.join('containers', `orders-7d9f_shop_orders-${'ab'.repeat(32)}.log`);
    const pod = path.join('pods', 'shop_orders-7d9f_0c1e', 'orders', '0.log');
    for (const name of [link, pod]) {
      mkdirSync(path.join(tmp, path.dirname(name)), { recursive: true });
      const { records } = await read(write(name, lines));
      expect(new Set(records.map((r) => r.service)), name).toEqual(new Set(['orders']));
    }
    // Elsewhere the program still names them.
    const { records } = await read(write('node.log', lines));
    expect(new Set(records.map((r) => r.service))).toEqual(new Set(['gunicorn']));
  });

  it("names the records of a service's file after it, not after an interpreter program", async () => {
    // Lines repeat their shapes: the later ones are read from the shape cache.
    const lines = Array.from(
      { length: 8 },
      (_, i) => `Nov 29 10:00:${String(10 + i)} web-1 python3[812]: ERROR payment ${i} failed`,
    );
    const named = await read(write('orders.log', lines));
    expect(new Set(named.records.map((r) => r.service))).toEqual(new Set(['orders']));
    // The system's log names no service: the program is all there is.
    const system = await read(write('messages', lines));
    expect(new Set(system.records.map((r) => r.service))).toEqual(new Set(['python3']));
  });

  it('reads a file that mixes text and logfmt lines, each logfmt line parsed once', async () => {
    // Text lines first, so that the header is learned from them alone and lines are read by shape.
    const lines = [];
    for (let i = 0; i < 12; i++) {
      lines.push(`2026-11-29 10:00:${String(10 + i)} INFO order ${i} placed`);
    }
    for (let i = 0; i < 6; i++) {
      lines.push(
        `time=2026-11-29T10:01:${String(10 + i)}Z level=error msg="db down" err="dial tcp: refused" try=${i}`,
      );
      lines.push(`2026-11-29 10:01:${String(10 + i)} WARN retry ${i} in 2s`);
      // A message made of pairs, with no msg: text, as before.
      lines.push(`state=draining level=${i}`);
    }
    const parse = vi.spyOn(logfmt, 'parse');
    const { records, summary } = await read(write('orders.log', lines), 10);
    const calls = parse.mock.calls.filter(([line]) => line.startsWith('time=')).length;
    parse.mockRestore();
    expect(summary.kinds).toEqual({ text: 24, logfmt: 6 });
    expect(records.slice(12, 15)).toEqual([
      {
        service: 'orders',
        level: 'error',
        timestamp: Date.parse('2026-11-29T10:01:10Z'),
        content: 'db down',
        exception: 'dial tcp: refused',
      },
      {
        service: 'orders',
        level: 'warn',
        timestamp: Date.parse('2026-11-29T10:01:10Z'),
        content: 'retry 0 in 2s',
      },
      { service: 'orders', content: 'state=draining level=0' },
    ]);
    // The logfmt package reads each logfmt line once: to tell it from text and to read it.
    expect(calls).toBe(6);
  });
});
