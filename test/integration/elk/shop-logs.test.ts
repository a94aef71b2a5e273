// The log lines the example shop really prints (examples/shop run natively under load, with
// faults switched on) through the generated ingest pipelines: every line of every service must
// come out as an ECS document with a level and its service. Grok is Elasticsearch's own library;
// the other processors are simulated (test/support/ingest-simulator.ts).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elkNames } from '../../../elk/names.js';
import { ingestPipelines } from '../../../elk/pipelines.js';
import { ELASTICSEARCH_DEFAULTS } from '../../../elk/resources.js';
import { PATTERN_DEFINITIONS, TEXT_PATTERNS } from '../../../elk/text-patterns.js';
import { parseModel } from '../../../model/load.js';
import { ElasticGrok } from '../../support/elastic-grok.js';
import { IngestSimulator } from '../../support/ingest-simulator.js';
import { joinEvents } from '../../support/log-sources.js';
import { runLoadgen, startShop } from '../../support/shop.js';

const FIXTURE = 'test/fixtures/models/example-shop.obs.yaml';
const model = parseModel(readFileSync(FIXTURE, 'utf8'), FIXTURE);
const names = elkNames(model);
const PYTHON = ['gateway', 'catalog', 'orders', 'payments'];
const NOW = '2030-01-01T00:00:00.000Z';

type Doc = Record<string, unknown>;
const at = (doc: Doc, path: string): unknown =>
  path.split('.').reduce<unknown>((cur, k) => (cur as Doc | undefined)?.[k], doc);

let elastic: ElasticGrok;
const events: Record<string, string[]> = {};
const docs: Record<string, Doc[]> = {};

beforeAll(async () => {
  const shop = await startShop();
  try {
    await runLoadgen(shop.url('gateway'), { rate: 20, durationS: 4, users: 10 });
    await shop.setFault('payments', { error_rate: 0.5 });
    await shop.setFault('catalog', { error_rate: 0.3 });
    await runLoadgen(shop.url('gateway'), { rate: 20, durationS: 4, users: 10 });
    for (const name of Object.keys(shop.services)) events[name] = joinEvents(shop.logs(name));
  } finally {
    await shop.stop();
  }
  elastic = new ElasticGrok();
  const sim = new IngestSimulator({
    pipelines: ingestPipelines(model, ELASTICSEARCH_DEFAULTS),
    elastic,
    now: NOW,
  });
  for (const s of model.services) {
    docs[s.name] = [];
    for (const message of events[s.name] ?? []) {
      const r = await sim.run(names.servicePipeline(s), { message });
      expect(r.error, message).toBeUndefined();
      docs[s.name]!.push(r.doc);
    }
  }
});
afterAll(async () => {
  await elastic?.close();
});

describe('the example shop’s real log lines through the ingest pipelines', () => {
  it('every service printed lines, and every document is whole', () => {
    for (const s of model.services) {
      expect(docs[s.name]!.length, s.name).toBeGreaterThan(3);
      for (const d of docs[s.name]!) {
        expect(d.tags, JSON.stringify(d)).toBeUndefined();
        expect(d.obs_tmp).toBeUndefined();
        expect(at(d, 'service.name')).toBe(s.name);
        expect(typeof d['@timestamp']).toBe('string');
      }
    }
  });

  it('every line of the Python services matches a grok pattern and gets a level', async () => {
    const all = { patterns: TEXT_PATTERNS.map((p) => p.grok), definitions: PATTERN_DEFINITIONS };
    for (const name of PYTHON) {
      for (const [i, e] of events[name]!.entries()) {
        expect(await elastic.grok(all, e), `${name}: ${e}`).not.toBeNull();
        expect(['debug', 'info', 'warning', 'error', 'critical']).toContain(
          at(docs[name]![i]!, 'log.level'),
        );
      }
    }
  });

  it('application lines keep their logger and time; the injected faults are errors', () => {
    for (const name of ['catalog', 'payments']) {
      const faults = docs[name]!.filter(
        (d) => at(d, 'log.logger') === `${name}.faults` && at(d, 'log.level') === 'error',
      );
      expect(faults.length, name).toBeGreaterThan(0);
      for (const d of faults) {
        expect(d.message).toMatch(/^injected fault on (GET|POST|PUT|PATCH|DELETE) \//);
        expect(d['@timestamp']).not.toBe(NOW);
      }
    }
    const gunicornStart = docs.orders!.find((d) =>
      String(d.message).startsWith('Starting gunicorn'),
    );
    expect(typeof at(gunicornStart!, 'process.pid')).toBe('number');
  });

  it('uvicorn access lines carry method, path and status, including the faults’ 500s', () => {
    const access = docs.payments!.filter((d) => at(d, 'http.response.status_code') !== undefined);
    expect(access.some((d) => at(d, 'http.response.status_code') === 500)).toBe(true);
    expect(
      access.some(
        (d) => at(d, 'http.request.method') === 'POST' && at(d, 'url.original') === '/payments',
      ),
    ).toBe(true);
  });

  it('the cart’s pino lines become ECS: level names, message, request fields', () => {
    const cart = docs.cart!;
    expect(
      cart.every((d) =>
        ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(at(d, 'log.level') as string),
      ),
    ).toBe(true);
    expect(cart.every((d) => typeof d.message === 'string' && d.message !== '')).toBe(true);
    const requests = cart.filter((d) => d.message === 'request completed');
    expect(requests.length).toBeGreaterThan(0);
    for (const d of requests) {
      expect(typeof at(d, 'http.response.status_code')).toBe('number');
      expect(at(d, 'url.original')).toMatch(/^\/carts\//);
    }
    for (const d of cart) for (const k of ['msg', 'level', 'time']) expect(d[k], k).toBeUndefined();
  });
});
