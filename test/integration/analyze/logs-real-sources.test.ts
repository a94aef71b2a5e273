// `obs analyze logs` on the real output of the programs our users run (Python logging in five
// formats, Flask, gunicorn and uvicorn serving requests, Node's console and pino, and the JSON
// lines of our own instrumentation): levels, messages, services and trace ids come out right.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogAnalysis } from '../../../analyze/logs/analyze.js';
import type { LogReport, PatternReport } from '../../../analyze/logs/report-types.js';
import { captureRealLogs } from '../../support/log-sources.js';
import type { RealLogs } from '../../support/log-sources.js';

let dir: string;
let logs: RealLogs;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obs-logs-real-'));
  logs = await captureRealLogs();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Writes a source's events back as the lines the program printed and analyzes them. */
async function analyze(name: string, events: string[]): Promise<LogReport> {
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.log`);
  await writeFile(file, events.join('\n') + '\n');
  return (await createLogAnalysis({ files: [file] }).run()).report;
}

const find = (r: LogReport, template: string): PatternReport | undefined =>
  r.patterns.find((p) => p.template === template);

describe('obs analyze logs on real program output', () => {
  it('Python logging in five formats in one stream: one pattern per message, with its level', async () => {
    const r = await analyze('python logging', logs.text['python logging']!);
    expect(find(r, 'charge failed')).toMatchObject({ level: 'error' });
    expect(find(r, 'charge failed')!.count).toBeGreaterThanOrEqual(5);
    expect(find(r, 'database unreachable')).toMatchObject({ level: 'fatal' });
    expect(find(r, 'payment slow: <*>')).toMatchObject({ level: 'warn' });
    // Each traceback is part of its `charge failed` record, which names the exception raised.
    expect(find(r, 'charge failed')!.exceptions).toEqual([
      {
        type: 'ValueError',
        count: find(r, 'charge failed')!.count,
        example: 'ValueError: card declined',
      },
    ]);
    expect(find(r, 'Traceback (most recent call last):')).toBeUndefined();
    expect(r.inputs[0]!.joinedLines).toBeGreaterThanOrEqual(5 * 4);
  });

  it('Flask: warnings and the logged exception', async () => {
    const r = await analyze('flask', logs.text.flask!);
    const warn = r.patterns.find(
      (p) => p.level === 'warn' && p.template.includes('stock low for sku'),
    );
    expect(warn).toBeDefined();
    const boom = r.patterns.filter((p) => p.template.includes('Exception on /boom [GET]'));
    expect(boom.map((p) => [p.level, p.exceptions.map((e) => e.example)])).toEqual([
      ['error', ['RuntimeError: inventory service down']],
    ]);
    // The traceback, Python 3.11's ^^^ markers included, is all one record's.
    expect(r.totals.records).toBe(2);
  });

  it('gunicorn and uvicorn: levels from their own headers, and access lines from their status', async () => {
    const gunicorn = await analyze('gunicorn error log', logs.text['gunicorn error log']!);
    expect(find(gunicorn, 'Booting worker with pid: <*>')).toMatchObject({ level: 'info' });
    const uvicorn = await analyze('uvicorn log', logs.text['uvicorn log']!);
    expect(find(uvicorn, 'Started server process [<*>]')).toMatchObject({ level: 'info' });
    expect(find(uvicorn, 'Exception in ASGI application')).toMatchObject({
      level: 'error',
      exceptions: [
        { type: 'ZeroDivisionError', count: 1, example: 'ZeroDivisionError: refund ratio' },
      ],
    });
    const access = await analyze('uvicorn access log', logs.text['uvicorn access log']!);
    expect(access.totals.records).toBeGreaterThanOrEqual(2);
    // uvicorn writes every access at INFO; /refund raised, and its 500 is an error.
    const byStatus = (text: string) => access.patterns.filter((p) => p.template.includes(text));
    expect(byStatus('/pay').map((p) => p.level)).toEqual(['info']);
    expect(byStatus('/refund').map((p) => p.level)).toEqual(['error']);
  });

  it("OpenTelemetry Python's log format: service and trace ids from its header, not in the message", async () => {
    const r = await analyze('otel python', logs.text['otel python log correlation']!);
    expect(r.services.map((s) => s.service)).toEqual(['orders']);
    const failed = find(r, 'payment failed for order <*>');
    expect(failed).toMatchObject({
      level: 'error',
      count: 2,
      exceptions: [{ type: 'RuntimeError', count: 2, example: 'RuntimeError: card declined' }],
    });
    expect(failed!.traceIds).toHaveLength(2);
    // Logged outside any span (trace_id=0): the same header is cut, no trace is named.
    expect(find(r, 'queue slow')).toMatchObject({ level: 'warn', traceIds: [] });
    expect(r.patterns.map((p) => p.template).join('\n')).not.toContain('trace_id');
  });

  it('pino JSON: numeric levels and trace ids', async () => {
    const r = await analyze('pino', logs.json.pino!);
    expect(r.inputs[0]!.kinds).toEqual({ json: logs.json.pino!.length });
    const failed = find(r, 'checkout failed')!;
    expect(failed).toMatchObject({
      level: 'error',
      traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
    });
    expect(find(r, 'stock low')).toMatchObject({ level: 'warn' });
  });

  it('our JSON log lines (LOG_FIELDS): service, level, error type and trace id', async () => {
    const r = await analyze('LOG_FIELDS json', logs.json['LOG_FIELDS json']!);
    const payments = r.services.find((s) => s.service === 'payments')!;
    expect(payments.errors).toBeGreaterThanOrEqual(1);
    expect(payments.errorPatterns[0]).toMatchObject({
      template: 'ZeroDivisionError: refund failed',
      traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
    });
  });

  it('Node console: every line is read, a stack trace as part of its error', async () => {
    const events = logs.text['node console']!;
    const r = await analyze('node console', events);
    expect(r.totals.lines).toBe(events.join('\n').split('\n').length);
    expect(r.totals.skipped).toBe(0);
    // One record per event: the frames go with the error printed above them.
    expect(r.totals.records).toBe(events.length);
    const raised = r.patterns.flatMap((p) => p.exceptions.map((e) => [p.level, e.type]));
    expect(raised.sort()).toEqual([
      ['error', 'CheckoutError'],
      ['error', 'TypeError'],
    ]);
  });
});
