import { describe, expect, it } from 'vitest';
import { learnHeader } from '../../../../analyze/logs/header.js';
import {
  isBinaryLine,
  isErrorLevel,
  isPlainText,
  learnFileHeader,
  parseLine,
  serviceFromFileName,
} from '../../../../analyze/logs/records.js';
import type { ParseContext } from '../../../../analyze/logs/records.js';
import { LOG_FIELDS } from '../../../../model/conventions.js';

const javaHeader = learnHeader([
  '17:30:02.618 INFO  v.c.VerifyCodeController#54 TraceID: 7c6f SpanID: c95c [verifyCode][verify result: false]',
  '17:30:02.617 WARN  v.s.i.VerifyCodeServiceImpl#114 TraceID: 7c6f SpanID: c95c [verifyCode][Verify code start]',
  '17:30:02.617 INFO  v.c.VerifyCodeController#51 TraceID: 7c6f SpanID: c95c [verifyCode][receivedCode: 1234]',
]);
const plain: ParseContext = { defaultService: 'checkout', header: learnHeader([]), year: 2024 };

describe('parseLine', () => {
  it('reads the JSON lines our instrumentation writes (LOG_FIELDS)', () => {
    const line = JSON.stringify({
      [LOG_FIELDS.timestamp]: '2024-03-01T10:00:00.250Z',
      [LOG_FIELDS.level]: 'ERROR',
      [LOG_FIELDS.message]: 'payment declined for order 42',
      [LOG_FIELDS.service]: 'payments',
      [LOG_FIELDS.traceId]: '4bf92f3577b34da6a3ce929d0e0e4736',
      [LOG_FIELDS.spanId]: '00f067aa0ba902b7',
      [LOG_FIELDS.errorType]: 'CardDeclined',
    });
    expect(parseLine(line, plain)).toEqual({
      kind: 'json',
      headerMismatch: false,
      records: [
        {
          service: 'payments',
          level: 'error',
          timestamp: Date.UTC(2024, 2, 1, 10, 0, 0, 250),
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          spanId: '00f067aa0ba902b7',
          content: 'CardDeclined: payment declined for order 42',
          exception: 'CardDeclined',
        },
      ],
    });
  });

  it('reads nested ECS objects and pino numeric levels', () => {
    const ecs = parseLine(
      '{"log":{"level":"warn"},"message":"slow query","service":{"name":"db"}}',
      plain,
    ).records[0]!;
    expect(ecs).toMatchObject({ service: 'db', level: 'warn', content: 'slow query' });
    const pino = parseLine(
      '{"level":50,"time":1709287200000,"msg":"boom","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}',
      plain,
    ).records[0]!;
    expect(pino).toMatchObject({
      level: 'error',
      timestamp: 1709287200000,
      content: 'boom',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      service: 'checkout',
    });
  });

  it('unwraps Docker json-file lines and parses the text inside with the file header', () => {
    const ctx = { ...plain, header: javaHeader };
    const line = JSON.stringify({
      log: '17:30:02.618 ERROR v.c.OrderController#88 order 7 failed\n',
      stream: 'stderr',
      time: '2024-03-01T10:00:01.000000000Z',
    });
    const p = parseLine(line, ctx);
    expect(p.kind).toBe('docker');
    expect(p.records[0]).toMatchObject({
      level: 'error',
      content: 'order 7 failed',
      service: 'checkout',
    });
  });

  it('unwraps CRI lines', () => {
    const p = parseLine('2024-03-01T10:00:02.5Z stdout F GET /health 200', plain);
    expect(p.kind).toBe('cri');
    expect(p.records[0]).toMatchObject({
      content: 'GET /health 200',
      timestamp: Date.UTC(2024, 2, 1, 10, 0, 2, 500),
    });
  });

  it('reads every record of an OTLP logs request, with service, trace and span ids', () => {
    const body = (s: string) => ({ stringValue: s });
    const line = JSON.stringify({
      resourceLogs: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: body('ts-verification-code-service') }],
          },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: '1674984602618340807',
                  body: body(
                    '17:30:02.618 INFO  v.c.VerifyCodeController#54 TraceID: 7c6f SpanID: c95c [verifyCode][verify result: false]',
                  ),
                  traceId: '7C6FBB99EEA95D623C08DE0C9691A446',
                  spanId: 'c95c108a090bf4e6',
                },
                {
                  timeUnixNano: '1674984602618206999',
                  severityNumber: 17,
                  body: body('plain body'),
                },
              ],
            },
          ],
        },
      ],
    });
    const p = parseLine(line, { ...plain, header: javaHeader });
    expect(p.kind).toBe('otlp');
    expect(p.records).toEqual([
      {
        service: 'ts-verification-code-service',
        level: 'info',
        timestamp: 1674984602618,
        traceId: '7c6fbb99eea95d623c08de0c9691a446',
        spanId: 'c95c108a090bf4e6',
        content: 'TraceID: 7c6f SpanID: c95c [verifyCode][verify result: false]',
      },
      {
        service: 'ts-verification-code-service',
        level: 'error',
        timestamp: 1674984602618,
        content: 'plain body',
      },
    ]);
  });

  it('mines a line that looks like JSON but is not as text, and says why', () => {
    const p = parseLine('{"message": "cut short', plain);
    expect(p.kind).toBe('text');
    expect(p.problem).toMatch(/^malformed JSON/);
    expect(p.records[0]!.content).toBe('{"message": "cut short');
  });

  it('reports an OTLP request without records as a problem', () => {
    const p = parseLine('{"resourceLogs":[]}', plain);
    expect(p.records).toEqual([]);
    expect(p.problem).toBe('OTLP logs request without log records');
  });

  it('writes trace and span ids as the trace readers do, so that lines find their traces', () => {
    const rec = (o: object) => parseLine(JSON.stringify({ message: 'x', ...o }), plain).records[0]!;
    // Upper case, and a 64-bit (B3, Jaeger) trace id padded as its spans are.
    expect(
      rec({ trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736', span_id: '00F067AA0BA902B7' }),
    ).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
    expect(rec({ traceId: '3b7dae0495918694' }).traceId).toBe('00000000000000003b7dae0495918694');
    // python-json-logger outside a span: no id at all.
    const outside = rec({ otelTraceID: '0', otelSpanID: '0' });
    expect(outside.traceId).toBeUndefined();
    expect(outside.spanId).toBeUndefined();
    // A request id under a trace id's name is kept as written.
    expect(rec({ trace_id: 'req-42' }).traceId).toBe('req-42');
    const text = parseLine(
      'ERROR failed trace_id=3B7DAE0495918694 span_id=00F067AA0BA902B7',
      plain,
    );
    expect(text.records[0]).toMatchObject({
      traceId: '00000000000000003b7dae0495918694',
      spanId: '00f067aa0ba902b7',
    });
    // OTel's logging keys glued to a prefix, in text.
    expect(
      parseLine(
        'ERROR failed otelTraceID=3b7dae0495918694a3ce929d0e0e4736 otelSpanID=00f067aa0ba902b7',
        plain,
      ).records[0],
    ).toMatchObject({ traceId: '3b7dae0495918694a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
  });

  it("reads winston's simple format: the level before a colon, the metadata after the message", () => {
    const lines = [
      'info: order 1 placed {"service":"cart","traceId":"4bf92f3577b34da6a3ce929d0e0e4736"}',
      'error: ECONNREFUSED 10.0.3.7:5432 {"service":"cart","stack":"Error: ECONNREFUSED 10.0.3.7:5432\\n    at main (/app/db.js:3:9)"}',
      'warn: stock low {"sku":"a-1"}',
    ];
    const ctx = { ...plain, header: learnFileHeader(lines) };
    const [info, error, warn] = lines.map((l) => parseLine(l, ctx).records[0]!);
    expect(info).toMatchObject({
      service: 'cart',
      level: 'info',
      content: 'order 1 placed',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(error).toMatchObject({
      service: 'cart',
      level: 'error',
      content: 'ECONNREFUSED 10.0.3.7:5432',
      exception: 'Error: ECONNREFUSED 10.0.3.7:5432',
    });
    // Metadata that names no service, trace or exception stays in the message.
    expect(warn).toMatchObject({ level: 'warn', content: 'stock low {"sku":"a-1"}' });
  });

  it("reads Datadog's decimal ids (dd.trace_id) as the hex of their 64 bits", () => {
    // 6458013136262956123 = 0x599f78bb3dc2845b; 1234567890123456789 = 0x112210f47de98115.
    const want = { traceId: '0000000000000000599f78bb3dc2845b', spanId: '112210f47de98115' };
    const json = (o: object) => parseLine(JSON.stringify({ message: 'x', ...o }), plain).records[0];
    expect(
      json({ 'dd.trace_id': '6458013136262956123', 'dd.span_id': '1234567890123456789' }),
    ).toMatchObject(want);
    expect(
      json({ dd: { trace_id: '6458013136262956123', span_id: '1234567890123456789' } }),
    ).toMatchObject(want);
    expect(
      parseLine(
        'ERROR charge failed [dd.service=pay dd.trace_id=6458013136262956123 dd.span_id=1234567890123456789]',
        plain,
      ).records[0],
    ).toMatchObject(want);
  });

  it("finds trace ids in the header of OTel Python's log format", () => {
    const line = (n: number, level: string, trace: string) =>
      `2024-05-01 12:00:0${n},123 ${level} [app.api] [api.py:55] [trace_id=${trace} span_id=00f067aa0ba902b${n} resource.service.name=orders trace_sampled=True] - Payment failed for order ${n}`;
    const lines = [1, 2, 3, 4].map((n) =>
      line(n, n % 2 ? 'ERROR' : 'INFO', `4bf92f3577b34da6a3ce929d0e0e473${n}`),
    );
    const ctx = { ...plain, header: learnFileHeader(lines) };
    expect(parseLine(lines[0]!, ctx).records[0]).toMatchObject({
      level: 'error',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4731',
      spanId: '00f067aa0ba902b1',
    });
    // A line logged outside any span writes zero ids: none.
    expect(parseLine(line(5, 'INFO', '0'), ctx).records[0]!.traceId).toBeUndefined();
  });

  it("takes python-json-logger's otelServiceName as the service, never its logger name", () => {
    const py = (o: object) =>
      parseLine(JSON.stringify({ levelname: 'ERROR', message: 'db down', ...o }), plain)
        .records[0]!;
    expect(py({ name: 'uvicorn.error', otelServiceName: 'orders' }).service).toBe('orders');
    expect(py({ name: 'uvicorn.error' }).service).toBe('checkout'); // the file's
    // bunyan's `name` is the application's.
    const bunyan = parseLine(JSON.stringify({ name: 'orders', level: 50, msg: 'x' }), plain);
    expect(bunyan.records[0]!.service).toBe('orders');
  });

  it('reads journald exports (journalctl -o json) and kubectl --timestamps JSON lines', () => {
    const journal = JSON.stringify({
      __REALTIME_TIMESTAMP: '1714564801000000',
      PRIORITY: '3',
      SYSLOG_IDENTIFIER: 'orders',
      _SYSTEMD_UNIT: 'orders.service',
      MESSAGE: 'Database connection refused',
    });
    expect(parseLine(journal, plain).records[0]).toEqual({
      service: 'orders',
      level: 'error',
      timestamp: Date.UTC(2024, 4, 1, 12, 0, 1),
      content: 'Database connection refused',
    });
    const stamped = parseLine('2024-05-01T12:00:01.5Z {"level":"error","msg":"db down"}', plain);
    expect(stamped.kind).toBe('json');
    expect(stamped.records[0]).toMatchObject({
      level: 'error',
      content: 'db down',
      timestamp: Date.UTC(2024, 4, 1, 12, 0, 1, 500),
    });
  });

  it('names a journald record of an interpreter or a shell after its unit, else its command', () => {
    const service = (fields: Record<string, string>) =>
      parseLine(JSON.stringify({ PRIORITY: '3', MESSAGE: 'payment failed', ...fields }), plain)
        .records[0]!.service;
    const python = { _COMM: 'python3', _EXE: '/usr/bin/python3.11' };
    for (const identifier of ['python3', 'python3.11', 'node', 'java', 'sh', 'bash']) {
      const unit = { SYSLOG_IDENTIFIER: identifier, ...python };
      expect(service({ ...unit, _SYSTEMD_UNIT: 'orders.service' }), identifier).toBe('orders');
      // A user service's own unit, not the user manager's.
      expect(
        service({
          ...unit,
          _SYSTEMD_UNIT: 'user@1000.service',
          _SYSTEMD_USER_UNIT: 'cart.service',
        }),
      ).toBe('cart');
      // A scope names no service; nor does the user manager alone.
      expect(service({ ...unit, _SYSTEMD_UNIT: 'session-2.scope' })).toBe(identifier);
      expect(service({ ...unit, _SYSTEMD_UNIT: 'user@1000.service' })).toBe(identifier);
      // Without a unit: the command, when it is not an interpreter's too.
      expect(service({ SYSLOG_IDENTIFIER: identifier, _COMM: 'billing', _EXE: '/bin/x' })).toBe(
        'billing',
      );
      expect(
        service({ SYSLOG_IDENTIFIER: identifier, _COMM: 'python3', _EXE: '/opt/bin/billing' }),
      ).toBe('billing');
      expect(service(unit)).toBe(identifier);
    }
    // An instance of a template unit is a replica of the template's service; so is a user unit's.
    const python3 = { SYSLOG_IDENTIFIER: 'python3', ...python };
    expect(service({ ...python3, _SYSTEMD_UNIT: 'worker@1.service' })).toBe('worker');
    expect(service({ ...python3, _SYSTEMD_UNIT: 'worker@eu-west-1.service' })).toBe('worker');
    // The template itself (an empty instance).
    expect(service({ ...python3, _SYSTEMD_UNIT: 'worker@.service' })).toBe('worker');
    expect(
      service({
        ...python3,
        _SYSTEMD_UNIT: 'user@1000.service',
        _SYSTEMD_USER_UNIT: 'sync@inbox.service',
      }),
    ).toBe('sync');
    // Not a service unit, nor one without a name before its `@`: the command, else the identifier.
    expect(service({ ...python3, _SYSTEMD_UNIT: 'worker@1.socket' })).toBe('python3');
    expect(service({ ...python3, _SYSTEMD_UNIT: '@1.service' })).toBe('python3');
    // An instance of an interpreter's template names nothing either.
    expect(service({ ...python3, _SYSTEMD_UNIT: 'python3@app.service' })).toBe('python3');
    // Any other identifier names its record, as before, whatever its unit.
    expect(service({ SYSLOG_IDENTIFIER: 'sshd', _SYSTEMD_UNIT: 'ssh.service' })).toBe('sshd');
    expect(service({ SYSLOG_IDENTIFIER: 'kernel' })).toBe('kernel');
    // A service field says more than any of them.
    expect(
      service({ service: 'orders', SYSLOG_IDENTIFIER: 'python3', _SYSTEMD_UNIT: 'x.service' }),
    ).toBe('orders');
  });

  it('reads logfmt lines (logrus, Go kit) as records, and only those', () => {
    const line =
      'time="2024-05-01T12:00:01Z" level=error msg="db query failed" err="connection refused" trace_id=5bf92f3577b34da6a3ce929d0e0e4736';
    expect(parseLine(line, plain)).toEqual({
      kind: 'logfmt',
      headerMismatch: false,
      records: [
        {
          service: 'checkout',
          level: 'error',
          timestamp: Date.UTC(2024, 4, 1, 12, 0, 1),
          traceId: '5bf92f3577b34da6a3ce929d0e0e4736',
          content: 'db query failed',
          exception: 'connection refused',
        },
      ],
    });
    // Not through the plain-text fast path either.
    expect(isPlainText(line)).toBe(false);
    // A message that starts with a pair is text.
    expect(parseLine('user=alice logged in from the new device', plain).kind).toBe('text');
    expect(parseLine('user=alice action=login', plain).kind).toBe('text');
  });

  it('takes the level of an HTTP access log line from its status', () => {
    const level = (line: string) => parseLine(line, plain).records[0]!.level;
    const combined = (status: number) =>
      `10.0.0.2 - - [01/May/2024:12:00:01 +0000] "POST /api/orders HTTP/1.1" ${status} 87 "-" "curl/8.0"`;
    expect(level(combined(500))).toBe('error');
    expect(level(combined(404))).toBe('warn');
    // A request that succeeded is an info line, whatever the logger wrote (here: nothing).
    expect(level(combined(200))).toBe('info');
    // uvicorn writes every access at INFO.
    const uvicorn = learnHeader(['INFO:     Started server process [1]']);
    const line = 'INFO:     127.0.0.1:50000 - "POST /orders HTTP/1.1" 500 Internal Server Error';
    expect(parseLine(line, { ...plain, header: uvicorn }).records[0]!.level).toBe('error');
  });

  it('reads the time of access lines, nginx and werkzeug alike', () => {
    const nginx = [200, 500, 201].map(
      (status, i) =>
        `10.0.0.${i} - - [01/May/2024:12:00:0${i} +0000] "POST /api/orders HTTP/1.1" ${status} 87 "-" "curl/8.0"`,
    );
    const werkzeug = [200, 500, 200].map(
      (status, i) => `127.0.0.1 - - [01/May/2024 12:00:0${i}] "GET /orders HTTP/1.1" ${status} -`,
    );
    // Pod addresses (`10.244.2.191`) hold what looks like a clock (`0.24`): not the time.
    const pods = nginx.map((l) => l.replace(/^10\.0\.0\./, '10.244.2.1'));
    for (const lines of [nginx, werkzeug, pods]) {
      const ctx = { ...plain, header: learnFileHeader(lines) };
      expect(parseLine(lines[1]!, ctx).records[0]).toMatchObject({
        level: 'error',
        timestamp: Date.UTC(2024, 4, 1, 12, 0, 1),
      });
    }
  });

  it("makes the exception the message of a JSON record that has none (pino's log.error(err))", () => {
    const record = (o: object) => parseLine(JSON.stringify(o), plain).records[0]!;
    const err = (type: string, message: string) => ({
      level: 50,
      name: 'cart',
      err: { type, message, stack: `${type}: ${message}\n    at x (/app/a.js:1:1)` },
    });
    expect(record(err('TypeError', 'x is not a function'))).toMatchObject({
      service: 'cart',
      level: 'error',
      content: 'TypeError: x is not a function',
    });
    // Two errors are two messages, not one shape of keys.
    expect(record(err('RangeError', 'bad length')).content).toBe('RangeError: bad length');
    // Without a level, an exception is an error; a level given is kept.
    expect(record({ err: { type: 'Error', message: 'down' } }).level).toBe('error');
    expect(record({ level: 40, err: { type: 'Error', message: 'slow' } }).level).toBe('warn');
    // zap's dpanic is an error in production.
    expect(record({ level: 'dpanic', msg: 'nil map' }).level).toBe('error');
    // No message and no exception: the shape of the keys, as before.
    expect(record({ level: 30, pid: 1 }).content).toBe('{level pid}');
  });

  it('takes the exception a JSON logger or an OTLP record carries in its fields', () => {
    const exceptionOf = (o: object) => parseLine(JSON.stringify(o), plain).records[0]!.exception;
    // pino's and bunyan's err, ECS (ours), winston's stack, python-json-logger's exc_info.
    expect(exceptionOf({ msg: 'x', err: { type: 'TypeError', message: 'no id' } })).toBe(
      'TypeError: no id',
    );
    expect(exceptionOf({ msg: 'x', err: { name: 'CheckoutError', message: '502' } })).toBe(
      'CheckoutError: 502',
    );
    expect(exceptionOf({ message: 'x', [LOG_FIELDS.errorType]: 'ZeroDivisionError' })).toBe(
      'ZeroDivisionError',
    );
    expect(
      exceptionOf({ message: 'x', stack: 'Error: refund failed\n    at r (/app/r.js:3:9)' }),
    ).toBe('Error: refund failed');
    const traceback =
      'Traceback (most recent call last):\n  File "/a.py", line 3, in f\n    g()\nKeyError: \'card\'';
    expect(exceptionOf({ message: 'x', levelname: 'ERROR', exc_info: traceback })).toBe(
      "KeyError: 'card'",
    );
    // A stack field that names no exception says nothing.
    expect(exceptionOf({ message: 'x', stack: 'main thread' })).toBeUndefined();
    expect(exceptionOf({ message: 'x' })).toBeUndefined();
    const otlp = JSON.stringify({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  body: { stringValue: 'charge failed' },
                  attributes: [
                    { key: 'exception.type', value: { stringValue: 'ValueError' } },
                    { key: 'exception.message', value: { stringValue: 'card declined' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(parseLine(otlp, plain).records[0]!.exception).toBe('ValueError: card declined');
  });

  it("takes an error that is text alone as the exception: logfmt's err=/error=, zap's error", () => {
    const record = (line: string) => parseLine(line, plain).records[0]!;
    // Go kit, logrus and slog write `err.Error()`; the message stays the template's text.
    expect(
      record('level=error msg="charge failed" err="card declined: insufficient funds"'),
    ).toMatchObject({
      level: 'error',
      content: 'charge failed',
      exception: 'card declined: insufficient funds',
    });
    expect(record('level=warn msg="retrying" error="context deadline exceeded"')).toMatchObject({
      content: 'retrying',
      exception: 'context deadline exceeded',
    });
    const zap = JSON.stringify({
      level: 'error',
      msg: 'charge failed',
      error: 'dial tcp 10.0.0.5:5432: connection refused',
    });
    expect(record(zap)).toMatchObject({
      content: 'charge failed',
      exception: 'dial tcp 10.0.0.5:5432: connection refused',
    });
    // An error object's message alone (no type, no stack).
    expect(record(JSON.stringify({ msg: 'x', err: { message: 'card declined' } })).exception).toBe(
      'card declined',
    );
    // A type, where one is known, still comes first; a nil error is none.
    expect(
      record(JSON.stringify({ msg: 'x', err: { type: 'Error', message: 'card declined' } }))
        .exception,
    ).toBe('Error: card declined');
    expect(record('level=info msg="done" err=<nil>').exception).toBeUndefined();
    // Without a message, the keys stay the shape of the event, as before.
    expect(record(JSON.stringify({ level: 'error', error: 'boom' }))).toMatchObject({
      content: '{error level}',
      exception: 'boom',
    });
  });

  it('reads `kubectl logs --prefix` lines: the container is the service, the rest the line', () => {
    const text = parseLine(
      '[pod/orders-7d9f6c-abcde/orders] 2024-05-01 12:00:02 ERROR payment failed',
      plain,
    );
    expect(text.kind).toBe('text');
    expect(text.records[0]).toMatchObject({
      service: 'orders',
      level: 'error',
      content: 'payment failed',
    });
    const json = parseLine(
      '[pod/pay-5c8d7-xyz12/sidecar] {"level":"error","msg":"down","service":"payments"}',
      plain,
    );
    expect(json.records[0]).toMatchObject({ service: 'payments', level: 'error', content: 'down' });
    expect(isPlainText('[pod/orders-7d9f6c-abcde/orders] order placed')).toBe(false);
    expect(isPlainText('[worker-1] order placed')).toBe(true);
  });

  it("cuts OpenTelemetry Python's trace context off the message and takes its service", () => {
    const ctx =
      '[trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 resource.service.name=orders trace_sampled=True]';
    const r = parseLine(
      `2024-05-01 12:00:02,123 ERROR [orders.api] [main.py:30] ${ctx} - payment failed`,
      plain,
    );
    expect(r.records[0]).toMatchObject({
      service: 'orders',
      level: 'error',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      content: 'payment failed',
    });
    // Outside a span the ids are 0 and the service may be unset: the context goes all the same.
    const none = parseLine(
      '2024-05-01 12:00:03,123 WARNING [orders.api] [main.py:40] [trace_id=0 span_id=0 resource.service.name= trace_sampled=False] - slow',
      plain,
    );
    expect(none.records[0]).toMatchObject({ service: 'checkout', content: 'slow' });
    expect(none.records[0]!.traceId).toBeUndefined();
  });

  it("reads loguru's serialize=True lines: message, level, time, exception and bound fields", () => {
    const line = (level: string, message: string, exception: object | null) =>
      JSON.stringify({
        text: `2024-05-01 12:00:02.123 | ${level.padEnd(8)} | app:pay:12 - ${message}\n`,
        record: {
          elapsed: { repr: '0:00:01.5', seconds: 1.5 },
          exception,
          extra: { service: 'orders', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' },
          file: { name: 'app.py', path: '/app/app.py' },
          function: 'pay',
          level: { icon: '❌', name: level, no: 40 },
          line: 12,
          message,
          module: 'app',
          name: 'app',
          process: { id: 7, name: 'MainProcess' },
          thread: { id: 1, name: 'MainThread' },
          time: { repr: '2024-05-01 12:00:02.123456+00:00', timestamp: 1714564802.123456 },
        },
      });
    const failed = parseLine(
      line('ERROR', 'payment failed', {
        type: 'ValueError',
        value: 'card declined',
        traceback: true,
      }),
      plain,
    ).records[0]!;
    expect(failed).toMatchObject({
      service: 'orders',
      level: 'error',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      exception: 'ValueError: card declined',
      timestamp: Date.UTC(2024, 4, 1, 12, 0, 2, 123),
    });
    expect(failed.content).toContain('payment failed');
    expect(parseLine(line('INFO', 'order 7 placed', null), plain).records[0]).toMatchObject({
      level: 'info',
      content: 'order 7 placed',
    });
  });

  it('reads `docker compose logs` lines: the service (no replica number) names the records', () => {
    const text = parseLine('orders-1    | 2024-05-01 12:00:02 ERROR payment failed', plain);
    expect(text.records[0]).toMatchObject({
      service: 'orders',
      level: 'error',
      content: 'payment failed',
    });
    // Compose v1 names containers <project>_<service>_<n>; an empty line keeps its prefix only.
    const v1 = parseLine('shop_cart_2   | {"level":50,"msg":"redis down"}', plain);
    expect(v1.records[0]).toMatchObject({
      service: 'shop_cart',
      level: 'error',
      content: 'redis down',
    });
    expect(parseLine('orders-1  |', plain).records[0]).toMatchObject({ service: 'orders' });
    expect(isPlainText('orders-1  | order placed')).toBe(false);
    // A level column is no prefix: it has no replica number.
    expect(isPlainText('INFO     | order placed')).toBe(true);
    expect(parseLine('INFO     | order placed', plain).records[0]!.service).toBe('checkout');
  });

  it("takes a BSD syslog line's level from its <PRI> when its message says none", () => {
    const header = learnFileHeader(['<14>Nov 29 10:00:01 host cron[1]: job done']);
    const ctx: ParseContext = { defaultService: 'syslog', header, year: 2026 };
    const level = (line: string) => parseLine(line, ctx).records[0]!.level;
    // Severity PRI & 7: 3 err, 4 warning, 6 info, 2 crit (facility user, 1, times 8 added).
    expect(level('<11>Nov 29 10:00:01 host orders[7]: charge rejected')).toBe('error');
    expect(level('<12>Nov 29 10:00:01 host orders[7]: retrying charge')).toBe('warn');
    expect(level('<14>Nov 29 10:00:01 host orders[7]: order placed')).toBe('info');
    expect(level('<10>2026-11-29T10:00:01Z host orders[7]: disk gone')).toBe('fatal');
    // The message's own level wins; a line without <PRI>, or an impossible one, has none from it.
    expect(level('<14>Nov 29 10:00:01 host orders[7]: ERROR charge rejected')).toBe('error');
    expect(level('Nov 29 10:00:01 host orders[7]: charge rejected')).toBeUndefined();
    expect(level('<999>Nov 29 10:00:01 host orders[7]: charge rejected')).toBeUndefined();
  });

  it("names a syslog line's record after its program, unless a field or a prefix names one", () => {
    const header = learnFileHeader([
      'Nov 29 10:00:01 host sshd[123]: Accepted password for bob',
      'Nov 29 10:00:02 host CRON[456]: (root) CMD (run-parts)',
    ]);
    const syslog: ParseContext = { defaultService: 'syslog', header, year: 2026 };
    const service = (line: string, ctx = syslog) => parseLine(line, ctx).records[0]!.service;
    // BSD syslog (RFC 3164): the tag without its [pid]; with a <PRI> or an RFC 3339 time too.
    expect(service('Nov 29 10:00:01 host sshd[123]: Accepted password for bob')).toBe('sshd');
    expect(service('Nov  9 10:00:03 host kernel: [ 12.3] eth0 up')).toBe('kernel');
    expect(service('<13>Nov 29 10:00:01 host cron[1]: job done', plain)).toBe('cron');
    expect(service('2026-11-29T10:00:01.123456+00:00 web-a checkout[7]: paid', plain)).toBe(
      'checkout',
    );
    // RFC 5424: the APP-NAME; `-` names none.
    const rfc5424 = '<34>1 2026-11-29T10:00:01Z host app 123 ID47 - message';
    expect(service(rfc5424, plain)).toBe('app');
    expect(service('<34>1 2026-11-29T10:00:01Z host - 123 ID47 - message', plain)).toBe('checkout');
    // A logger's `time LEVEL logger: message` is no syslog line: the file names the service.
    expect(service('2026-11-29T10:00:01.123Z INFO app.module: started', plain)).toBe('checkout');
    expect(service('Nov 29 10:00:01 host ERROR: disk full', plain)).toBe('checkout');
    // A prefix's container and a field outrank the program.
    expect(service('web-1  | Nov 29 10:00:01 host sshd[123]: Accepted password')).toBe('web');
    expect(service('Nov 29 10:00:01 host node[9]: error: payment failed {"service":"cart"}')).toBe(
      'cart',
    );
  });

  it('reads an RFC 5424 line: MSG alone is the message, STRUCTURED-DATA is not', () => {
    const sd = '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][meta seq="7"]';
    const line = `<165>1 2026-11-29T22:14:15.003Z host orders 1234 ID47 ${sd} payment failed for order 42`;
    expect(isPlainText(line)).toBe(false);
    expect(parseLine(line, plain)).toEqual({
      kind: 'rfc5424',
      headerMismatch: false,
      // PRI 165: facility 20 (local4), severity 5 (notice), as journald's PRIORITY 5 reads.
      records: [
        {
          service: 'orders',
          level: 'info',
          timestamp: Date.UTC(2026, 10, 29, 22, 14, 15, 3),
          content: 'payment failed for order 42',
        },
      ],
      text: 'payment failed for order 42',
      headerless: false,
    });
    const record = (l: string, ctx = plain) => parseLine(l, ctx).records[0]!;
    // Values escape `"`, `]` and `\`; none of it is message. `-` is no data; no MSG is empty.
    expect(
      record('<11>1 - host app - - [a@1 q="say \\"hi\\" [x\\] \\\\" r=""] disk full').content,
    ).toBe('disk full');
    expect(record('<11>1 2026-11-29T22:14:15Z host app - - - disk full')).toMatchObject({
      content: 'disk full',
      level: 'error',
    });
    expect(record('<11>1 - host app - - -')).toEqual({
      service: 'app',
      level: 'error',
      content: '',
    });
    // Severity by PRI & 7: emerg, alert, crit are fatal; err error; warning warn; debug debug.
    const levels = [0, 1, 2, 3, 4, 5, 6, 7].map(
      (sev) => record(`<${8 + sev}>1 - h a - - - m`).level,
    );
    expect(levels).toEqual(['fatal', 'fatal', 'fatal', 'error', 'warn', 'info', 'info', 'debug']);
    // A BOM opening MSG is dropped; a level in MSG's header (as learned) outranks PRI's.
    const header = learnFileHeader([
      '<14>1 2026-11-29T22:14:15Z host orders - - - \uFEFFINFO order 41 placed',
      '<14>1 2026-11-29T22:14:16Z host orders - - [m k="v"] ERROR payment failed',
    ]);
    const learned: ParseContext = { defaultService: 'syslog', header };
    expect(
      record(
        '<14>1 2026-11-29T22:14:17Z host orders - - [m k="v"] \uFEFFERROR card declined',
        learned,
      ),
    ).toMatchObject({ level: 'error', content: 'card declined', service: 'orders' });
    // Not well-formed structured data, a PRI over 191, a version 0: text as before.
    for (const bad of [
      '<11>1 - host app - - [a@1 q="open] disk full',
      '<11>1 - host app - - [a@1 q=open] disk full',
      '<11>1 - host app - - [a@1 q="v"]disk full',
      '<192>1 - host app - - - disk full',
      '<11>0 - host app - - - disk full',
    ]) {
      expect(record(bad).content, bad).toBe(bad);
      expect(record(bad).level, bad).toBeUndefined();
    }
  });

  it('takes the trace and span ids of an RFC 5424 line from its structured data', () => {
    const record = (l: string) => parseLine(l, plain).records[0]!;
    const trace = '4BF92F3577B34DA6A3CE929D0E0E4736';
    expect(
      record(`<11>1 - host orders - - [otel trace_id="${trace}" span_id="00f067aa0ba902b7"] boom`),
    ).toMatchObject({
      traceId: trace.toLowerCase(),
      spanId: '00f067aa0ba902b7',
      content: 'boom',
    });
    // Named as JSON records name them (camelCase, ours); a 64-bit id padded; zero is none.
    expect(
      record(
        `<11>1 - h orders - - [a traceId="a3ce929d0e0e4736"][b ${LOG_FIELDS.spanId}="00f067aa0ba902b7"] x`,
      ),
    ).toMatchObject({ traceId: '0000000000000000a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
    expect(
      record('<11>1 - h orders - - [a trace_id="00000000000000000000000000000000"] x').traceId,
    ).toBeUndefined();
    // None in the data: MSG's, as in any text.
    expect(record(`<11>1 - h orders - - [a k="v"] failed trace_id=${trace}`).traceId).toBe(
      trace.toLowerCase(),
    );
  });

  it('names a record after its file, not a syslog program that is only an interpreter or a shell', () => {
    const header = learnFileHeader(['Nov 29 10:00:01 host python3[812]: order 1 placed']);
    const ctx = (defaultService: string): ParseContext => ({ defaultService, header, year: 2026 });
    const service = (line: string, file: string) => parseLine(line, ctx(file)).records[0]!.service;
    for (const program of [
      'python3[812]',
      'python3.11[812]',
      'node[9]',
      'java[7]',
      'sh',
      'bash[3]',
    ]) {
      const line = `Nov 29 10:00:01 host ${program}: payment failed`;
      expect(service(line, 'orders'), program).toBe('orders');
      // A file name that names no service (the system's log, stdin) leaves the program.
      expect(service(line, 'syslog'), program).toBe(program.replace(/\[\d+\]$/, ''));
      expect(service(line, 'messages'), program).toBe(program.replace(/\[\d+\]$/, ''));
      expect(service(line, 'stdin'), program).toBe(program.replace(/\[\d+\]$/, ''));
      // `analyze traces --logs` names no file service: the program stays.
      expect(service(line, ''), program).toBe(program.replace(/\[\d+\]$/, ''));
    }
    // Any other program names its record, as before.
    expect(service('Nov 29 10:00:01 host sshd[123]: Accepted password for bob', 'orders')).toBe(
      'sshd',
    );
    expect(service('Nov 29 10:00:01 host nginx[1]: worker process started', 'orders')).toBe(
      'nginx',
    );
  });

  it('names a record after its file, not a program that only hosts an app (gunicorn, celery, npm)', () => {
    const header = learnFileHeader(['Nov 29 10:00:01 host gunicorn[812]: order 1 placed']);
    const ctx = (defaultService: string): ParseContext => ({ defaultService, header, year: 2026 });
    const service = (line: string, file: string) => parseLine(line, ctx(file)).records[0]!.service;
    // Every app's server, worker or start script logs under the same name: two apps on one host
    // would be one service.
    for (const program of [
      'gunicorn',
      'uwsgi',
      'uvicorn',
      'hypercorn',
      'daphne',
      'waitress-serve',
      'celery',
      'npm',
      'yarn',
      'tsx',
      'pm2',
      'pypy3',
      'bun',
    ]) {
      const line = `Nov 29 10:00:01 host ${program}[812]: payment failed`;
      expect(service(line, 'orders'), program).toBe('orders');
      // In the system's logs the program is all there is.
      expect(service(line, 'syslog'), program).toBe(program);
      expect(service(line, 'daemon'), program).toBe(program);
      // rsyslog's file of the user facility is one of those: a file name says no more there.
      expect(service(line, 'user'), program).toBe(program);
      // journald: the unit names it.
      const journal = JSON.stringify({
        SYSLOG_IDENTIFIER: program,
        _COMM: program,
        _SYSTEMD_UNIT: 'orders-worker.service',
        MESSAGE: 'payment failed',
      });
      expect(service(journal, 'journal'), program).toBe('orders-worker');
    }
    // An interpreter in rsyslog's user.log keeps its name, as in the system's other logs.
    expect(service('Nov 29 10:00:01 host python3[812]: payment failed', 'user')).toBe('python3');
  });

  it("reads a level field that winston's colorize() coloured", () => {
    const line = JSON.stringify({ level: '\u001b[31merror\u001b[39m', message: 'db down' });
    expect(parseLine(line, plain).records[0]!.level).toBe('error');
  });

  it('drops terminal colours from text, JSON messages, Docker lines and OTLP bodies', () => {
    const red = (s: string) => `\u001b[31m${s}\u001b[0m`;
    const text = `17:30:02.618 ${red('ERROR')} v.c.VerifyCodeController#54 TraceID: 7c6f SpanID: c95c [verifyCode][${red('failed')}]`;
    const java = { ...plain, header: javaHeader };
    const colourless = text.replaceAll('\u001b[31m', '').replaceAll('\u001b[0m', '');
    expect(parseLine(text, java)).toEqual(parseLine(colourless, java));
    expect(parseLine(text, java).records[0]!.level).toBe('error');
    const json = JSON.stringify({ level: 'error', message: `payment ${red('declined')}` });
    expect(parseLine(json, plain).records[0]!.content).toBe('payment declined');
    const docker = JSON.stringify({ log: `${red('payment declined')}\n`, stream: 'stderr' });
    expect(parseLine(docker, plain).records[0]!.content).toBe('payment declined');
    const otlp = JSON.stringify({
      resourceLogs: [
        { scopeLogs: [{ logRecords: [{ body: { stringValue: `payment ${red('declined')}` } }] }] },
      ],
    });
    expect(parseLine(otlp, plain).records[0]!.content).toBe('payment declined');
  });
});

describe('serviceFromFileName', () => {
  it.each([
    ['logs/checkout.log', 'checkout'],
    ['/var/log/payments.log.1.gz', 'payments'],
    ['cart-2024-03-01.jsonl', 'cart'],
    ['orders.log-20240501', 'orders'], // logrotate's dateext
    ['orders.log-20240501.gz', 'orders'],
    ['/var/log/pods/shop_orders-7d9f_0c1e/orders/0.log', 'orders'],
    ['/var/log/pods/shop_orders-7d9f_0c1e/orders/0.log.20240501-120000.gz', 'orders'],
    [`/var/log/containers/orders-7d9f_shop_orders-${'ab'.repeat(32)}.log`, 'orders'],
    // An id that starts with eight digits is not a rotation date.
    [`/var/log/containers/pay-5c8d_shop_payments-98127634${'ab'.repeat(28)}.log`, 'payments'],
    ['-', 'stdin'],
  ])('%s -> %s', (file, service) => expect(serviceFromFileName(file)).toBe(service));
});

describe('learnFileHeader', () => {
  it('learns the header of the text in OTLP bodies: level and message apart', () => {
    const body = (k: number, level: string) =>
      JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ts' } }] },
            scopeLogs: [
              {
                logRecords: [
                  {
                    body: {
                      stringValue: `19:19:0${k}.554 ${level} o.s.Impl#361 order ${k} not found`,
                    },
                  },
                ],
              },
            ],
          },
        ],
      });
    const lines = [body(1, 'INFO '), body(2, 'WARN '), body(3, 'ERROR'), body(4, 'INFO ')];
    const header = learnFileHeader(lines);
    const [r] = parseLine(lines[2]!, { defaultService: '', header }).records;
    expect(r).toMatchObject({
      service: 'ts',
      level: 'error',
      content: 'order 3 not found',
    });
    expect(isErrorLevel(r!.level)).toBe(true);
  });

  it('skips binary lines', () => {
    expect(isBinaryLine('\u0000\u0001\u0002abc')).toBe(true);
    expect(isBinaryLine('\u0000'.repeat(40))).toBe(true);
    expect(isBinaryLine('plain text')).toBe(false);
    // A message with a stray NUL is still a message.
    expect(isBinaryLine('ERROR payment failed for user \u0000alice')).toBe(false);
    expect(isErrorLevel('warn')).toBe(false);
    expect(isErrorLevel('fatal')).toBe(true);
  });
});
