// Stack traces and tracebacks joined to the record they belong to (stack-traces.ts), as the
// reader of `obs analyze logs` and of `obs analyze traces --logs` read them: one record per event,
// with the exception the trace reports, and never a headed line lost to a trace.
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogAnalysis } from '../../../../analyze/logs/analyze.js';
import { newSummary, readLogFile } from '../../../../analyze/logs/reader.js';
import type { LogRecord } from '../../../../analyze/logs/records.js';
import { renderText } from '../../../../analyze/logs/render.js';
import { planParts } from '../../../../analyze/logs/parts.js';
import { MiningPart } from '../../../../analyze/logs/part.js';
import type { PatternStats } from '../../../../analyze/logs/part.js';
import { MAX_WAITING_RECORDS } from '../../../../analyze/logs/stack-traces.js';
import { readLogEvidenceInput } from '../../../../analyze/traces/logs/read.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'obs-stack-'));
const write = (name: string, lines: string[]) => {
  const f = path.join(tmp, name);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
};

interface Read {
  records: (LogRecord & { no: number; through: number; joined?: readonly number[] })[];
  joined: number;
  lines: number;
}
async function read(file: string): Promise<Read> {
  const summary = newSummary(file, 'incident');
  const records: Read['records'] = [];
  await readLogFile(
    summary,
    { headerSample: 200 },
    {
      record: (r, no, _first, _shape, through = no, joined) =>
        records.push({ ...r, no, through, ...(joined !== undefined ? { joined } : {}) }),
      read: () => undefined,
    },
    { next: 0 },
  );
  return { records, joined: summary.joinedLines, lines: summary.lines };
}

const pythonException = (stamp: string, n: number) => [
  `2024-05-01 12:00:${stamp},123 INFO orders: order ${n} placed`,
  `2024-05-01 12:00:${stamp},456 ERROR orders: payment failed for order ${n}`,
  'Traceback (most recent call last):',
  '  File "/app/orders.py", line 42, in place',
  '    pay(order)',
  '  File "/app/pay.py", line 10, in pay',
  '    raise ValueError("card declined")',
  'ValueError: card declined',
];

describe('stack traces in log files', () => {
  it("joins Python's logger.exception traceback to its record, with the exception raised", async () => {
    const f = write('orders.log', [
      ...pythonException('01', 1),
      ...pythonException('02', 2),
      '2024-05-01 12:00:03,000 INFO orders: done',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.level, x.content, x.exception])).toEqual([
      [1, 1, 'info', 'order 1 placed', undefined],
      [2, 8, 'error', 'payment failed for order 1', 'ValueError: card declined'],
      [9, 9, 'info', 'order 2 placed', undefined],
      [10, 16, 'error', 'payment failed for order 2', 'ValueError: card declined'],
      [17, 17, 'info', 'done', undefined],
    ]);
    expect(r.joined).toBe(12);
  });

  it('takes the exception finally raised of chained Python tracebacks', async () => {
    const f = write('chained.log', [
      '2024-05-01 12:00:02,123 ERROR orders: payment failed',
      'Traceback (most recent call last):',
      '  File "/app/a.py", line 3, in f',
      '    g()',
      'KeyError: 1',
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "/app/a.py", line 5, in f',
      '    raise PaymentError("x")',
      'orders.errors.PaymentError: card declined',
      '2024-05-01 12:00:03,123 INFO orders: ok',
    ]);
    const r = await read(f);
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toMatchObject({
      no: 1,
      through: 12,
      exception: 'orders.errors.PaymentError: card declined',
    });
  });

  it("joins Java's exception, frames and causes to the message; the thrown exception is kept", async () => {
    const f = write('inventory.log', [
      '2024-05-01 12:00:01.123 INFO  [main] c.e.Inventory - stock checked',
      '2024-05-01 12:00:02.123 ERROR [http-1] c.e.Inventory - reservation failed',
      'java.lang.IllegalStateException: no stock',
      '\tat com.example.Inventory.reserve(Inventory.java:10)',
      'Caused by: java.net.SocketTimeoutException: Read timed out',
      '\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:1)',
      '\t... 12 more',
      '2024-05-01 12:00:03.123 INFO  [main] c.e.Inventory - stock checked',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.level, x.exception])).toEqual([
      [1, 1, 'info', undefined],
      [2, 7, 'error', 'java.lang.IllegalStateException: no stock'],
      [8, 8, 'info', undefined],
    ]);
  });

  it('joins a .NET exception with its frames and inner exception (Serilog levels)', async () => {
    const f = write('orders-api.log', [
      '2024-05-01 12:00:01.000 +00:00 [ERR] Orders.Api: Order failed',
      'System.InvalidOperationException: Sequence contains no elements',
      '   at System.Linq.ThrowHelper.ThrowNoElementsException()',
      '   at Orders.Api.OrderController.Get(Int32 id) in /src/OrderController.cs:line 42',
      ' ---> System.TimeoutException: db timeout',
      '   --- End of inner exception stack trace ---',
      '2024-05-01 12:00:02.000 +00:00 [INF] Orders.Api: ok',
      '2024-05-01 12:00:03.000 +00:00 [WRN] Orders.Api: slow',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.level, x.content, x.exception])).toEqual([
      [
        1,
        6,
        'error',
        'Order failed',
        'System.InvalidOperationException: Sequence contains no elements',
      ],
      [7, 7, 'info', 'ok', undefined],
      [8, 8, 'warn', 'slow', undefined],
    ]);
  });

  it('reads a raw stderr: an uncaught exception is an error record, other lines stay apart', async () => {
    const f = write('stderr.log', [
      'listening on 8080',
      "TypeError: Cannot read properties of undefined (reading 'id')",
      '    at place (/app/orders.js:12:5)',
      '    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)',
      'listening on 8080',
      '  an indented note, not a frame',
      'Traceback (most recent call last):',
      '  File "/app/x.py", line 1, in <module>',
      '    main()',
      "KeyError: 'user'",
      'done',
      // Node's console.error('Unhandled error:', err): the exception follows a message.
      'Unhandled error: RangeError: Invalid array length',
      '    at main (/app/gen.js:45:51)',
    ]);
    const r = await read(f);
    expect(r.records.at(-1)).toMatchObject({
      no: 12,
      through: 13,
      level: 'error',
      exception: 'RangeError: Invalid array length',
    });
    expect(r.records.slice(0, -1).map((x) => [x.no, x.through, x.level, x.content])).toEqual([
      [1, 1, undefined, 'listening on 8080'],
      [2, 4, 'error', "TypeError: Cannot read properties of undefined (reading 'id')"],
      [5, 5, undefined, 'listening on 8080'],
      [6, 6, undefined, '  an indented note, not a frame'],
      // A bare traceback says what failed on its last line: that is its message.
      [7, 10, 'error', "KeyError: 'user'"],
      [11, 11, undefined, 'done'],
    ]);
  });

  it("joins a traceback to the line before it that says something failed (Django's runserver)", async () => {
    const traceback = (exception: string) => [
      'Traceback (most recent call last):',
      '  File "/venv/lib/python3.12/site-packages/django/core/handlers/exception.py", line 55, in inner',
      '    response = get_response(request)',
      '  File "/app/orders/views.py", line 12, in pay',
      '    raise ValueError("card declined")',
      exception,
    ];
    const f = write('runserver.log', [
      'Starting development server at http://127.0.0.1:8000/',
      '[29/Nov/2026 18:16:21] "GET /orders/ HTTP/1.1" 200 1234',
      // Django's default logging: the message alone, then the traceback.
      'Internal Server Error: /orders/pay/',
      ...traceback('ValueError: card declined'),
      '[29/Nov/2026 18:16:27] "POST /orders/pay/ HTTP/1.1" 500 65432',
      // Python's threading.excepthook.
      'Exception in thread worker-1:',
      ...traceback('KeyError: 7'),
      // A print that says nothing failed is not the uncaught exception's record.
      'Loaded 3 plugins',
      ...traceback('RuntimeError: boom'),
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.level, x.content, x.exception])).toEqual([
      [1, 1, undefined, 'Starting development server at http://127.0.0.1:8000/', undefined],
      [2, 2, 'info', '"GET /orders/ HTTP/1.1" 200 1234', undefined],
      [3, 9, 'error', 'Internal Server Error: /orders/pay/', 'ValueError: card declined'],
      [10, 10, 'error', '"POST /orders/pay/ HTTP/1.1" 500 65432', undefined],
      [11, 17, 'error', 'Exception in thread worker-1:', 'KeyError: 7'],
      [18, 18, undefined, 'Loaded 3 plugins', undefined],
      [19, 24, 'error', 'RuntimeError: boom', 'RuntimeError: boom'],
    ]);
  });

  it('keeps a traceback off a print that counts no errors (`0 errors found`)', async () => {
    const traceback = (exception: string) => [
      'Traceback (most recent call last):',
      '  File "/app/check.py", line 3, in <module>',
      '    main()',
      exception,
    ];
    const f = write('checker.log', [
      '0 errors found',
      ...traceback('KeyError: 1'),
      '12 passed, 0 failed',
      ...traceback('KeyError: 2'),
      'no errors, failures: 0',
      ...traceback('KeyError: 3'),
      // A problem counted besides the none still says something failed.
      '0 errors, 2 failures',
      ...traceback('KeyError: 4'),
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.content, x.exception])).toEqual([
      [1, 1, '0 errors found', undefined],
      [2, 5, 'KeyError: 1', 'KeyError: 1'],
      [6, 6, '12 passed, 0 failed', undefined],
      [7, 10, 'KeyError: 2', 'KeyError: 2'],
      [11, 11, 'no errors, failures: 0', undefined],
      [12, 15, 'KeyError: 3', 'KeyError: 3'],
      [16, 20, '0 errors, 2 failures', 'KeyError: 4'],
    ]);
  });

  it('joins a trace that Docker, a CRI runtime, Compose or kubectl wrote a line at a time', async () => {
    const text = [
      'listening',
      ...pythonException('02', 1).slice(1),
      '2024-05-01 12:00:03,000 INFO orders: ok',
    ];
    const docker = write(
      'docker.log',
      text.map((l) =>
        JSON.stringify({ log: `${l}\n`, stream: 'stderr', time: '2024-05-01T12:00:02Z' }),
      ),
    );
    const cri = write(
      'cri.log',
      text.map((l) => `2024-05-01T12:00:02.5Z stderr F ${l}`),
    );
    const compose = write(
      'compose.log',
      text.map((l) => `orders-1  | ${l}`),
    );
    const kubectl = write(
      'kubectl.log',
      text.map((l) => `[pod/orders-7d9f6c-abcde/orders] ${l}`),
    );
    for (const f of [docker, cri, compose, kubectl]) {
      const r = await read(f);
      expect(r.records.map((x) => [x.no, x.through, x.level, x.exception])).toEqual([
        [1, 1, undefined, undefined],
        [2, 8, 'error', 'ValueError: card declined'],
        [9, 9, 'info', undefined],
      ]);
    }
  });

  // `docker compose logs` of two containers: a traceback of orders-1 with lines of payments-1
  // between its lines (and kubectl's pods, the same).
  const interleaved = (prefix: (name: string) => string) => {
    const [o, p] = [prefix('orders'), prefix('payments')];
    return [
      `${o}2024-05-01 12:00:01,456 ERROR orders: payment failed for order 1`, // 1
      `${o}Traceback (most recent call last):`, // 2
      `${p}2024-05-01 12:00:01,500 INFO payments: charge 7 accepted`, // 3
      `${o}  File "/app/orders.py", line 42, in place`, // 4
      `${p}2024-05-01 12:00:01,600 INFO payments: charge 8 accepted`, // 5
      `${o}    raise ValueError("card declined")`, // 6
      `${p}{"level":"warn","msg":"slow charge 9"}`, // 7
      `${o}ValueError: card declined`, // 8
      `${p}2024-05-01 12:00:01,700 ERROR payments: charge 10 failed`, // 9
      `${p}java.lang.IllegalStateException: gateway down`, // 10
      `${o}2024-05-01 12:00:02,000 INFO orders: order 2 placed`, // 11
      `${p}    at com.pay.Gateway.charge(Gateway.java:12)`, // 12
    ];
  };

  it('joins a trace of interleaved streams (compose, kubectl) to the record of its own stream', async () => {
    for (const prefix of [
      (name: string) => `${name}-1${name === 'orders' ? '  ' : ''}  | `,
      (name: string) => `[pod/${name}-7d9f6c-abcde/${name}] `,
    ]) {
      const r = await read(write('interleaved.log', interleaved(prefix)));
      // One record per event, in the order of their first lines; a record whose lines interleave
      // with another stream's names its lines.
      expect(
        r.records.map((x) => [x.no, x.through, x.joined, x.service, x.level, x.exception]),
      ).toEqual([
        [1, 8, [2, 4, 6, 8], 'orders', 'error', 'ValueError: card declined'],
        [3, 3, undefined, 'payments', 'info', undefined],
        [5, 5, undefined, 'payments', 'info', undefined],
        [7, 7, undefined, 'payments', 'warn', undefined],
        [9, 12, [10, 12], 'payments', 'error', 'java.lang.IllegalStateException: gateway down'],
        [11, 11, undefined, 'orders', 'info', undefined],
      ]);
      expect(r.joined).toBe(6);
    }
  });

  it('assigns the lines of interleaved streams to the pattern of their own record', async () => {
    const f = write(
      'interleaved-assign.log',
      interleaved((name) => `${name}-1  | `),
    );
    const result = await createLogAnalysis({ files: [f], assignments: true, workers: 0 }).run();
    const id = (start: string) =>
      result.report.patterns.find((p) => p.template.startsWith(start))!.id;
    const [failed, accepted, slow, charge, placed] = [
      id('payment failed'),
      id('charge <*> accepted'),
      id('slow charge'),
      id('charge <*> failed'),
      id('order <*> placed'),
    ];
    expect([...result.assignments()].map((a) => a.pattern)).toEqual([
      failed,
      failed,
      accepted,
      failed,
      accepted,
      failed,
      slow,
      failed,
      charge,
      charge,
      placed,
      charge,
    ]);
  });

  it('holds a bounded number of records of interleaved streams: the oldest goes out past it', async () => {
    const lines = ['orders-1  | 2024-05-01 12:00:01,456 ERROR orders: payment failed'];
    for (let i = 0; i < MAX_WAITING_RECORDS + 5; i++)
      lines.push(`payments-1  | 2024-05-01 12:00:02,000 INFO payments: charge ${i} accepted`);
    lines.push('orders-1  | Traceback (most recent call last):');
    const r = await read(write('bounded.log', lines));
    expect(r.records).toHaveLength(MAX_WAITING_RECORDS + 7);
    // In line order still; the traceback came too late to join its record.
    expect(r.records.map((x) => x.no)).toEqual(lines.map((_, i) => i + 1));
    expect(r.records[0]!.through).toBe(1);
    expect(r.records[0]!.exception).toBeUndefined();
    expect(r.joined).toBe(0);
  });

  it('reads lines without a prefix among prefixed ones as one stream of their own, from the start', async () => {
    // Compose prefixes every line a container writes, trace lines too: an unprefixed line is no
    // container's (another program's output written between, compose's own), before the first
    // prefixed line and after it.
    const lines = [
      '2024-05-01 12:00:01,100 ERROR host: backup failed', // 1, before any prefixed line
      'payments-1  | 2024-05-01 12:00:01,200 INFO payments: charge 7 accepted', // 2
      'Traceback (most recent call last):', // 3: the unprefixed error's, not payments'
      '  File "/opt/backup.py", line 9, in run', // 4
      'orders-1  | 2024-05-01 12:00:01,300 ERROR orders: payment failed', // 5
      '    raise OSError("disk full")', // 6
      'OSError: disk full', // 7: the unprefixed record's still, not orders'
      'orders-1  | 2024-05-01 12:00:01,400 INFO orders: order 2 placed', // 8
    ];
    const r = await read(write('unprefixed.log', lines));
    expect(
      r.records.map((x) => [x.no, x.through, x.joined, x.service, x.level, x.exception]),
    ).toEqual([
      [1, 7, [3, 4, 6, 7], 'unprefixed', 'error', 'OSError: disk full'],
      [2, 2, undefined, 'payments', 'info', undefined],
      [5, 5, undefined, 'orders', 'error', undefined],
      [8, 8, undefined, 'orders', 'info', undefined],
    ]);
    expect(r.joined).toBe(4);
    // Lines joined before the first prefixed line are named with the later ones.
    const early = await read(
      write('unprefixed-early.log', [
        lines[0]!,
        lines[2]!,
        lines[3]!,
        lines[1]!,
        '    raise OSError("disk full")',
        lines[6]!,
      ]),
    );
    expect(early.records.map((x) => [x.no, x.through, x.joined, x.exception])).toEqual([
      [1, 6, [2, 3, 5, 6], 'OSError: disk full'],
      [4, 4, undefined, undefined],
    ]);
  });

  it('joins traces of interleaved streams in the logs of `obs analyze traces --logs` too', async () => {
    const f = write(
      'interleaved-evidence.log',
      interleaved((name) => `${name}-1  | `),
    );
    const input = await readLogEvidenceInput([f], undefined);
    expect(input.incident.lines).toBe(12);
    const tallies = [...input.incident.services.values()].flatMap((s) => [...s.patterns.values()]);
    // Six records (two of them joined to their traces), not twelve.
    expect(tallies.reduce((n, t) => n + t.lines, 0)).toBe(6);
    const raised = tallies.flatMap((t) => (t.exceptions ? [...t.exceptions.keys()] : [])).sort();
    expect(raised).toEqual(['ValueError', 'java.lang.IllegalStateException']);
  });

  it('learns the header of a small file that is mostly trace lines from its other lines', async () => {
    // Two of nine lines have a header; the rest are one exception's frames and cause.
    const f = write('spring-small.log', [
      '2024-05-01T10:00:00.123Z  INFO 1 --- [           main] c.e.shop.OrderApplication                : Started OrderApplication in 3.2 seconds',
      '2024-05-01T10:00:01.123Z ERROR 1 --- [nio-8080-exec-1] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() threw exception',
      'java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null',
      '\tat com.example.shop.OrderController.create(OrderController.java:42)',
      '\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)',
      'Caused by: java.sql.SQLException: Connection refused',
      '\tat org.postgresql.Driver.connect(Driver.java:1)',
      '\t... 12 common frames omitted',
      '2024-05-01T10:00:02.123Z  WARN 1 --- [nio-8080-exec-2] c.e.shop.OrderController                 : slow query 1200ms',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.level, x.timestamp])).toEqual([
      [1, 1, 'info', Date.UTC(2024, 4, 1, 10, 0, 0, 123)],
      [2, 8, 'error', Date.UTC(2024, 4, 1, 10, 0, 1, 123)],
      [9, 9, 'warn', Date.UTC(2024, 4, 1, 10, 0, 2, 123)],
    ]);
    // The header (time, level, pid, thread) is not part of the messages.
    for (const x of r.records) expect(x.content).not.toMatch(/2024-05-01|---|nio-8080/);
  });

  it("joins a Go panic's goroutine dump to it", async () => {
    const f = write('gopanic.log', [
      'server listening on :8080',
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a2b1c]',
      '',
      'goroutine 34 [running]:',
      'main.(*Server).handleOrder(0xc0000a4000, {0x6b8f20, 0xc0000b2000}, 0xc0000c8000)',
      '\t/app/server.go:42 +0x1c',
      'created by net/http.(*Server).Serve in goroutine 1',
      '\t/usr/local/go/src/net/http/server.go:3285 +0x4b4',
      'exit status 2',
      'server listening on :8080',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.level, x.exception])).toEqual([
      [1, 1, undefined, undefined],
      [2, 10, 'error', 'panic: runtime error: invalid memory address or nil pointer dereference'],
      [11, 11, undefined, undefined],
    ]);
    // The runtime's own fatal errors dump their goroutines the same way; alone, such a line
    // is a message like any other.
    const fatal = write('gofatal.log', [
      'fatal error: concurrent map writes',
      '',
      'goroutine 7 [running]:',
      'main.worker(0xc000012345)',
      '\t/app/worker.go:20 +0x45',
      'fatal error: only a message',
      'next line',
    ]);
    const f2 = await read(fatal);
    expect(f2.records.map((x) => [x.no, x.through, x.level, x.exception])).toEqual([
      [1, 5, 'error', 'fatal error: concurrent map writes'],
      [6, 6, undefined, undefined],
      [7, 7, undefined, undefined],
    ]);
  });

  it('never joins a line with a header of its own, nor an exception name to an INFO line', async () => {
    const f = write('mixed.log', [
      '2024-05-01 12:00:01,000 INFO app: config loaded',
      'ValueError: not part of the INFO line',
      '2024-05-01 12:00:02,000 ERROR app: failed',
      '    some detail',
      '2024-05-01 12:00:03,000 INFO app: next',
      '2024-05-01 12:00:04,000 INFO app: next',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through])).toEqual([
      [1, 1],
      [2, 2],
      [3, 4],
      [5, 5],
      [6, 6],
    ]);
  });

  it("keeps a console's ` * ` status lines (Flask's banner) apart, but a list a message opens joins", async () => {
    const f = write('flask.log', [
      '[2026-11-29 18:16:19,001] INFO in app: order 1 placed',
      " * Serving Flask app 'app'",
      ' * Debug mode: off',
      '[2026-11-29 18:16:20,002] WARNING in _internal: This is a development server.',
      ' * Running on http://127.0.0.1:5000',
      '[2026-11-29 18:16:21,003] ERROR in app: config invalid:',
      ' * DATABASE_URL is not set',
      ' * SECRET_KEY is not set',
      '[2026-11-29 18:16:22,004] INFO in app: payload',
      '  {',
      '    "id": 1',
      '  }',
      '[2026-11-29 18:16:23,005] ERROR in app: Exception on /pay [POST]',
      'Traceback (most recent call last):',
      '  File "/app/pay.py", line 10, in pay',
      '    raise ValueError("card declined")',
      'ValueError: card declined',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.content])).toEqual([
      [1, 1, 'order 1 placed'],
      [2, 2, " * Serving Flask app 'app'"],
      [3, 3, ' * Debug mode: off'],
      [4, 4, 'This is a development server.'],
      [5, 5, ' * Running on http://127.0.0.1:5000'],
      // A message ending in a colon opens a list: its items are its own.
      [6, 8, 'config invalid:'],
      // Indented JSON and a traceback join as before.
      [9, 12, 'payload'],
      [13, 17, 'Exception on /pay [POST]'],
    ]);
  });

  it('joins a ` * ` list right under an error to it, not to other lines', async () => {
    const f = write('bullets.log', [
      '[2026-11-29 18:16:19,001] INFO in app: order 1 placed',
      '[2026-11-29 18:16:21,003] ERROR in app: config invalid',
      ' * DATABASE_URL is not set',
      ' * SECRET_KEY is not set',
      '[2026-11-29 18:16:21,004] INFO in app: settings loaded',
      ' * Running on http://127.0.0.1:5000',
      '[2026-11-29 18:16:22,005] ERROR in app: Exception on /pay [POST]',
      'Traceback (most recent call last):',
      '  File "/app/pay.py", line 10, in pay',
      '    raise ValueError("card declined")',
      'ValueError: card declined',
      // The reloader's status line after a traceback is not part of it.
      " * Detected change in '/app/pay.py', reloading",
      ' * Restarting with stat',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.level, x.content])).toEqual([
      [1, 1, 'info', 'order 1 placed'],
      [2, 4, 'error', 'config invalid'],
      [5, 5, 'info', 'settings loaded'],
      [6, 6, undefined, ' * Running on http://127.0.0.1:5000'],
      [7, 11, 'error', 'Exception on /pay [POST]'],
      [12, 12, undefined, " * Detected change in '/app/pay.py', reloading"],
      [13, 13, undefined, ' * Restarting with stat'],
    ]);
  });

  it("never joins werkzeug's status lines (the reloader's) to an error right above them", async () => {
    const f = write('reload.log', [
      '[2026-11-29 18:16:21,003] ERROR in app: payment failed',
      " * Detected change in '/app/x.py', reloading",
      '[2026-11-29 18:16:22,004] ERROR in app: payment failed',
      ' * Restarting with watchdog (inotify)',
      ' * Debugger is active!',
      ' * Debugger PIN: 123-456-789',
      '[2026-11-29 18:16:23,005] ERROR in app: config invalid',
      ' * DATABASE_URL is not set',
      ' * Running on http://127.0.0.1:5000',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.level, x.content])).toEqual([
      [1, 1, 'error', 'payment failed'],
      [2, 2, undefined, " * Detected change in '/app/x.py', reloading"],
      [3, 3, 'error', 'payment failed'],
      [4, 4, undefined, ' * Restarting with watchdog (inotify)'],
      [5, 5, undefined, ' * Debugger is active!'],
      [6, 6, undefined, ' * Debugger PIN: 123-456-789'],
      // A list under an error still joins it; a status line after the list does not.
      [7, 8, 'error', 'config invalid'],
      [9, 9, undefined, ' * Running on http://127.0.0.1:5000'],
    ]);
  });

  it("keeps old Flask's indented development-server warning off the status line above it", async () => {
    const f = write('flask1.log', [
      ' * Serving Flask app "app" (lazy loading)',
      ' * Environment: production',
      '   WARNING: This is a development server. Do not use it in a production deployment.',
      '   Use a production WSGI server instead.',
      ' * Debug mode: on',
      ' * Restarting with stat',
      'Traceback (most recent call last):',
      '  File "/app/app.py", line 3, in <module>',
      '    import orders',
      "ModuleNotFoundError: No module named 'orders'",
      '[2026-11-29 18:16:19,001] INFO in app: order 1 placed',
      '[2026-11-29 18:16:19,002] INFO in app: order 2 placed',
      '[2026-11-29 18:16:19,003] ERROR in app: payment failed',
      '[2026-11-29 18:16:19,004] INFO in app: order 3 placed',
    ]);
    const r = await read(f);
    expect(r.records.map((x) => [x.no, x.through, x.level, x.content])).toEqual([
      [1, 1, undefined, ' * Serving Flask app "app" (lazy loading)'],
      [2, 2, undefined, ' * Environment: production'],
      // The warning is a record of its own, its two lines together.
      [3, 4, 'warn', 'This is a development server. Do not use it in a production deployment.'],
      [5, 5, undefined, ' * Debug mode: on'],
      [6, 6, undefined, ' * Restarting with stat'],
      // The reloader's failed import is a bare traceback, not the status line's.
      [7, 10, 'error', "ModuleNotFoundError: No module named 'orders'"],
      [11, 11, 'info', 'order 1 placed'],
      [12, 12, 'info', 'order 2 placed'],
      [13, 13, 'error', 'payment failed'],
      [14, 14, 'info', 'order 3 placed'],
    ]);
  });

  it('reports the exceptions of a pattern and assigns trace lines to their record', async () => {
    const f = write('report.log', [...pythonException('01', 1), ...pythonException('02', 2)]);
    const result = await createLogAnalysis({ files: [f], assignments: true, workers: 0 }).run();
    const r = result.report;
    expect(r.inputs[0]).toMatchObject({ lines: 16, records: 4, joinedLines: 12 });
    const failed = r.patterns.find((p) => p.template.startsWith('payment failed'))!;
    expect(failed.exceptions).toEqual([
      { type: 'ValueError', count: 2, example: 'ValueError: card declined' },
    ]);
    expect(r.services[0]!.errorPatterns[0]!.exceptions).toEqual(failed.exceptions);
    expect(renderText(r)).toContain('raised: ValueError: card declined (2)');
    // Every line of a traceback is assigned its record's pattern.
    const refs = [...result.assignments()];
    expect(refs).toHaveLength(16);
    for (let line = 3; line <= 8; line++) expect(refs[line - 1]!.pattern).toBe(failed.id);
  });

  it('ranks the exceptions of a pattern that spikes against the baseline by how far they rose', async () => {
    // One record a second from 12:00:00; every `failing` one raises `raised(i)`.
    const log = (n: number, failing: (i: number) => boolean, raised: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => {
        const at = `2024-05-01 12:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},000`;
        if (!failing(i)) return [`${at} INFO orders: order ${i} placed`];
        return [
          `${at} ERROR orders: payment failed for order ${i}`,
          'Traceback (most recent call last):',
          '  File "/app/pay.py", line 10, in pay',
          `    raise ${raised(i)}`,
          raised(i),
        ];
      }).flat();
    const declined = 'ValueError: card declined';
    const timedOut = 'TimeoutError: bank did not answer';
    // The baseline: 400 orders placed, 40 payments declined (ValueError).
    mkdirSync(path.join(tmp, 'before'));
    const baseline = write(
      'before/orders.log',
      log(
        440,
        (i) => i % 11 === 0,
        () => declined,
      ),
    );
    // The incident: fewer orders, the same 40 declines, and 29 payments the bank did not answer.
    mkdirSync(path.join(tmp, 'during'));
    const incident = write(
      'during/orders.log',
      log(
        169,
        (i) => i < 69,
        (i) => (i < 40 ? declined : timedOut),
      ),
    );
    const r = (
      await createLogAnalysis({ files: [incident], baseline: [baseline], workers: 0 }).run()
    ).report;
    const orders = r.services.find((s) => s.service === 'orders')!;
    expect(orders).toMatchObject({ records: 169, baselineRecords: 440 });
    const spiking = orders.spikingPatterns!;
    expect(spiking.map((c) => [c.template, c.count, c.baselineCount])).toEqual([
      ['payment failed for order <*>', 69, 40],
    ]);
    // ValueError was raised 40 times in 440 records, 15.4 in 169: the 29 TimeoutErrors rose more.
    const expected = [
      { type: 'TimeoutError', count: 29, example: timedOut },
      { type: 'ValueError', count: 40, example: declined },
    ];
    expect(spiking[0]!.exceptions).toEqual(expected);
    // Every list of the report ranks the pattern's exceptions alike.
    expect(orders.errorPatterns[0]!.exceptions).toEqual(expected);
    expect(r.patterns.find((p) => p.id === spiking[0]!.id)!.exceptions).toEqual(expected);
    expect(renderText(r)).toContain(`raised: ${timedOut} (29); ValueError (40)`);
    // Without a baseline, the most raised comes first, as before.
    const alone = (await createLogAnalysis({ files: [incident], workers: 0 }).run()).report;
    expect(alone.services[0]!.errorPatterns[0]!.exceptions).toEqual([...expected].reverse());
    expect(renderText(alone)).toContain(`raised: ${declined} (40); TimeoutError (29)`);
  });

  it("reports an error that is text alone (logfmt's err=) under a type with its values masked", async () => {
    const line = (host: string) =>
      `time=2024-05-01T12:00:01Z level=error msg="charge failed" err="dial tcp ${host}:5432: connection refused"`;
    const f = write('go.log', [line('10.0.0.5'), line('10.0.0.6'), line('10.0.0.5')]);
    const r = (await createLogAnalysis({ files: [f], workers: 0 }).run()).report;
    expect(r.patterns.map((p) => p.template)).toEqual(['charge failed']);
    // One host is not one type.
    expect(r.patterns[0]!.exceptions).toEqual([
      { type: 'dial tcp <*>', count: 3, example: 'dial tcp 10.0.0.5:5432: connection refused' },
    ]);
  });

  it('does not cut the input into parts inside a stack trace', () => {
    const f = write(
      'many.log',
      Array.from({ length: 400 }, (_, i) =>
        pythonException(String(i % 60).padStart(2, '0'), i),
      ).flat(),
    );
    for (const n of [2, 3, 5, 9]) {
      for (const piece of planParts([f], n).flat()) {
        if (piece.range === undefined || piece.range.start === 0) continue;
        const text = readHead(f, piece.range.start);
        expect(text).toMatch(/^2024-05-01 /);
      }
    }
  });

  it("does not cut the input into parts inside a stack trace behind a container's prefix", () => {
    // `docker compose logs` of one container: every line, trace lines too, behind its prefix.
    const lines = Array.from({ length: 400 }, (_, i) =>
      pythonException(String(i % 60).padStart(2, '0'), i),
    ).flat();
    const f = write(
      'compose.log',
      lines.map((l) => `orders-1  | ${l}`),
    );
    for (const n of [2, 3, 5, 9]) {
      for (const piece of planParts([f], n).flat()) {
        if (piece.range === undefined || piece.range.start === 0) continue;
        expect(readHead(f, piece.range.start)).toMatch(/^orders-1 {2}\| 2024-05-01 /);
      }
    }
  });

  it("does not cut the input into parts inside one container's stack trace where containers interleave", () => {
    for (const prefix of [
      (name: string) => `${name}-1  | `,
      (name: string) => `[pod/${name}-7d9f6c-abcde/${name}] `,
    ]) {
      // Each line of orders' events, then one of payments' (a record of its own): each orders
      // trace line has a payments line before it. `events[k]`: the event of line k.
      const lines: string[] = [];
      const events: string[] = [];
      for (let i = 0; i < 300; i++) {
        const event = pythonException(String(i % 60).padStart(2, '0'), i);
        event.forEach((l, k) => {
          lines.push(prefix('orders') + l);
          events.push(`orders ${i} ${k === 0 ? 'info' : 'error'}`);
          lines.push(prefix('payments') + `2024-05-01 12:00:01,500 INFO payments: charge ${k}`);
          events.push(`payments ${i} ${k}`);
        });
      }
      const f = write('interleaved-parts.log', lines);
      const lineAt = new Map<number, number>();
      for (let k = 0, offset = 0; k < lines.length; offset += Buffer.byteLength(lines[k]!) + 1, k++)
        lineAt.set(offset, k);
      for (const n of [2, 3, 5, 9]) {
        const cuts = planParts([f], n)
          .flat()
          .flatMap((p) => (p.range !== undefined && p.range.start > 0 ? [p.range.start] : []));
        expect(cuts.length, `${n} parts`).toBeGreaterThan(0);
        for (const cut of cuts) {
          const k = lineAt.get(cut);
          expect(k, 'a line start').toBeDefined();
          // No event has lines on both sides of the cut.
          const before = new Set(events.slice(0, k));
          expect(
            events.slice(k).filter((e) => before.has(e)),
            `cut at line ${k! + 1}`,
          ).toEqual([]);
        }
      }
    }
  });

  it('joins traces in the logs of `obs analyze traces --logs` too', async () => {
    const f = write('evidence.log', [
      '2024-05-01 12:00:01,456 ERROR orders: payment failed trace_id=4bf92f3577b34da6a3ce929d0e0e4736',
      'Traceback (most recent call last):',
      '  File "/app/pay.py", line 10, in pay',
      '    raise ValueError("card declined")',
      'ValueError: card declined',
      '2024-05-01 12:00:02,000 INFO orders: ok',
    ]);
    const input = await readLogEvidenceInput([f], undefined);
    expect(input.incident.lines).toBe(6);
    const tallies = [...input.incident.services.values()].flatMap((s) => [...s.patterns.values()]);
    // Two records (the error and the INFO line), not six.
    expect(tallies.reduce((n, t) => n + t.lines, 0)).toBe(2);
    expect(tallies.find((t) => t.errors === 1)?.exceptions).toEqual(
      new Map([['ValueError', { count: 1, example: 'ValueError: card declined' }]]),
    );
  });

  it('joins a trace that runs past the lines the header is learned from, in both readers', async () => {
    // The first 200 lines are held while the header is learned from them (header-sample.ts), then
    // read; the trace starts in them and ends in the lines read after.
    const lines = Array.from(
      { length: 196 },
      (_, k) => `2024-05-01 12:00:01,${String(100 + k)} INFO orders: order ${k} placed`,
    );
    lines.push(...pythonException('02', 9).slice(1), '2024-05-01 12:00:03,000 INFO orders: ok');
    expect(lines[199]).toBe('    pay(order)');
    const f = write('straddling.log', lines);

    const { records, joined } = await read(f);
    expect(records).toHaveLength(198);
    expect(joined).toBe(6);
    expect(records[196]).toMatchObject({
      no: 197,
      through: 203,
      exception: 'ValueError: card declined',
    });

    const input = await readLogEvidenceInput([f], undefined);
    expect(input.incident.lines).toBe(204);
    const tallies = [...input.incident.services.values()].flatMap((s) => [...s.patterns.values()]);
    expect(tallies.reduce((n, t) => n + t.lines, 0)).toBe(198);
    expect(tallies.find((t) => t.errors === 1)?.exceptions?.get('ValueError')?.count).toBe(1);
  });
});

function readHead(file: string, at: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(40);
    const n = readSync(fd, buf, 0, 40, at);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

describe('exception counts', () => {
  it('keep a bounded number of types per service and pattern, counting the ones kept', () => {
    const part = new MiningPart({
      miner: {},
      examples: 3,
      traceIds: 5,
      maxChars: 16_384,
      assignments: false,
    });
    const sink = part.sinkFor(newSummary('x.log', 'incident'), 0, () => undefined);
    const record = (exception: string) =>
      sink.record({ service: 'a', level: 'error', content: 'job failed', exception }, 1, true, -1);
    for (let i = 0; i < 10; i++) record('TimeoutError: slow');
    // A logger that writes ids into the type: each one new.
    for (let i = 0; i < 500; i++) record(`Job${i}Error: boom`);
    for (let i = 0; i < 5; i++) record('TimeoutError: slow again');
    const [[, stats]] = [...part.stats()] as [[number, PatternStats]];
    const svc = stats.services.get('a')!;
    expect(svc.exceptions!.size).toBeLessThanOrEqual(32);
    expect(svc.exceptions!.get('TimeoutError')).toEqual({
      count: 15,
      example: 'TimeoutError: slow',
    });
  });
});
