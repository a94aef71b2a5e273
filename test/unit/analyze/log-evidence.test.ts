import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLogEvidenceInput } from '../../../analyze/traces/logs/read.js';
import { analyzeTraces, fileSource } from '../../../analyze/traces/analyze.js';
import { renderText } from '../../../analyze/report/text.js';
import type { SpanSource } from '../../../analyze/traces/analyze.js';
import type { Span } from '../../../analyze/traces/span.js';
import { ObsError } from '../../../core/errors.js';
import { LOG_FIELDS } from '../../../model/conventions.js';
import { span } from '../../support/spans.js';
import {
  containerId,
  dockerConfig,
  dockerContainer,
  dockerLine,
  dockerSampleLines,
} from '../../support/docker-logs.js';

const FIX = path.resolve(import.meta.dirname, '../../fixtures/traces');
const fx = (p: string) => path.join(FIX, p);

const dir = mkdtempSync(path.join(tmpdir(), 'obs-log-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function file(lines: string[]): string {
  const f = path.join(dir, `f${files++}.log`);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

function memory(spans: Span[]): SpanSource {
  return {
    describe: 'memory',
    // eslint-disable-next-line @typescript-eslint/require-await
    spans: async function* () {
      yield spans;
    },
  };
}

const tid = (k: number) => k.toString(16).padStart(32, '0');
const sid = (k: number, s: string) => `${s}${k.toString(16).padStart(14, '0')}`.slice(0, 16);

/** A JSON log line as our instrumentation writes it. */
function json(service: string, level: string, message: string, k?: number, spanOf?: string) {
  return JSON.stringify({
    [LOG_FIELDS.level]: level,
    [LOG_FIELDS.message]: message,
    [LOG_FIELDS.service]: service,
    ...(k !== undefined ? { [LOG_FIELDS.traceId]: tid(k) } : {}),
    ...(k !== undefined && spanOf !== undefined ? { [LOG_FIELDS.spanId]: sid(k, spanOf) } : {}),
  });
}

/** web -> orders -> payments, and web -> search for some requests. */
function requests(from: number, n: number, withSearch: (k: number) => boolean): Span[] {
  const out: Span[] = [];
  for (let k = from; k < from + n; k++) {
    const trace = tid(k);
    const t = k * 100;
    out.push(
      span({ id: sid(k, 'aa'), service: 'web', name: 'GET /', start: t, end: t + 50, trace }),
      span({
        id: sid(k, 'bb'),
        parent: sid(k, 'aa'),
        service: 'orders',
        name: 'POST /orders',
        start: t + 1,
        end: t + 30,
        trace,
      }),
      span({
        id: sid(k, 'cc'),
        parent: sid(k, 'bb'),
        service: 'payments',
        name: 'POST /pay',
        start: t + 2,
        end: t + 20,
        trace,
      }),
    );
    if (withSearch(k))
      out.push(
        span({
          id: sid(k, 'dd'),
          parent: sid(k, 'aa'),
          service: 'search',
          name: 'GET /search',
          start: t + 31,
          end: t + 40,
          trace,
        }),
      );
  }
  return out;
}

/** Routine lines every request logs, in baseline and incident alike. */
function routine(from: number, n: number): string[] {
  const out: string[] = [];
  for (let k = from; k < from + n; k++) {
    out.push(json('web', 'info', `GET / took ${k % 17} ms`, k, 'aa'));
    out.push(json('orders', 'info', `order ${k} stored`, k, 'bb'));
    out.push(json('payments', 'info', `charged order ${k}`, k, 'cc'));
    out.push(json('search', 'info', `query ${k} answered`, k, 'dd'));
  }
  return out;
}

describe('log evidence input', () => {
  it('reads OTLP logs, JSON lines and plain text with the shared parser, learning the text header', async () => {
    const otlp = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pay' } }] },
          scopeLogs: [
            {
              logRecords: [
                { body: { stringValue: 'boom 1' }, severityNumber: 17, traceId: tid(1) },
                { body: { stringValue: 'boom 2' }, severityNumber: 17, traceId: tid(2) },
              ],
            },
          ],
        },
      ],
    });
    const text = [1, 2, 3, 4].map(
      (k) =>
        `17:30:0${k}.618 ${k % 2 ? 'ERROR' : 'INFO '} c.Foo#12 TraceID: ${tid(k)} SpanID: ${sid(k, 'aa')} [x] item ${k * 11} failed`,
    );
    const input = await readLogEvidenceInput(
      [file([otlp, json('web', 'warn', 'slow', 3), ...text])],
      undefined,
    );
    const inc = input.incident;
    expect(inc.services.get('pay')).toMatchObject({ lines: 2, errors: 2, withTrace: 2 });
    expect(inc.services.get('web')).toMatchObject({ lines: 1, errors: 0 });
    // Text lines name no service: they wait for the span they name. The level came from the
    // learned header (`time LEVEL ...`), so two of the four are errors.
    expect(inc.pending).toHaveLength(4);
    expect(inc.pending.filter((p) => p.error)).toHaveLength(2);
    expect(inc.errorsByTrace.get(tid(1))).toEqual([
      expect.objectContaining({ service: 'pay' }),
      { service: undefined, spanId: sid(1, 'aa'), ref: expect.any(Number) as number },
    ]);
    // The Drain miner makes the numbers variables: one pattern for all four text lines.
    const refs = new Set(inc.pending.map((p) => input.patternOf(p.ref).id));
    expect(refs.size).toBe(1);
    expect(input.patternOf(inc.pending[0]!.ref).template).toMatch(/\[x\] item <\*> failed$/);
  });

  it('mines incident and baseline with one miner: a pattern has one id on both sides', async () => {
    const input = await readLogEvidenceInput(
      [file([json('a', 'error', 'disk 7 full'), json('a', 'error', 'disk 9 full')])],
      [file([json('a', 'error', 'disk 3 full')])],
    );
    const id = (side: typeof input.incident) =>
      [...side.services.get('a')!.patterns.keys()].map((r) => input.patternOf(r).id);
    expect(new Set(id(input.incident))).toEqual(new Set(id(input.baseline!)));
  });

  it('counts a malformed line with its file and line, or stops there with --strict', async () => {
    const f = file([json('a', 'info', 'fine'), '{"broken', json('a', 'info', 'fine too')]);
    const input = await readLogEvidenceInput([f], undefined);
    expect(input.incident.problems.count('malformedJson')).toBe(1);
    expect(input.incident.problems.samples[0]).toMatchObject({ file: f, line: 2 });
    expect(input.incident.services.get('a')?.lines).toBe(2);
    const err = await readLogEvidenceInput([f], undefined, { strict: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ObsError);
    expect(err).toMatchObject({
      file: f,
      line: 2,
      message: expect.stringMatching(/malformed JSON/) as string,
    });
  });
});

describe('log evidence input of Docker json-file logs', () => {
  const lines = dockerSampleLines();
  const docker = path.join(dir, 'docker');
  const services = async (log: string) => {
    const { incident } = await readLogEvidenceInput([log], undefined);
    return Object.fromEntries([...incident.services].map(([s, t]) => [s, [t.lines, t.errors]]));
  };

  it("names records without a service after the container's compose service, else its name", async () => {
    // As `docker compose logs` would have named them by its prefix; a record's field still wins.
    const compose = dockerContainer(
      docker,
      containerId('d'),
      dockerConfig('/x-1', 'orders'),
      lines,
    );
    expect(await services(compose)).toEqual({ orders: [2, 1], pay: [1, 1] });
    const named = dockerContainer(docker, containerId('e'), dockerConfig('/orders-db'), lines);
    expect(await services(named)).toEqual({ 'orders-db': [2, 1], pay: [1, 1] });
  });

  it("gives a record that names a span its span's service, the container only those no span claims", async () => {
    // The compose service is `orders`; its spans say `orders-api`, the name the traces rank.
    const anonymous = (k: number, span: string | undefined) =>
      JSON.stringify({
        [LOG_FIELDS.level]: 'error',
        [LOG_FIELDS.message]: `stock lookup ${k} failed`,
        [LOG_FIELDS.traceId]: tid(k),
        ...(span !== undefined ? { [LOG_FIELDS.spanId]: span } : {}),
      });
    const log = dockerContainer(
      docker,
      containerId('a'),
      dockerConfig('/x-1', 'orders'),
      [
        anonymous(1, sid(1, 'bb')), // its span is in the traces
        anonymous(2, sid(2, 'ee')), // a span the traces do not have
        anonymous(3, undefined),
      ].map((l, i) => dockerLine(l, i)),
    );
    const logs = await readLogEvidenceInput([log], undefined);
    const spans = requests(1, 3, () => false).map((x) =>
      x.service === 'orders' ? { ...x, service: 'orders-api' } : x,
    );
    const r = await analyzeTraces({ input: memory(spans), logs });
    const lines = Object.fromEntries(r.logs!.services.map((x) => [x.service, x.errorLines]));
    expect(lines).toEqual({ 'orders-api': 1, orders: 2 });
  });

  it('leaves them without a service, as before, when config.v2.json is malformed', async () => {
    const log = dockerContainer(docker, containerId('f'), '{"Name": "/orders"', lines);
    expect(await services(log)).toEqual({ unknown: [2, 1], pay: [1, 1] });
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
      requests: 1,
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
    // The malformed line is said in the report's warnings, not only in its JSON.
    expect(r.warnings).toContain('logs: skipped 1 malformed JSON lines (see logs.malformedLines)');
    expect(l.evidence[0]).toMatchObject({ service: 'payments', kind: 'logErrorOrigin' });
    expect(l.evidence[0]!.text).toMatch(/start here in 1 of its 1 requests/);
    // One error line of a service the baseline never heard from is weak evidence.
    const fe = l.evidence.find((e) => e.service === 'frontend');
    expect(fe === undefined || fe.score < 0.1).toBe(true);
    expect(r.rootCauses[0]!.service).toBe('payments');
  });

  it('counts every trace with error lines of a service, not only the examples kept', async () => {
    // Error lines in 8 of 10 requests, all of one pattern; 3 trace ids are kept as examples.
    const lines = [...routine(1, 10)];
    for (let k = 1; k <= 8; k++)
      lines.push(json('payments', 'error', `card ${k} declined`, k, 'cc'));
    const r = await analyzeTraces({
      input: memory(requests(1, 10, () => false)),
      logs: await readLogEvidenceInput([file(lines)], undefined),
    });
    const pay = r.logs!.services.find((s) => s.service === 'payments')!;
    expect(pay).toMatchObject({ errorLines: 8, errorTraces: 8, errorTracesSeen: 8, requests: 10 });
    expect(pay.newErrorPatterns[0]!.traceIds).toHaveLength(3);
  });

  it("ties Datadog's 64-bit trace ids in logs to the 128-bit ids of the traces", async () => {
    const spans = requests(1, 10, () => false).map((s) => ({
      ...s,
      traceId: `4bf92f3577b34da6${s.traceId.slice(16)}`,
    }));
    const lines = [];
    for (let k = 1; k <= 8; k++)
      lines.push(
        JSON.stringify({
          level: 'error',
          message: `card ${k} declined`,
          service: 'payments',
          dd: { trace_id: String(k), span_id: String(k) },
        }),
      );
    const r = await analyzeTraces({
      input: memory(spans),
      logs: await readLogEvidenceInput([file(lines)], undefined),
    });
    const pay = r.logs!.services.find((s) => s.service === 'payments')!;
    expect(pay).toMatchObject({ errorLines: 8, errorTraces: 8, errorTracesSeen: 8 });
    expect(r.logs!.evidence[0]).toMatchObject({ service: 'payments', kind: 'logErrorOrigin' });
  });

  it('warns when the logs given cannot be evidence: empty, or no service and no trace of the input', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'obs-logwarn-'));
    const empty = path.join(dir, 'empty.log');
    writeFileSync(empty, '');
    // A trace file given as logs by mistake: JSON lines without a service or a trace id.
    const traces = fx('checkout-otlp-lines/traces.jsonl');
    const run = async (files: string[]) =>
      (
        await analyzeTraces({
          input: fileSource([traces], { workers: 0 }),
          logs: await readLogEvidenceInput(files, undefined),
        })
      ).warnings;
    expect(await run([empty])).toContain(`logs: no log lines in ${empty}`);
    const lines = readFileSync(traces, 'utf8').trim().split('\n').length;
    expect(await run([traces])).toContain(
      `logs: ${lines} of ${lines} lines name no service and carry no trace id of the input; they are not evidence for any service`,
    );
    expect((await run([fx('logs-checkout/incident.logs.jsonl')])).join('\n')).not.toMatch(
      /^logs: .*(no log lines|name no service)/m,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts a traceback as part of its error line, and says what it raised', async () => {
    const none = () => false;
    const text: string[] = [];
    for (let k = 1000; k < 1030; k++) {
      text.push(
        `2024-05-01 12:00:00,000 ERROR [trace_id=${tid(k)} span_id=${sid(k, 'cc')}] charge failed`,
        'Traceback (most recent call last):',
        '  File "/app/pay.py", line 10, in charge',
        '    raise ValueError("card declined")',
        'ValueError: card declined',
      );
    }
    const logs = await readLogEvidenceInput(
      [file(routine(1000, 60)), file(text)],
      [file(routine(0, 60))],
    );
    const r = await analyzeTraces({
      input: memory(requests(1000, 60, none)),
      baseline: memory(requests(0, 60, none)),
      logs,
    });
    const pay = r.logs!.services.find((s) => s.service === 'payments')!;
    // 60 routine lines and 30 error records, not 30 records for each line of a traceback.
    expect(pay).toMatchObject({ lines: 90, errorLines: 30 });
    expect(pay.newErrorPatterns[0]).toMatchObject({
      template: expect.stringMatching(/charge failed$/) as string,
      exception: 'ValueError: card declined',
    });
    expect(r.rootCauses[0]!.service).toBe('payments');
    expect(r.rootCauses[0]!.reasons[0]).toMatch(/charge failed" raising ValueError: card declined/);
  });

  it('shows the exception a pattern raised most, with the other types it raised and their counts', async () => {
    const none = () => false;
    const text: string[] = [];
    // The same error line: its first two records raised a ValueError, the 28 after a timeout.
    for (let k = 1000; k < 1030; k++) {
      const [type, message] =
        k < 1002 ? ['ValueError', 'card declined'] : ['TimeoutError', 'bank did not answer'];
      text.push(
        `2024-05-01 12:00:00,000 ERROR [trace_id=${tid(k)} span_id=${sid(k, 'cc')}] charge failed`,
        'Traceback (most recent call last):',
        '  File "/app/pay.py", line 10, in charge',
        `    raise ${type}("${message}")`,
        `${type}: ${message}`,
      );
    }
    const logs = await readLogEvidenceInput(
      [file(routine(1000, 60)), file(text)],
      [file(routine(0, 60))],
    );
    const r = await analyzeTraces({
      input: memory(requests(1000, 60, none)),
      baseline: memory(requests(0, 60, none)),
      logs,
    });
    const pay = r.logs!.services.find((s) => s.service === 'payments')!;
    expect(pay.newErrorPatterns[0]).toMatchObject({
      exception: 'TimeoutError: bank did not answer',
      exceptions: [
        { type: 'TimeoutError', count: 28, example: 'TimeoutError: bank did not answer' },
        { type: 'ValueError', count: 2, example: 'ValueError: card declined' },
      ],
    });
    expect(r.rootCauses[0]!.service).toBe('payments');
    expect(r.rootCauses[0]!.reasons[0]).toMatch(
      /charge failed" raising TimeoutError: bank did not answer \(28 of 30; also ValueError 2\)/,
    );
  });

  it('names the exception that rose above the baseline, not the one the pattern always raised', async () => {
    const none = () => false;
    /** `charge failed` with a traceback of `type`, in request k. */
    const failed = (k: number, type: string, message: string) => [
      `2024-05-01 12:00:00,000 ERROR [trace_id=${tid(k)} span_id=${sid(k, 'cc')}] charge failed`,
      'Traceback (most recent call last):',
      '  File "/app/pay.py", line 10, in charge',
      `    raise ${type}("${message}")`,
      `${type}: ${message}`,
    ];
    // Both sides: 1 in 5 requests declines a card. The incident adds timeouts, fewer of them.
    const baseText: string[] = [];
    for (let k = 0; k < 200; k += 5) baseText.push(...failed(k, 'ValueError', 'card declined'));
    const text: string[] = [];
    for (let k = 1000; k < 1200; k += 5) text.push(...failed(k, 'ValueError', 'card declined'));
    for (let k = 1001; k < 1200; k += 7)
      text.push(...failed(k, 'TimeoutError', 'bank did not answer'));
    const logs = await readLogEvidenceInput(
      [file(routine(1000, 200)), file(text)],
      [file(routine(0, 200)), file(baseText)],
    );
    const r = await analyzeTraces({
      input: memory(requests(1000, 200, none)),
      baseline: memory(requests(0, 200, none)),
      logs,
    });
    const origin = r.logs!.evidence.find(
      (e) => e.service === 'payments' && e.kind === 'logErrorOrigin',
    );
    // 40 declined as in the baseline, 29 timeouts that are new: the timeouts are what rose.
    expect(origin?.text).toMatch(
      /charge failed" raising TimeoutError: bank did not answer \(29 of 69; also ValueError 40\)/,
    );
    expect(r.rootCauses[0]!.service).toBe('payments');
  });

  it('shows no credentials an exception carried, in the JSON or the reasons', async () => {
    const none = () => false;
    const text: string[] = [];
    for (let k = 1000; k < 1030; k++) {
      text.push(
        `2024-05-01 12:00:00,000 ERROR [trace_id=${tid(k)} span_id=${sid(k, 'cc')}] charge failed`,
        'Traceback (most recent call last):',
        '  File "/app/pay.py", line 10, in charge',
        `OperationalError: connection to postgres://pay:hunter2@db/pay failed, password=hunter2`,
      );
    }
    const logs = await readLogEvidenceInput(
      [file(routine(1000, 60)), file(text)],
      [file(routine(0, 60))],
    );
    const r = await analyzeTraces({
      input: memory(requests(1000, 60, none)),
      baseline: memory(requests(0, 60, none)),
      logs,
    });
    const pay = r.logs!.services.find((s) => s.service === 'payments')!;
    expect(pay.newErrorPatterns[0]!.exception).toMatch(/^OperationalError: connection to /);
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });

  it('blames the deepest service with unusual errors in a request, not those that pass them up', async () => {
    const none = () => false;
    const incident = [...routine(1000, 60)];
    for (let k = 1000; k < 1030; k++) {
      incident.push(json('payments', 'error', `bank refused card ${k}`, k, 'cc'));
      incident.push(json('orders', 'error', `payment for order ${k} failed: 502`, k, 'bb'));
      incident.push(json('web', 'error', `checkout ${k} failed`, k, 'aa'));
    }
    const logs = await readLogEvidenceInput([file(incident)], [file(routine(0, 60))]);
    const r = await analyzeTraces({
      input: memory(requests(1000, 60, none)),
      baseline: memory(requests(0, 60, none)),
      logs,
    });
    const svc = (name: string) => r.logs!.services.find((s) => s.service === name)!;
    expect(svc('payments')).toMatchObject({ requests: 60, passedUpRequests: 0 });
    expect(svc('payments').errorOriginRequests).toBeGreaterThan(25);
    for (const victim of ['orders', 'web']) {
      expect(svc(victim).errorOriginRequests).toBeLessThan(1);
      expect(svc(victim).passedUpRequests).toBeGreaterThan(25);
      expect(r.logs!.evidence.find((e) => e.service === victim)?.score ?? 0).toBeLessThan(0.01);
    }
    expect(r.rootCauses[0]!.service).toBe('payments');
    expect(r.rootCauses[0]!.reasons[0]).toMatch(
      /error lines new or above the baseline's rate start here in 30 of its 60 requests, e\.g\. "bank refused card <\*>"/,
    );
  });

  it('weighs errors by the share of the service’s own requests, not by their number', async () => {
    // search serves 10 of 200 requests and fails all 10; payments fails 20 of its 200.
    const withSearch = (k: number) => k % 20 === 0;
    const incident = routine(1000, 200).filter((l) => !l.includes('"search"'));
    const base = routine(0, 200).filter((l) => !l.includes('"search"'));
    for (let k = 1000; k < 1200; k++) {
      if (withSearch(k)) {
        incident.push(json('search', 'info', `query ${k} answered`, k, 'dd'));
        incident.push(json('search', 'error', `index shard ${k} unavailable`, k, 'dd'));
      } else if (k % 10 === 1)
        incident.push(json('payments', 'error', `bank timeout ${k}`, k, 'cc'));
    }
    for (let k = 0; k < 200; k++)
      if (withSearch(k)) base.push(json('search', 'info', `query ${k} answered`, k, 'dd'));
    const logs = await readLogEvidenceInput([file(incident)], [file(base)]);
    const r = await analyzeTraces({
      input: memory(requests(1000, 200, withSearch)),
      baseline: memory(requests(0, 200, withSearch)),
      logs,
    });
    const ev = (s: string) => r.logs!.evidence.find((e) => e.service === s)!;
    expect(r.logs!.services.find((s) => s.service === 'search')).toMatchObject({
      requests: 10,
      errorLines: 10,
    });
    expect(r.logs!.services.find((s) => s.service === 'payments')).toMatchObject({
      requests: 200,
      errorLines: 20,
    });
    // payments: 20 of 200 requests, all surely new; search: 10 of 10, on a small sample.
    expect(ev('payments').score).toBeCloseTo(0.1, 2);
    expect(ev('search').score).toBeGreaterThan(4 * ev('payments').score);
    expect(r.rootCauses[0]!.service).toBe('search');
  });

  it('does not count errors a service logged as often before', async () => {
    const none = () => false;
    const usual = (from: number) => {
      const out = routine(from, 100);
      for (let k = from; k < from + 100; k += 5)
        out.push(json('orders', 'error', `order ${k} rejected: out of stock`, k, 'bb'));
      return out;
    };
    const logs = await readLogEvidenceInput([file(usual(1000))], [file(usual(0))]);
    const r = await analyzeTraces({
      input: memory(requests(1000, 100, none)),
      baseline: memory(requests(0, 100, none)),
      logs,
    });
    expect(r.logs!.services.find((s) => s.service === 'orders')?.errorLines).toBe(20);
    expect(r.logs!.evidence).toEqual([]);
    expect(r.rootCauses.filter((c) => c.score > 0.05)).toEqual([]);
  });

  it('finds the service of baseline records that name only their span in the baseline traces', async () => {
    const none = () => false;
    // Lines without a service field: only their span says whose they are, in either input.
    const anonymous = (l: string) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      delete o[LOG_FIELDS.service];
      return JSON.stringify(o);
    };
    const incident = routine(1000, 100);
    for (let k = 1000; k < 1030; k++)
      incident.push(json('orders', 'error', `stock service refused order ${k}`, k, 'bb'));
    const logs = await readLogEvidenceInput(
      [file(incident.map(anonymous))],
      [file(routine(0, 100).map(anonymous))],
    );
    const r = await analyzeTraces({
      input: memory(requests(1000, 100, none)),
      baseline: memory(requests(0, 100, none)),
      logs,
    });
    // Against a baseline where orders logged 100 clean lines, errors in 30 of its 100 requests
    // are surely new; had the baseline's lines stayed `unknown`, orders would have had no
    // baseline to be news against (a score near 0).
    expect(r.logs!.evidence.map((e) => e.service)).toEqual(['orders']);
    expect(r.logs!.evidence[0]!.score).toBeCloseTo(0.3, 2);
    expect(r.rootCauses[0]!.service).toBe('orders');
  });
});

describe('requests cut short, by the log lines they wrote', () => {
  const none = () => false;
  /** Routine lines, but payments stops before its second line in every third request. */
  function cut(from: number, n: number, cutOrders: boolean): string[] {
    const out: string[] = [];
    for (let k = from; k < from + n; k++) {
      const short = k % 3 === 0;
      out.push(json('web', 'info', `GET / took ${k % 17} ms`, k, 'aa'));
      out.push(json('orders', 'info', `order ${k} received`, k, 'bb'));
      if (!(short && cutOrders)) out.push(json('orders', 'info', `order ${k} stored`, k, 'bb'));
      out.push(json('payments', 'info', `charging order ${k}`, k, 'cc'));
      if (!short) out.push(json('payments', 'info', `charged order ${k}`, k, 'cc'));
    }
    return out;
  }
  const usual = (from: number, n: number) => cut(from, n, false);
  /** Every request writes all its lines. */
  const whole = (from: number, n: number) => {
    const out: string[] = [];
    for (let k = from; k < from + n; k++) {
      out.push(json('web', 'info', `GET / took ${k % 17} ms`, k, 'aa'));
      out.push(json('orders', 'info', `order ${k} received`, k, 'bb'));
      out.push(json('orders', 'info', `order ${k} stored`, k, 'bb'));
      out.push(json('payments', 'info', `charging order ${k}`, k, 'cc'));
      out.push(json('payments', 'info', `charged order ${k}`, k, 'cc'));
    }
    return out;
  };

  it('blames the deepest service whose requests wrote fewer lines than usual, naming the line missing', async () => {
    // Spans carry no error: only the lines tell that payments stopped early, and orders with it.
    const logs = await readLogEvidenceInput([file(cut(1000, 60, true))], [file(whole(0, 60))]);
    const r = await analyzeTraces({
      input: memory(requests(1000, 60, none)),
      baseline: memory(requests(0, 60, none)),
      logs,
    });
    const short = r.logs!.shortRequests;
    const of = (s: string) => short.find((x) => x.service === s);
    expect(of('payments')).toMatchObject({
      operation: 'POST /pay',
      usualLines: 2,
      baselineRequests: 60,
      baselineShort: 0,
      requests: 60,
      short: 20,
      missing: 'charged order <*>',
    });
    expect(of('payments')!.originRequests).toBeGreaterThan(18);
    // orders stopped in the same requests, after payments did: it follows, it does not start.
    expect(of('payments')).toMatchObject({ firstShort: 20 });
    expect(of('orders')).toMatchObject({ short: 20, firstShort: 0 });
    expect(of('orders')!.originRequests).toBeLessThan(of('payments')!.originRequests / 10);
    expect(of('web')).toBeUndefined();
    expect(r.rootCauses[0]!.service).toBe('payments');
    expect(r.rootCauses[0]!.reasons[0]).toMatch(
      /^20 of 60 requests to POST \/pay wrote fewer than 2 log lines \(baseline 0 of 60\), as if cut short; "charged order <\*>" missing most \(trace /,
    );
    const score = (svc: string) => r.logs!.evidence.find((e) => e.service === svc)?.score ?? 0;
    expect(score('orders')).toBeLessThan(score('payments') / 10);
    // The terminal report lists where short requests start, not those that follow.
    const text = renderText(r);
    expect(text).toContain(
      'payments: 20 of 60 requests to POST /pay wrote fewer than 2 log lines (baseline 0 of 60)',
    );
    expect(text).not.toMatch(/orders: .* wrote fewer/);
  });

  it('finds nothing when requests wrote as many lines as in the baseline, or in traces no line names', async () => {
    // The same share of short payments requests on both sides, and incident traces beyond the
    // logs' reach (no line names their spans): neither is a change.
    const logs = await readLogEvidenceInput([file(usual(1000, 60))], [file(usual(0, 60))]);
    const r = await analyzeTraces({
      input: memory([...requests(1000, 60, none), ...requests(2000, 60, none)]),
      baseline: memory(requests(0, 60, none)),
      logs,
    });
    expect(r.logs!.shortRequests).toEqual([]);
    expect(r.logs!.evidence).toEqual([]);
  });

  it("counts a request that failed before its first line, in a trace no line names, within the logs' time", async () => {
    // Every third web request fails at once: its trace holds only the web span, and no service
    // wrote a line in it. Such traces among the logged ones are short requests; those after the
    // last logged trace (the 60th request's, and six more) may lie beyond the logs' reach and
    // are not counted.
    const silent = (k: number) => k % 3 === 0;
    const spans = requests(1000, 60, none).filter(
      (s) => !silent(parseInt(s.traceId, 16)) || s.service === 'web',
    );
    const beyond = requests(2000, 6, none).filter((s) => s.service === 'web');
    const lines: string[] = [];
    for (let k = 1000; k < 1060; k++) if (!silent(k)) lines.push(...whole(k, 1));
    const logs = await readLogEvidenceInput([file(lines)], [file(whole(0, 60))]);
    const r = await analyzeTraces({
      input: memory([...spans, ...beyond]),
      baseline: memory(requests(0, 60, none)),
      logs,
    });
    const web = r.logs!.shortRequests.find((x) => x.service === 'web');
    expect(web).toMatchObject({ operation: 'GET /', requests: 59, short: 19, usualLines: 1 });
    expect(r.rootCauses[0]!.service).toBe('web');
    expect(r.rootCauses[0]!.reasons[0]).toMatch(/^19 of 59 requests to GET \/ wrote no log line/);
  });

  it('expects a new request below the least of a small baseline as often as chance says', async () => {
    // Five baseline requests all wrote 2 lines; a sixth from the same distribution would be the
    // least with chance 1/6, so one incident request in six writing 1 line is no finding.
    const incident = whole(1000, 60).filter(
      (l) => !(l.includes('"charged order') && Number(/order (\d+)/.exec(l)![1]) % 6 === 0),
    );
    const logs = await readLogEvidenceInput([file(incident)], [file(whole(0, 5))]);
    const r = await analyzeTraces({
      input: memory(requests(1000, 60, none)),
      baseline: memory(requests(0, 5, none)),
      logs,
    });
    expect(r.logs!.shortRequests).toEqual([]);
  });

  it('needs baseline logs that name their spans to compare with', async () => {
    const logs = await readLogEvidenceInput([file(cut(1000, 60, true))], undefined);
    const r = await analyzeTraces({
      input: memory(requests(1000, 60, none)),
      baseline: memory(requests(0, 60, none)),
      logs,
    });
    expect(r.logs!.shortRequests).toEqual([]);
    expect(r.logs!.evidence.filter((e) => e.kind === 'shortRequests')).toEqual([]);
  });
});

describe('log lines under a span id a client and a server share (Zipkin B3)', () => {
  /** web -> orders, whose client span to payments shares its id `cc` with payments' server span. */
  function zipkin(from: number, n: number): Span[] {
    const out: Span[] = [];
    for (let k = from; k < from + n; k++) {
      const trace = tid(k);
      const t = k * 100;
      const at = { trace, start: t + 2, end: t + 20 };
      out.push(
        span({
          id: sid(k, 'aa'),
          service: 'web',
          name: 'GET /',
          kind: 'server',
          start: t,
          end: t + 50,
          trace,
        }),
        span({
          id: sid(k, 'bb'),
          parent: sid(k, 'aa'),
          service: 'orders',
          name: 'POST /orders',
          kind: 'server',
          start: t + 1,
          end: t + 30,
          trace,
        }),
        span({
          id: sid(k, 'cc'),
          parent: sid(k, 'bb'),
          service: 'orders',
          name: 'post',
          kind: 'client',
          ...at,
        }),
        span({
          id: sid(k, 'cc'),
          parent: sid(k, 'bb'),
          service: 'payments',
          name: 'POST /pay',
          kind: 'server',
          shared: true,
          ...at,
        }),
      );
    }
    return out;
  }
  /** orders logs one line under its client span; payments logs under the shared id, cut short every third request. */
  function lines(from: number, n: number, cut: boolean, service = true): string[] {
    const out: string[] = [];
    for (let k = from; k < from + n; k++) {
      out.push(json('web', 'info', `GET / took ${k % 17} ms`, k, 'aa'));
      out.push(json('orders', 'info', `order ${k} received`, k, 'bb'));
      out.push(json('orders', 'info', `calling payments for order ${k}`, k, 'cc'));
      out.push(json('payments', 'info', `charging order ${k}`, k, 'cc'));
      if (!(cut && k % 3 === 0)) out.push(json('payments', 'info', `charged order ${k}`, k, 'cc'));
    }
    return service ? out : out.map(anonymous('payments'));
  }
  /** The lines of `service` without their service field: only their span says whose they are. */
  const anonymous = (service: string) => (l: string) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    if (o[LOG_FIELDS.service] === service) delete o[LOG_FIELDS.service];
    return JSON.stringify(o);
  };

  it("counts the callee's lines in the callee's requests, the caller's in the caller's", async () => {
    const logs = await readLogEvidenceInput(
      [file(lines(1000, 60, true))],
      [file(lines(0, 60, false))],
    );
    const r = await analyzeTraces({
      input: memory(zipkin(1000, 60)),
      baseline: memory(zipkin(0, 60)),
      logs,
    });
    const short = r.logs!.shortRequests;
    expect(short.find((s) => s.service === 'payments')).toMatchObject({
      operation: 'POST /pay',
      usualLines: 2,
      short: 20,
      firstShort: 20,
      missing: 'charged order <*>',
    });
    // orders wrote its two lines (one under the shared id) in every request: never short.
    expect(short.find((s) => s.service === 'orders')).toBeUndefined();
    expect(r.rootCauses[0]!.service).toBe('payments');
  });

  it('gives lines without a service under the shared id to the server', async () => {
    const logs = await readLogEvidenceInput(
      [file(lines(1000, 60, true, false))],
      [file(lines(0, 60, false, false))],
    );
    const r = await analyzeTraces({
      input: memory(zipkin(1000, 60)),
      baseline: memory(zipkin(0, 60)),
      logs,
    });
    const short = r.logs!.shortRequests;
    expect(short.find((s) => s.service === 'payments')).toMatchObject({ usualLines: 2, short: 20 });
    expect(short.find((s) => s.service === 'orders')).toBeUndefined();
    // The baseline's anonymous lines were found their service in the baseline's traces too.
    expect(r.logs!.services.find((s) => s.service === 'payments')?.baselineLines).toBe(120);
  });

  it("starts the callee's error lines in the callee, the caller's follow them", async () => {
    for (const service of [true, false]) {
      const incident = lines(1000, 60, false, service);
      for (let k = 1000; k < 1030; k++) {
        const bank = json('payments', 'error', `bank refused card ${k}`, k, 'cc');
        incident.push(service ? bank : anonymous('payments')(bank));
        incident.push(json('orders', 'error', `payment for order ${k} failed: 502`, k, 'cc'));
      }
      const logs = await readLogEvidenceInput(
        [file(incident)],
        [file(lines(0, 60, false, service))],
      );
      const r = await analyzeTraces({
        input: memory(zipkin(1000, 60)),
        baseline: memory(zipkin(0, 60)),
        logs,
      });
      const svc = (name: string) => r.logs!.services.find((s) => s.service === name)!;
      expect(svc('payments')).toMatchObject({ errorLines: 30, passedUpRequests: 0 });
      expect(svc('payments').errorOriginRequests).toBeGreaterThan(25);
      expect(svc('orders').errorOriginRequests).toBeLessThan(1);
      expect(svc('orders').passedUpRequests).toBeGreaterThan(25);
      expect(r.rootCauses[0]!.service).toBe('payments');
    }
  });
});

describe('requests cut short, when a service logs at debug on one side only', () => {
  const none = () => false;
  /**
   * Routine lines; payments writes `debug` lines at debug level per request, and stops before
   * "charged" in every third request when `cut`.
   */
  function lines(from: number, n: number, debug: number, cut: boolean): string[] {
    const out: string[] = [];
    for (let k = from; k < from + n; k++) {
      out.push(json('web', 'info', `GET / took ${k % 17} ms`, k, 'aa'));
      out.push(json('orders', 'info', `order ${k} received`, k, 'bb'));
      out.push(json('payments', 'info', `charging order ${k}`, k, 'cc'));
      for (let d = 0; d < debug; d++)
        out.push(json('payments', 'debug', `bank step ${d} answered for order ${k}`, k, 'cc'));
      if (!(cut && k % 3 === 0)) out.push(json('payments', 'info', `charged order ${k}`, k, 'cc'));
    }
    return out;
  }
  const run = async (incident: string[], baseline: string[]) =>
    analyzeTraces({
      input: memory(requests(1000, 60, none)),
      baseline: memory(requests(0, 60, none)),
      logs: await readLogEvidenceInput([file(incident)], [file(baseline)]),
    });

  it('does not read a log level raised from debug as requests cut short, and says so', async () => {
    const r = await run(lines(1000, 60, 0, false), lines(0, 60, 2, false));
    expect(r.logs!.shortRequests).toEqual([]);
    expect(r.rootCauses.filter((c) => c.score > 0.05)).toEqual([]);
    expect(r.logs!.levelChanged).toEqual([{ service: 'payments', debugIn: 'baseline' }]);
    expect(r.warnings).toContain(
      "logs: payments wrote debug lines in the baseline and almost none in the incident (its log level changed?): its requests' line counts compare lines at info and above only",
    );
  });

  it('still finds requests cut short by their lines at info and above', async () => {
    // Level raised in the incident, and payments cut short too.
    const raised = await run(lines(1000, 60, 0, true), lines(0, 60, 2, false));
    // Level lowered to debug in the incident: its debug lines must not make up for the line missing.
    const lowered = await run(lines(1000, 60, 2, true), lines(0, 60, 0, false));
    for (const r of [raised, lowered]) {
      expect(r.logs!.shortRequests.find((s) => s.service === 'payments')).toMatchObject({
        usualLines: 2,
        short: 20,
        missing: 'charged order <*>',
      });
      expect(r.rootCauses[0]!.service).toBe('payments');
    }
    expect(lowered.logs!.levelChanged).toEqual([{ service: 'payments', debugIn: 'incident' }]);
  });

  it('counts debug lines as before when both sides log at debug', async () => {
    // Two debug lines cut out of every third request: only the debug lines tell.
    const incident = lines(1000, 60, 2, false).filter(
      (l) => !(l.includes('bank step 1') && Number(/order (\d+)/.exec(l)![1]) % 3 === 0),
    );
    const r = await run(incident, lines(0, 60, 2, false));
    expect(r.logs!.levelChanged).toEqual([]);
    expect(r.logs!.shortRequests.find((s) => s.service === 'payments')).toMatchObject({
      usualLines: 4,
      short: 20,
    });
  });
});
