// The plain-text fallback and the JSON parsing of the ingest pipelines, checked against real log
// output (Python logging, Flask, gunicorn and uvicorn serving requests, Node console and pino)
// with Elasticsearch's own grok library. The pipelines' other processors are simulated
// (test/support/ingest-simulator.ts); what only a real server proves is listed in the issue 5
// report: that Elasticsearch accepts these pipelines and runs the Painless conditions as their
// TypeScript twins do.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elkNames } from '../../../elk/names.js';
import { ingestPipelines } from '../../../elk/pipelines.js';
import { ELASTICSEARCH_DEFAULTS } from '../../../elk/resources.js';
import { PATTERN_DEFINITIONS, TEXT_PATTERNS } from '../../../elk/text-patterns.js';
import { parseModel } from '../../../model/load.js';
import type { ServiceModel } from '../../../model/schema.js';
import { ElasticGrok } from '../../support/elastic-grok.js';
import { IngestSimulator } from '../../support/ingest-simulator.js';
import { captureRealLogs } from '../../support/log-sources.js';
import type { RealLogs } from '../../support/log-sources.js';

const FIXTURE = 'test/fixtures/models/shop-flask-fastapi-express.obs.yaml';
const model = parseModel(readFileSync(FIXTURE, 'utf8'), FIXTURE);
const names = elkNames(model);
const service = (name: string): ServiceModel => model.services.find((s) => s.name === name)!;
const NOW = '2030-01-01T00:00:00.000Z';

let elastic: ElasticGrok;
let logs: RealLogs;
let sim: IngestSimulator;

beforeAll(async () => {
  elastic = new ElasticGrok();
  logs = await captureRealLogs();
  sim = new IngestSimulator({
    pipelines: ingestPipelines(model, ELASTICSEARCH_DEFAULTS),
    elastic,
    now: NOW,
  });
});
afterAll(async () => {
  await elastic?.close();
});

/** Index of the first pattern that matches on its own, or -1. */
async function firstMatch(event: string): Promise<number> {
  for (const [i, p] of TEXT_PATTERNS.entries()) {
    const c = await elastic.grok({ patterns: [p.grok], definitions: PATTERN_DEFINITIONS }, event);
    if (c !== null) return i;
  }
  return -1;
}

const patternOf = (source: string) => {
  const i = TEXT_PATTERNS.findIndex((p) => p.source.startsWith(source));
  expect(i, source).toBeGreaterThanOrEqual(0);
  return i;
};

type Doc = Record<string, unknown>;
const at = (doc: Doc, path: string): unknown =>
  path.split('.').reduce<unknown>((cur, k) => (cur as Doc | undefined)?.[k], doc);

async function ingest(svc: string, source: Doc): Promise<Doc> {
  const r = await sim.run(names.servicePipeline(service(svc)), source);
  expect(r.error, JSON.stringify(source)).toBeUndefined();
  expect(r.doc.obs_tmp).toBeUndefined();
  expect(r.doc.tags ?? [], JSON.stringify(r.doc.labels)).not.toContain('obs_pipeline_error');
  return r.doc;
}

describe('grok patterns against real log lines (Elasticsearch grok library, ecs-v1)', () => {
  it('captured real output from every source', () => {
    for (const [source, events] of Object.entries({ ...logs.text, ...logs.json })) {
      expect(events.length, source).toBeGreaterThan(0);
    }
  });

  it('every line of a known format matches the pattern written for it', async () => {
    const expected: Record<string, number[]> = {
      'python logging': [
        patternOf('Python: %(asctime)s %(levelname)s'),
        patternOf('Python: %(asctime)s [%(levelname)s]'),
        patternOf('Python: %(asctime)s %(levelname)s [%(name)s]'),
        patternOf('Python logging cookbook'),
        patternOf("Python's logging.basicConfig()"),
      ],
      flask: [patternOf("Flask's default handler")],
      'gunicorn error log': [patternOf('gunicorn error log')],
      'gunicorn access log': [patternOf('gunicorn access log')],
      'uvicorn log': [patternOf('uvicorn (and other)')],
      'uvicorn access log': [patternOf('uvicorn access log')],
    };
    const used = new Set<number>();
    for (const [source, allowed] of Object.entries(expected)) {
      for (const event of logs.text[source]!) {
        const i = await firstMatch(event);
        expect(allowed, `${source}: ${event}`).toContain(i);
        used.add(i);
      }
    }
    const errors = logs.text['node console']!.filter((e) => /Error: /.test(e));
    expect(errors.length).toBe(2);
    for (const e of errors) used.add(await firstMatch(e));
    expect(await firstMatch('storefront listening on 3000')).toBe(-1);
    // No pattern is left unchecked by a real line.
    expect([...used].sort((a, b) => a - b)).toEqual(TEXT_PATTERNS.map((_, i) => i));
  });

  it('the combined grok processor chooses the same pattern as the first single match', async () => {
    const all = { patterns: TEXT_PATTERNS.map((p) => p.grok), definitions: PATTERN_DEFINITIONS };
    for (const event of Object.values(logs.text).flat()) {
      const i = await firstMatch(event);
      const combined = await elastic.grok(all, event);
      const single =
        i < 0
          ? null
          : await elastic.grok(
              { patterns: [TEXT_PATTERNS[i]!.grok], definitions: PATTERN_DEFINITIONS },
              event,
            );
      expect(combined, event).toEqual(single);
    }
  });
});

describe('ingest pipelines over real lines (simulated processors)', () => {
  it('Python logging formats: level, logger, message, time from the line, traceback as stack', async () => {
    for (const event of logs.text['python logging']!) {
      const doc = await ingest('orders-api', { message: event });
      expect(['debug', 'info', 'warning', 'error', 'critical']).toContain(at(doc, 'log.level'));
      expect(at(doc, 'log.logger')).toMatch(
        /^(shop\.(basic|asctime|bracketed|shop|cookbook)|root|orders\.api)$/,
      );
      expect(doc.message).not.toMatch(/^(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b/);
      if (/^\d{4}-/.test(event)) {
        const [, day, time, ms] = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3})/.exec(event)!;
        expect(doc['@timestamp']).toBe(`${day}T${time}.${ms}Z`);
      } else {
        expect(doc['@timestamp']).toBe(NOW);
      }
      if (event.includes('Traceback')) {
        expect(doc.message).toBe('charge failed');
        expect(at(doc, 'error.stack_trace')).toMatch(/^Traceback[\s\S]*ValueError: card declined$/);
      }
      expect(at(doc, 'service.name')).toBe('orders-api');
      expect(at(doc, 'service.environment')).toBe('dev');
    }
  });

  it("Flask's handler: the failed request with its traceback", async () => {
    const docs = await Promise.all(
      logs.text.flask!.map((m) => ingest('orders-api', { message: m })),
    );
    expect(docs.map((d) => at(d, 'log.level'))).toEqual(['warning', 'error']);
    expect(docs[1]!.message).toBe('Exception on /boom [GET]');
    expect(at(docs[1]!, 'error.stack_trace')).toMatch(/RuntimeError: inventory service down$/);
  });

  it('gunicorn: error log with pid and zone-aware time, access log with status and path', async () => {
    const errors = await Promise.all(
      logs.text['gunicorn error log']!.map((m) => ingest('orders-api', { message: m })),
    );
    errors.forEach((d, i) => {
      expect(typeof at(d, 'process.pid')).toBe('number');
      // [2026-01-05 10:00:00 +0000]
      const [, day, time, zone] = /^\[(\S+) (\S+) ([+-]\d{4})\]/.exec(
        logs.text['gunicorn error log']![i]!,
      )!;
      expect(d['@timestamp']).toBe(new Date(`${day}T${time}${zone}`).toISOString());
    });
    const failed = errors.find((d) => at(d, 'log.level') === 'error');
    expect(failed?.message).toBe('Error handling request GET /fail');
    expect(at(failed!, 'error.stack_trace')).toMatch(/KeyError: 'order-17'$/);
    const access = await Promise.all(
      logs.text['gunicorn access log']!.map((m) => ingest('orders-api', { message: m })),
    );
    expect(access.map((d) => [at(d, 'url.original'), at(d, 'http.response.status_code')])).toEqual([
      ['/orders', 200],
      ['/fail', 500],
    ]);
    access.forEach((d, i) => {
      // [05/Jan/2026:10:00:00 +0000]
      const [, dd, mon, yyyy, time, zone] = /\[(\d\d)\/(\w{3})\/(\d{4}):(\S+) ([+-]\d{4})\]/.exec(
        logs.text['gunicorn access log']![i]!,
      )!;
      expect(d['@timestamp']).toBe(new Date(`${dd} ${mon} ${yyyy} ${time} ${zone}`).toISOString());
      expect(d.timestamp).toBeUndefined();
      // An access line is its own message.
      expect(d.message).toMatch(/^127\.0\.0\.1 - - \[/);
    });
  });

  it('uvicorn: level-prefixed lines, the ASGI traceback, access lines', async () => {
    const docs = await Promise.all(
      logs.text['uvicorn log']!.map((m) => ingest('payments', { message: m })),
    );
    expect(
      docs.every((d) => ['info', 'error', 'warning'].includes(at(d, 'log.level') as string)),
    ).toBe(true);
    const failed = docs.find((d) => at(d, 'log.level') === 'error');
    expect(failed?.message).toBe('Exception in ASGI application');
    expect(at(failed!, 'error.stack_trace')).toMatch(/ZeroDivisionError: refund ratio/);
    const access = await Promise.all(
      logs.text['uvicorn access log']!.map((m) => ingest('payments', { message: m })),
    );
    expect(
      access.map((d) => [
        at(d, 'url.original'),
        at(d, 'http.response.status_code'),
        at(d, 'source.address'),
      ]),
    ).toEqual([
      ['/pay', 200, '127.0.0.1'],
      ['/refund', 500, '127.0.0.1'],
    ]);
  });

  it('Node console: plain lines stay as they are, errors get type, message, stack and level', async () => {
    const docs = await Promise.all(
      logs.text['node console']!.map((m) => ingest('storefront', { message: m })),
    );
    const plain = docs.find((d) => d.message === 'storefront listening on 3000');
    expect(plain).toBeDefined();
    expect(plain!.log).toBeUndefined();
    const errors = docs.filter((d) => d.error !== undefined);
    expect(errors.map((d) => [at(d, 'error.type'), at(d, 'log.level')])).toEqual([
      ['TypeError', 'error'],
      ['CheckoutError', 'error'],
    ]);
    expect(at(errors[1]!, 'error.message')).toBe('payment service returned 502');
    expect(at(errors[0]!, 'error.stack_trace')).toMatch(/^ {4}at /);
  });

  it('pino lines: level names, msg, epoch time, err, pid, hostname, trace correlation', async () => {
    // The fixture logs at rising levels; order by level, since pino's asynchronous writes to a
    // pipe may reach the reader in another order (seen once in CI).
    const level = (l: string) => (JSON.parse(l) as { level: number }).level;
    const lines = [...logs.json.pino!].sort((a, b) => level(a) - level(b));
    const docs = await Promise.all(lines.map((m) => ingest('storefront', { message: m })));
    expect(docs.map((d) => at(d, 'log.level'))).toEqual(['info', 'warn', 'error', 'fatal']);
    expect(docs.map((d) => d.message)).toEqual([
      'cart updated',
      'stock low',
      'checkout failed',
      'out of memory',
    ]);
    const raw = lines.map((l) => JSON.parse(l) as { time: number; pid: number });
    docs.forEach((d, i) => {
      expect(d['@timestamp']).toBe(new Date(raw[i]!.time).toISOString());
      expect(at(d, 'process.pid')).toBe(raw[i]!.pid);
      expect(at(d, 'host.hostname')).toBe('storefront-1');
      for (const k of ['msg', 'time', 'level', 'err', 'pid', 'hostname'])
        expect(d[k], k).toBeUndefined();
    });
    expect(docs[1]!.sku).toBe('A-1');
    expect(at(docs[2]!, 'error.type')).toBe('Error');
    expect(at(docs[2]!, 'error.stack_trace')).toMatch(/^Error: checkout failed\n {4}at /);
    expect(at(docs[2]!, 'trace.id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(at(docs[2]!, 'span.id')).toBe('00f067aa0ba902b7');
    expect(at(docs[0]!, 'service.name')).toBe('storefront');
  });

  it('LOG_FIELDS JSON lines keep their own time, service and trace; error fields nest', async () => {
    const docs = await Promise.all(
      logs.json['LOG_FIELDS json']!.map((m) => ingest('storefront', { message: m })),
    );
    const raw = JSON.parse(logs.json['LOG_FIELDS json']![1]!) as Record<string, string>;
    expect(docs[1]).toMatchObject({
      '@timestamp': raw['@timestamp'],
      message: 'refund failed',
      log: { level: 'error', logger: 'payments.api' },
      service: { name: 'payments', environment: 'dev' },
      trace: { id: '4bf92f3577b34da6a3ce929d0e0e4736' },
      span: { id: '00f067aa0ba902b7' },
      error: { type: 'ZeroDivisionError', message: 'division by zero' },
    });
    expect(at(docs[1]!, 'error.stack_trace')).toMatch(/ZeroDivisionError: division by zero/);
    expect(Object.keys(docs[1]!).filter((k) => k.includes('.'))).toEqual([]);
  });

  it('a truncated JSON line is kept as it came, tagged', async () => {
    const doc = await ingest('payments', {
      message: '{"@timestamp": "2026-01-05T10:00:00Z", "log.le',
    });
    expect(doc.message).toBe('{"@timestamp": "2026-01-05T10:00:00Z", "log.le');
    expect(doc.tags).toEqual(['obs_json_parse_failure']);
    expect(doc['@timestamp']).toBe(NOW);
  });

  it('structured documents (Collector ECS mode, Logstash with dotted keys) keep their fields', async () => {
    const collector = await ingest('payments', {
      '@timestamp': '2026-01-05T10:00:00.000Z',
      message: 'ERROR:root:looks like a python line',
      log: { level: 'WARN' },
      service: { name: 'payments' },
    });
    expect(collector).toMatchObject({
      message: 'ERROR:root:looks like a python line',
      log: { level: 'warn' },
      '@timestamp': '2026-01-05T10:00:00.000Z',
    });
    const logstash = await ingest('storefront', {
      message: 'cart updated',
      'log.level': 'INFO',
      'service.name': 'storefront',
    });
    expect(logstash).toMatchObject({
      message: 'cart updated',
      log: { level: 'info' },
      service: { name: 'storefront' },
    });
  });

  it('a document the pipeline cannot process is indexed anyway, tagged with the reason', async () => {
    const r = await sim.run(names.servicePipeline(service('payments')), {
      message: '{"log": 5, "log.level": "info", "message": "odd"}',
    });
    expect(r.error).toBeUndefined();
    expect(r.doc.tags).toEqual(['obs_pipeline_error']);
    expect(at(r.doc, 'labels.obs_pipeline_error')).toMatch(/log/);
  });
});
