// `obs analyze logs` end to end through the built binary (npm run build first).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogReport } from '../../../../analyze/logs/report-types.js';
import { runObs } from '../../../support/run-obs.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obs-logs-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const at = (name: string) => path.join(dir, name);
const csvRows = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));

/** The report of `obs analyze logs ARGS --json`, which must succeed. */
async function logsReport(...args: string[]): Promise<LogReport> {
  const r = await runObs(['analyze', 'logs', ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as LogReport;
}

/** A small service log: INFO traffic, and an error pattern that carries trace ids. */
function serviceLog(opts: {
  start: number;
  requests: number;
  errors: number;
  timeouts: number;
}): string {
  const lines: string[] = [];
  const ts = (i: number) =>
    new Date(opts.start + i * 1000).toISOString().replace('T', ' ').replace('Z', '');
  for (let i = 0; i < opts.requests; i++) {
    lines.push(
      `${ts(i)} INFO  [http-${i % 4}] c.shop.CartController: GET /cart/${1000 + i} 200 in ${10 + (i % 7)} ms`,
    );
  }
  for (let i = 0; i < opts.errors; i++) {
    lines.push(
      `${ts(i)} ERROR [http-1] c.shop.PaymentClient: payment ${5000 + i} declined: gateway timeout trace_id=${(0xabc000 + i).toString(16).padStart(32, '0')}`,
    );
  }
  for (let i = 0; i < opts.timeouts; i++) {
    lines.push(
      `${ts(i)} WARN  [http-2] c.shop.StockClient: stock lookup for item ${i} took ${900 + i} ms`,
    );
  }
  return lines.join('\n') + '\n';
}

// Each case runs the CLI (a Node start-up or two); the machine may be busy.
describe('obs analyze logs', { timeout: 60_000 }, () => {
  it('writes a CSV with a header and the pattern of every line, empty and binary ones included', async () => {
    const log = at('app.log');
    await writeFile(
      log,
      Buffer.concat([
        Buffer.from('Disk /dev/sda1 is 91% full\nDisk /dev/sdb2 is 97% full\n\n'),
        Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x0a]),
        Buffer.from('user alice logged in from 10.0.0.1\n{"message": "broken json\n'),
      ]),
    );
    const csv = at('app.csv');
    const r = await runObs(['analyze', 'logs', log, '--emit-assignments', csv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = csvRows(await readFile(csv, 'utf8'));
    expect(rows[0]).toEqual(['line', 'pattern']);
    expect(rows.slice(1).map((x) => Number(x[0]))).toEqual([1, 2, 3, 4, 5, 6]);
    const pattern = rows.slice(1).map((x) => x[1]);
    expect(pattern[0]).toMatch(/^[0-9a-f]{12}$/);
    expect(pattern[1]).toBe(pattern[0]); // the two disk lines are one pattern
    expect(pattern[2]).toBe('skipped'); // empty
    expect(pattern[3]).toBe('skipped'); // binary
    expect(pattern[4]).not.toBe(pattern[0]);

    const report = JSON.parse(r.stdout) as LogReport;
    expect(report.version).toBe(1);
    expect(report.totals).toMatchObject({ lines: 6, records: 4, skipped: 2, malformedJson: 1 });
    expect(report.inputs[0]).toMatchObject({
      file: log,
      skipped: { empty: 1, binary: 1, noRecords: 0 },
      malformedJson: 1,
      invalidUtf8Lines: 1,
    });
    expect(report.inputs[0]!.problems).toEqual([
      { line: 4, problem: 'binary data, not a log line' },
      expect.objectContaining({
        line: 6,
        problem: expect.stringMatching(/^malformed JSON/) as unknown,
      }),
    ]);
    const disk = report.patterns.find((p) => p.id === pattern[0])!;
    expect(disk).toMatchObject({ template: 'Disk <*> is <*> full', count: 2, services: ['app'] });
  });

  /** The CSV rows `--emit-assignments` writes for `files` (the run must succeed). */
  const assignments = async (files: string[], csv: string) => {
    const r = await runObs(['analyze', 'logs', ...files, '--emit-assignments', csv]);
    expect(r.code, r.stderr).toBe(0);
    return csvRows(await readFile(csv, 'utf8'));
  };

  it('numbers lines per file and names the file when given several', async () => {
    await writeFile(at('a.log'), 'job 1 done\njob 2 done\n');
    await writeFile(at('b.log.gz'), gzipSync('job 3 done\n'));
    const rows = await assignments([at('a.log'), at('b.log.gz')], at('ab.csv'));
    expect(rows[0]).toEqual(['line', 'pattern', 'file']);
    expect(rows.slice(1).map((x) => [x[0], x[2]])).toEqual([
      ['1', at('a.log')],
      ['2', at('a.log')],
      ['1', at('b.log.gz')],
    ]);
    expect(new Set(rows.slice(1).map((x) => x[1])).size).toBe(1);
  });

  it('gives a file named twice its rows twice', async () => {
    await writeFile(at('twice.log'), 'job 1 done\njob 2 done\n');
    const rows = await assignments([at('twice.log'), at('twice.log')], at('twice.csv'));
    expect(rows.slice(1).map((x) => x[0])).toEqual(['1', '2', '1', '2']);
  });

  it('mines in parts with --workers and writes the CSV of one thread', async () => {
    await writeFile(
      at('parts.log'),
      Array.from(
        { length: 3000 },
        (_, i) => `2024-05-01 10:00:00 INFO job ${i} done in ${i % 50} ms\n`,
      ).join(''),
    );
    const csvs: string[] = [];
    for (const workers of ['0', '2']) {
      const csv = at(`parts-${workers}.csv`);
      const r = await runObs([
        'analyze',
        'logs',
        at('parts.log'),
        '--workers',
        workers,
        '--emit-assignments',
        csv,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as LogReport).totals.lines).toBe(3000);
      csvs.push(await readFile(csv, 'utf8'));
    }
    expect(csvs[1]).toBe(csvs[0]);
    const bad = await runObs(['analyze', 'logs', at('parts.log'), '--workers', '-1', '--json']);
    expect(bad.code).toBe(2);
  });

  it('fails on a truncated gzip with the file named, exit 65, and writes no CSV', async () => {
    const gz = gzipSync(Buffer.from('line one\n'.repeat(5000)));
    await writeFile(at('cut.log.gz'), gz.subarray(0, gz.length - 20));
    const csv = at('cut.csv');
    const r = await runObs(['analyze', 'logs', at('cut.log.gz'), '--emit-assignments', csv]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain(`${at('cut.log.gz')}: gzip stream is truncated`);
    expect(existsSync(csv)).toBe(false);
  });

  it('exits 66 for a missing file and 64 for a format without <Content>', async () => {
    const missing = await runObs(['analyze', 'logs', at('nope.log'), '--json']);
    expect(missing.code).toBe(66);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      error: { code: 'OBS_INPUT_UNREADABLE', file: at('nope.log') },
    });
    await writeFile(at('x.log'), 'x\n');
    const bad = await runObs(['analyze', 'logs', at('x.log'), '--log-format', '<Date> <Level>']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('it needs a <Content> field');
  });

  it('exits 65 when no line held a record, saying what the lines were', async () => {
    await writeFile(at('void.log'), Buffer.from([0x0a, 0x00, 0x01, 0xfe, 0x0a, 0x20, 0x0a]));
    const r = await runObs(['analyze', 'logs', at('void.log'), '--json']);
    expect(r.code).toBe(65);
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: {
        code: 'OBS_EMPTY_INPUT',
        message: `no log records in ${at('void.log')}: 3 lines, 2 empty, 1 binary`,
      },
    });
  });

  it('says when most lines do not match a --log-format', async () => {
    await writeFile(at('hdfs.log'), '081109 203615 148 INFO dfs.DataNode: block served\n');
    const r = await runObs([
      ...['analyze', 'logs', at('hdfs.log')],
      ...['--log-format', '[<Time>] [<Level>] <Content>'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /1 of 1 records do not match the header \(--log-format .*\): mined whole/,
    );
  });

  it('reads a pretty-printed OTLP logs document as one, and a text file opening with { by line', async () => {
    const record = (severityText: string, body: string) => ({
      timeUnixNano: '1714557606000000000',
      severityText,
      body: { stringValue: body },
    });
    const doc = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'payments' } }] },
          scopeLogs: [{ logRecords: [record('ERROR', 'card declined'), record('INFO', 'ok')] }],
        },
      ],
    };
    const pretty = JSON.stringify(doc, null, 2);
    await writeFile(at('pretty.json'), pretty + '\n');
    const csv = at('pretty.csv');
    const r = await runObs([
      'analyze',
      'logs',
      at('pretty.json'),
      '--json',
      '--emit-assignments',
      csv,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as LogReport;
    expect(report.inputs[0]).toMatchObject({ lines: pretty.split('\n').length, records: 2 });
    expect(report.services).toMatchObject([{ service: 'payments', errors: 1 }]);
    const rows = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(rows).toHaveLength(1 + pretty.split('\n').length);

    await writeFile(at('brace.log'), '{\nstarting worker 1\nstarting worker 2\n');
    const t = await runObs(['analyze', 'logs', at('brace.log'), '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect((JSON.parse(t.stdout) as LogReport).inputs[0]).toMatchObject({ lines: 3, records: 3 });
  });

  it('reads an OTLP logs line of more than 1 MiB whole (a Collector batch)', async () => {
    const logRecords = Array.from({ length: 8000 }, (_, i) => ({
      timeUnixNano: '1714557606000000000',
      severityText: i % 100 === 0 ? 'ERROR' : 'INFO',
      body: { stringValue: `request ${i} served ${'x'.repeat(120)}` },
    }));
    const line = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] },
          scopeLogs: [{ logRecords }],
        },
      ],
    });
    expect(line.length).toBeGreaterThan(1 << 20);
    await writeFile(at('batch.jsonl'), `${line}\n`);
    const r = await runObs(['analyze', 'logs', at('batch.jsonl'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as LogReport;
    expect(report.inputs[0]).toMatchObject({ records: 8000, truncatedLines: 0, malformedJson: 0 });
    expect(report.services).toMatchObject([{ service: 'cart', errors: 80 }]);
  });

  it('mines an over-long line on its start and counts it', async () => {
    await writeFile(at('long.log'), `short line 1\n${'A'.repeat(2 << 20)} tail\nshort line 2\n`);
    const r = await runObs(['analyze', 'logs', at('long.log'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as LogReport;
    expect(report.totals.lines).toBe(3);
    expect(report.inputs[0]).toMatchObject({ truncatedLines: 1, longMessages: 1 });
  });

  it('counts each format in a file of mixed formats', async () => {
    await writeFile(
      at('mixed.log'),
      [
        'plain text line 1',
        '{"message":"json line","level":"error"}',
        '2024-03-01T10:00:02.5Z stdout F cri line',
        JSON.stringify({ log: 'docker line\n', stream: 'stdout', time: '2024-03-01T10:00:03Z' }),
        JSON.stringify({ log: '{"msg": broken\n', stream: 'stdout', time: '2024-03-01T10:00:04Z' }),
        '{"message": broken too',
      ].join('\n'),
    );
    const r = await runObs(['analyze', 'logs', at('mixed.log'), '--json']);
    const report = JSON.parse(r.stdout) as LogReport;
    expect(report.inputs[0]!.kinds).toEqual({ text: 2, json: 1, cri: 1, docker: 2 });
    // Malformed JSON, on its own line or inside a Docker line, is counted either way.
    expect(report.inputs[0]!.malformedJson).toBe(2);
    expect(report.services[0]).toMatchObject({ service: 'mixed', errors: 1 });
  });

  it('reports error patterns per service and what is new or spiking against a baseline, with trace ids', async () => {
    const t = Date.UTC(2024, 2, 1, 10);
    await writeFile(
      at('shop.log'),
      serviceLog({ start: t, requests: 600, errors: 40, timeouts: 120 }),
    );
    // The baseline is the same service's log from an hour before, in a folder of its own.
    await mkdir(at('baseline'));
    await writeFile(
      at('baseline/shop.log'),
      serviceLog({ start: t - 3_600_000, requests: 600, errors: 0, timeouts: 6 }),
    );
    const report = await logsReport(at('shop.log'), '--baseline', at('baseline/shop.log'));
    expect(report.baseline).toMatchObject({
      records: 606,
      exposure: { unit: 'records', incident: 760, baseline: 606 },
    });
    const shop = report.services.find((s) => s.service === 'shop')!;
    expect(shop.errors).toBe(40);
    expect(shop.errorPatterns[0]).toMatchObject({
      template: 'payment <*> declined: gateway timeout trace_id=<*>',
      count: 40,
    });
    expect(shop.newPatterns!.map((p) => [p.template, p.level, p.count])).toEqual([
      ['payment <*> declined: gateway timeout trace_id=<*>', 'error', 40],
    ]);
    expect(shop.newPatterns![0]!.traceIds).toEqual([
      '00000000000000000000000000abc000',
      '00000000000000000000000000abc001',
      '00000000000000000000000000abc002',
      '00000000000000000000000000abc003',
      '00000000000000000000000000abc004',
    ]);
    expect(shop.spikingPatterns!.map((p) => [p.template, p.count, p.baselineCount])).toEqual([
      ['stock lookup for item <*> took <*>', 120, 6],
    ]);
    // Steady traffic is neither new nor spiking.
    const cart = report.patterns.find((p) => p.template.startsWith('GET'))!;
    expect(cart).toMatchObject({ count: 600, baselineCount: 600 });
    expect(cart.change).toBeUndefined();
    expect(cart.overTime).toMatchObject({ start: '2024-03-01T10:00:00.000Z' });
    expect(cart.overTime!.counts.reduce((a, b) => a + b, 0)).toBe(600);
  });

  it('gives a pattern whose records had no time an empty series, not zero counts', async () => {
    await writeFile(
      at('untimed.log'),
      [
        '2024-03-01 10:00:01 INFO request 1 served',
        '2024-03-01 10:00:02 INFO request 2 served',
        'worker 7 restarted',
        'worker 8 restarted',
      ].join('\n') + '\n',
    );
    const report = await logsReport(at('untimed.log'));
    const timed = report.patterns.find((p) => p.template.startsWith('request'))!;
    expect(timed.overTime).toEqual({
      start: '2024-03-01T10:00:00.000Z',
      bucketSeconds: 60,
      counts: [2],
    });
    const untimed = report.patterns.find((p) => p.template.startsWith('worker'))!;
    expect(untimed.firstSeen).toBeNull();
    expect(untimed.overTime).toEqual({
      start: '2024-03-01T10:00:00.000Z',
      bucketSeconds: 60,
      counts: [],
    });
  });

  it('warns when the baseline names none of the input services (files named differently)', async () => {
    await mkdir(at('other-base'));
    await writeFile(at('other-base/baseline_app.log'), 'ERROR disk 1 full\nINFO ok\n');
    await writeFile(at('app.log'), 'ERROR disk 2 full\nINFO ok\n');
    const report = await logsReport(at('app.log'), '--baseline', at('other-base/baseline_app.log'));
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /^the baseline has none of the input's services \(input: app; baseline: baseline_app\)/,
      ),
    ]);
    // Named alike, nothing to warn about.
    await writeFile(at('other-base/app.log'), 'ERROR disk 1 full\nINFO ok\n');
    expect(
      (await logsReport(at('app.log'), '--baseline', at('other-base/app.log'))).warnings,
    ).toEqual([]);
  });

  it('shows no credential of a log line in its examples or templates', async () => {
    await writeFile(
      at('auth.log'),
      [1, 2, 3]
        .map(
          (k) =>
            `2024-05-01 12:00:0${k},000 ERROR [cfg] bad config password=letmein api_key=supersecret try ${k}\n` +
            `2024-05-01 12:00:0${k},500 ERROR [db] connect failed: postgresql://orders:S3cret@db:5432/orders`,
        )
        .join('\n') + '\n',
    );
    const r = await runObs(['analyze', 'logs', at('auth.log'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/letmein|supersecret|S3cret/);
    expect(r.stdout).toContain('password=[redacted] api_key=[redacted]');
  });

  it('finds 5xx lines of an access log new, though they share a template with the 2xx ones', async () => {
    const access = (n: number, failEvery: number) =>
      Array.from(
        { length: n },
        (_, i) =>
          `10.244.1.${i % 250} - - [02/May/2024:08:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000] "GET /api/cart/${i} HTTP/1.1" ${failEvery > 0 && i % failEvery === 0 ? 500 : 200} ${100 + i} "-" "python-requests/2.31"`,
      ).join('\n') + '\n';
    await mkdir(at('access-base'));
    await writeFile(at('access-base/checkout.log'), access(2000, 0));
    await writeFile(at('checkout.log'), access(400, 5));
    const report = await logsReport(
      at('checkout.log'),
      '--baseline',
      at('access-base/checkout.log'),
    );
    expect(report.patterns).toHaveLength(1);
    expect(report.patterns[0]).toMatchObject({ level: 'info', levels: { info: 320, error: 80 } });
    expect(report.totals.firstSeen).toBe('2024-05-02T08:00:00.000Z');
    const checkout = report.services.find((s) => s.service === 'checkout')!;
    expect(checkout.newPatterns!.map((p) => [p.level, p.count, p.baselineCount])).toEqual([
      ['error', 80, 0],
    ]);
  });

  it('prints a terminal report and Markdown', async () => {
    await writeFile(
      at('svc.log'),
      serviceLog({ start: Date.UTC(2024, 0, 1), requests: 20, errors: 3, timeouts: 0 }),
    );
    const text = await runObs(['analyze', 'logs', at('svc.log')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/== svc: 23 records, 3 errors/);
    expect(text.stdout).toContain('error patterns:');
    const markdown = await runObs(['analyze', 'logs', at('svc.log'), '--format', 'markdown']);
    expect(markdown.stdout).toMatch(/^# Log patterns/);
    expect(markdown.stdout).toContain('| count | id | template | raised | traces |');
  });
});
