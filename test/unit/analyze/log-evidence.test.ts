import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../../analyze/traces/logs/records.js';
import { createSimpleMiner } from '../../../analyze/traces/logs/templates.js';
import { readLogEvidenceInput } from '../../../analyze/traces/logs/read.js';
import { analyzeTraces, fileSource } from '../../../analyze/traces/analyze.js';

const FIX = path.resolve(import.meta.dirname, '../../fixtures/traces');
const fx = (p: string) => path.join(FIX, p);

describe('log records', () => {
  it('reads OTLP logs, ECS-style JSON lines and plain text with ids', () => {
    const otlp = parseLogLine(
      JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pay' } }] },
            scopeLogs: [
              {
                logRecords: [
                  {
                    body: { stringValue: 'boom' },
                    severityNumber: 17,
                    traceId: 'ab'.repeat(16),
                    spanId: 'cd'.repeat(8),
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(otlp).toEqual([
      {
        service: 'pay',
        traceId: 'ab'.repeat(16),
        spanId: 'cd'.repeat(8),
        error: true,
        message: 'boom',
      },
    ]);
    expect(
      parseLogLine(
        '{"log.level":"warn","message":"slow","service.name":"web","trace.id":"' +
          'ef'.repeat(16) +
          '"}',
      ),
    ).toEqual([
      {
        service: 'web',
        traceId: 'ef'.repeat(16),
        spanId: undefined,
        error: false,
        message: 'slow',
      },
    ]);
    expect(
      parseLogLine(
        `12:00:01.5 ERROR c.Foo#12 TraceID: ${'12'.repeat(16)} SpanID: ${'34'.repeat(8)} [x] failed`,
      ),
    ).toEqual([
      {
        service: undefined,
        traceId: '12'.repeat(16),
        spanId: '34'.repeat(8),
        error: true,
        message: `c.Foo#12 TraceID: ${'12'.repeat(16)} SpanID: ${'34'.repeat(8)} [x] failed`,
      },
    ]);
    expect(parseLogLine('{"broken')).toBeUndefined();
    expect(parseLogLine('')).toEqual([]);
  });

  it('the simple miner gives one template to lines that differ in values only', () => {
    const m = createSimpleMiner();
    const a = m.add('order 17 stored in 12 ms by c.Store#54');
    const b = m.add('order 4242 stored in 9 ms by c.Store#54');
    const c = m.add('order 17 refused');
    m.finish();
    expect(m.templateOf(a)).toEqual(m.templateOf(b));
    expect(m.templateOf(a).template).toBe('order <*> stored in <*> ms by c.Store#<*>');
    expect(m.templateOf(c)).not.toEqual(m.templateOf(a));
  });
});

describe('log evidence', () => {
  it('finds new error patterns per service, resolves services by span id and ties lines to traces', async () => {
    const logs = await readLogEvidenceInput(
      [fx('logs-checkout/incident.logs.jsonl')],
      [fx('logs-checkout/baseline.logs.jsonl')],
    );
    const r = await analyzeTraces({
      input: fileSource([fx('checkout-otlp-lines/traces.jsonl')], { workers: 0 }),
      logs,
    });
    const l = r.logs!;
    expect(l.malformedLines).toBe(1);
    const pay = l.services.find((s) => s.service === 'payments')!;
    expect(pay).toMatchObject({
      lines: 20,
      errorLines: 10,
      baselineLines: 20,
      baselineErrorLines: 0,
      errorTraces: 1,
      errorTracesSeen: 1,
    });
    expect(pay.newErrorPatterns[0]).toMatchObject({
      template: 'connection to bank refused after <*> retries',
      errors: 10,
    });
    // The plain line named no service: its span id says it is the frontend's.
    expect(l.services.find((s) => s.service === 'frontend')).toMatchObject({
      lines: 1,
      errorLines: 1,
    });
    expect(l.unknownService).toBe(0);
    expect(l.evidence[0]!.service).toBe('payments');
    expect(l.evidence.map((e) => `${e.service} ${e.kind}`)).toContain('payments newLogErrors');
    // One error line of a service the baseline never heard from is weak evidence.
    const fe = l.evidence.find((e) => e.service === 'frontend');
    expect(fe === undefined || fe.score < 0.1).toBe(true);
    expect(r.rootCauses[0]!.service).toBe('payments');
  });

  it('stops at a malformed log line with --strict', async () => {
    await expect(
      readLogEvidenceInput([fx('logs-checkout/incident.logs.jsonl')], undefined, { strict: true }),
    ).rejects.toThrow(/malformed JSON log line/);
  });
});
