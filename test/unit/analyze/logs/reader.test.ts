import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import logfmt from 'logfmt';
import { describe, expect, it, vi } from 'vitest';
import { createLogAnalysis } from '../../../../analyze/logs/analyze.js';
import { newSummary, readLogFile } from '../../../../analyze/logs/reader.js';
import type { LogRecord } from '../../../../analyze/logs/records.js';
import type { InputSummary } from '../../../../analyze/logs/report-types.js';
import {
  containerId,
  dockerConfig,
  dockerContainer,
  dockerSampleLines,
} from '../../../support/docker-logs.js';

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

  it("mines an RFC 5424 file's MSGs, not its structured data, lines of a known shape too", async () => {
    const lines = [];
    for (let i = 0; i < 20; i++) {
      const sd = `[exampleSDID@32473 iut="${i}" eventSource="App ${i % 3}" eventID="10${i}"][meta seq="${i}"]`;
      lines.push(
        `<165>1 2026-11-29T22:14:${String(10 + i)}.003Z host orders 1234 ID47 ${sd} payment failed for order ${i}`,
      );
      lines.push(
        `<14>1 2026-11-29T22:14:${String(10 + i)}.500Z host orders 1234 - - order ${i} placed`,
      );
    }
    const f = write('orders-syslog.log', lines);
    const { records, summary } = await read(f);
    expect(records).toHaveLength(40);
    expect(summary.headerMismatch).toBe(0);
    // Counted as a format of their own, not as text.
    expect(summary.kinds).toEqual({ rfc5424: 40 });
    expect(records[0]).toEqual({
      service: 'orders',
      level: 'info',
      timestamp: Date.UTC(2026, 10, 29, 22, 14, 10, 3),
      content: 'payment failed for order 0',
    });
    expect(records[3]!.content).toBe('order 1 placed');
    const result = await createLogAnalysis({ files: [f], workers: 0 }).run();
    expect(result.report.patterns.map((p) => p.template).sort()).toEqual([
      'order <*> placed',
      'payment failed for order <*>',
    ]);
  });

  it('names the records of a Kubernetes container log after the container, not a syslog program', async () => {
    // kubelet's paths name the container, as a kubectl prefix does: the program in a line names
    // only the process inside it.
    const lines = Array.from(
      { length: 6 },
      (_, i) => `Nov 29 10:00:${String(10 + i)} web-7d9f payments[1]: ERROR payment ${i} failed`,
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
    expect(new Set(records.map((r) => r.service))).toEqual(new Set(['payments']));
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

describe('readLogFile of a Docker json-file log', () => {
  const lines = dockerSampleLines();
  const docker = path.join(tmp, 'docker');
  const services = async (file: string) => (await read(file)).records.map((r) => r.service);

  it('names its records after the compose service in config.v2.json, rotations too', async () => {
    const id = containerId('a');
    const config = dockerConfig('/shop-orders-1', 'orders');
    const log = dockerContainer(docker, id, config, lines);
    const rotated = dockerContainer(docker, id, config, lines, `${id}-json.log.1`);
    for (const file of [log, rotated]) {
      // A record's own service field still names it.
      expect(await services(file), file).toEqual(['orders', 'orders', 'pay']);
    }
  });

  it('names them after the container name without compose', async () => {
    const log = dockerContainer(docker, containerId('b'), dockerConfig('/orders-db'), lines);
    expect(await services(log)).toEqual(['orders-db', 'orders-db', 'pay']);
  });

  it('names them after the file, as any file, when config.v2.json is malformed or missing', async () => {
    const configs = [
      '{"Name": "/orders", "Config": {"Labels": {"com.docker.compose.service": "ord', // cut off
      '[]',
      '{"Name": 7, "Config": {"Labels": {"com.docker.compose.service": ""}}}',
      dockerConfig('/'),
      undefined,
    ];
    for (const [k, config] of configs.entries()) {
      const id = containerId(String(k));
      const log = dockerContainer(docker, id, config, lines);
      const { records, summary } = await read(log);
      expect(
        records.map((r) => r.service),
        config,
      ).toEqual([`${id}-json`, `${id}-json`, 'pay']);
      expect(summary.problems).toEqual([]);
    }
  });

  it('reads config.v2.json only for a file named as Docker names its logs', async () => {
    const id = containerId('c');
    dockerContainer(docker, id, dockerConfig('/orders-1', 'orders'), lines);
    const other = path.join(docker, 'containers', id, 'app.log');
    writeFileSync(other, lines.join('\n') + '\n');
    expect(await services(other)).toEqual(['app', 'app', 'pay']);
  });
});
