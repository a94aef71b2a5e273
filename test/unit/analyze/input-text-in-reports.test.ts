/**
 * Text from the input (service and operation names, log lines) in the human reports: terminal
 * escape sequences never reach the terminal, coloured log lines are read as plain ones, and the
 * Markdown reports render that text literally (checked with a CommonMark renderer, markdown-it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import MarkdownIt from 'markdown-it';
import { afterAll, describe, expect, it } from 'vitest';
import { runObs } from '../../support/run-obs.js';

const dir = mkdtempSync(path.join(tmpdir(), 'obs-input-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ESC = '\u001b';
const BEL = '\u0007';
/** Sets the terminal's title: what a log line or span name must not be able to do. */
const TITLE = `${ESC}]0;pwned${BEL}`;
const OPERATION = 'Object.<init> | *retry* `x` __call__';
/** A span name of several lines, as SQL instrumentation writes statements. */
const SQL = 'SELECT id\n  FROM carts\r\n# WHERE user = ?';

function otlpLine(service: string, span: object): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans: [span] }],
      },
    ],
  });
}

const traceId = '5b8efff798038103d269b633813fc60c';
const traces = path.join(dir, 'traces.jsonl');
writeFileSync(
  traces,
  [
    otlpLine('front_end', {
      traceId,
      spanId: 'a100000000000001',
      name: 'GET /checkout',
      kind: 2,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000100000000',
      status: { code: 2 },
    }),
    otlpLine('pay*ments', {
      traceId,
      spanId: 'b100000000000001',
      parentSpanId: 'a100000000000001',
      name: `${OPERATION}${TITLE}`,
      kind: 2,
      startTimeUnixNano: '1700000000010000000',
      endTimeUnixNano: '1700000000090000000',
      status: { code: 2 },
    }),
    otlpLine('carts', {
      traceId,
      spanId: 'c100000000000001',
      parentSpanId: 'b100000000000001',
      name: SQL,
      kind: 3,
      startTimeUnixNano: '1700000000020000000',
      endTimeUnixNano: '1700000000030000000',
    }),
  ].join('\n') + '\n',
);

const logs = path.join(dir, 'shop.log');
writeFileSync(
  logs,
  [
    ...['alice', 'bob', 'carol'].map(
      (u, i) => `2026-11-29T07:00:0${i}Z ${ESC}[32mINFO${ESC}[0m user ${u} logged in`,
    ),
    ...[1, 2, 3].map(
      (n) =>
        `2026-11-29T07:00:1${n}Z ${ESC}[31mERROR${ESC}[0m payment ${n} failed at <init>: timeout`,
    ),
  ].join('\n') + '\n',
);
const colourless = path.join(dir, 'shop-plain.log');
writeFileSync(
  colourless,
  [
    ...['alice', 'bob', 'carol'].map((u, i) => `2026-11-29T07:00:0${i}Z INFO user ${u} logged in`),
    ...[1, 2, 3].map((n) => `2026-11-29T07:00:1${n}Z ERROR payment ${n} failed at <init>: timeout`),
  ].join('\n') + '\n',
);

/** The text a reader sees in rendered Markdown: tags dropped, entities decoded. */
function renderedText(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

const markdown = new MarkdownIt();

describe('input text in reports', { timeout: 60_000 }, () => {
  it('shows control characters of span names as escapes on the terminal', async () => {
    const r = await runObs(['analyze', 'traces', traces]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(OPERATION);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).not.toContain(BEL);
    expect(r.stdout).toContain('\\x1b]0;pwned\\x07');
    // A name of several lines is shown on one.
    expect(r.stdout).toContain('SELECT id FROM carts # WHERE user = ?');
    expect(r.stdout).not.toMatch(/^\s*FROM carts/m);
  });

  it('renders names in the trace Markdown report literally', async () => {
    const r = await runObs(['analyze', 'traces', traces, '--format', 'markdown']);
    expect(r.code).toBe(0);
    const html = markdown.render(r.stdout);
    // Our own bold (the services ranked) and nothing else: no emphasis out of `*` or `_`.
    expect(html).not.toContain('<em>');
    expect(html).toContain('<strong>pay*ments</strong>');
    const text = renderedText(html);
    expect(text).toContain(OPERATION);
    expect(text).toContain('front_end');
    // A line break in a name neither ends a table row nor starts a heading.
    expect(html).not.toContain('<h1>');
    expect(text).toContain('SELECT id FROM carts # WHERE user = ?');
  });

  it('reads coloured log lines as their colourless selves', async () => {
    const [coloured, plain] = await Promise.all(
      [logs, colourless].map((f) => runObs(['analyze', 'logs', f, '--json'])),
    );
    expect(coloured!.code).toBe(0);
    type Report = { services: { errors: number }[]; patterns: { template: string }[] };
    const a = JSON.parse(coloured!.stdout) as Report;
    const b = JSON.parse(plain!.stdout) as Report;
    expect(a.services[0]!.errors).toBe(3);
    expect(a.patterns.map((p) => p.template)).toEqual(b.patterns.map((p) => p.template));
    expect(JSON.stringify(a.patterns)).not.toContain(ESC);
  });

  it('renders log templates in the logs Markdown report literally', async () => {
    const r = await runObs(['analyze', 'logs', logs, '--format', 'markdown']);
    expect(r.code).toBe(0);
    const html = markdown.render(r.stdout);
    expect(html).not.toContain('<em>');
    expect(renderedText(html)).toContain('payment <*> failed at <init>: timeout');
  });
});
