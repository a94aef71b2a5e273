import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ObsError } from '../../../../core/errors.js';
import {
  compileLogFormat,
  genericHeader,
  learnHeader,
  levelOf,
} from '../../../../analyze/logs/header.js';

const fixture = (name: string) =>
  readFileSync(`test/fixtures/logs/formats/${name}.log`, 'utf8').trimEnd().split('\n');

// Each file holds lines in the header format of one public Loghub system; the header is learned
// from the file alone, and the first line must come apart as a person would split it.
const cases: [string, { content: string; level?: string; component?: string }][] = [
  [
    'HDFS',
    {
      content: 'PacketResponder 1 for block blk_38865049064139660 terminating',
      level: 'info',
      component: 'dfs.DataNode$PacketResponder',
    },
  ],
  [
    'Spark',
    {
      content: 'Registered signal handlers for [TERM, HUP, INT]',
      level: 'info',
      component: 'executor.CoarseGrainedExecutorBackend',
    },
  ],
  ['BGL', { content: 'instruction cache parity error corrected', level: 'info' }],
  [
    'Linux',
    {
      content:
        'authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4 ',
      component: 'sshd(pam_unix)',
    },
  ],
  [
    'Mac',
    {
      content:
        'IOThunderboltSwitch<0>(0x0)::listenerCallback - Thunderbolt HPD packet for route = 0x0 port = 11 unplug = 0',
      component: 'kernel',
    },
  ],
  ['Thunderbird', { content: 'session closed for user root', component: 'crond(pam_unix)' }],
  ['HealthApp', { content: 'onStandStepChanged 3579', component: 'Step_LSC' }],
  [
    'Proxifier',
    {
      content: 'proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS',
      component: 'chrome.exe',
    },
  ],
  [
    'Hadoop',
    {
      content: 'Created MRAppMaster for application appattempt_1445144423722_0020_000001',
      level: 'info',
      component: 'org.apache.hadoop.mapreduce.v2.app.MRAppMaster',
    },
  ],
  ['Zookeeper', { content: 'Notification time out: 3200', level: 'info' }],
  [
    'Android',
    {
      content:
        'printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d u0 com.tencent.qt.qtl/.activity.info.NewsDetailXmlActivity t761}}}, allDrawn= false, startingDisplayed =  false, startingMoved =  false, isRelaunching =  false',
      level: 'debug',
      component: 'WindowManager',
    },
  ],
  ['Apache', { content: 'workerEnv.init() ok /etc/httpd/conf/workers2.properties', level: 'info' }],
  [
    'OpenSSH',
    {
      content:
        'reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!',
      component: 'sshd',
    },
  ],
  [
    'OpenStack',
    {
      content:
        '10.11.10.1 "GET /v2/54fdadf6f9044f0bbb8ba8d1b2233adc/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.2477829',
      level: 'info',
      component: 'nova.osapi_compute.wsgi.server',
    },
  ],
  [
    'HPC',
    {
      content:
        'Component State Change: Component \\042alt0\\042 is in the unavailable state (HWID=1973)',
    },
  ],
];

describe('learnHeader', () => {
  it.each(cases)('splits the header of %s lines from the message', (name, want) => {
    const lines = fixture(name);
    const parsed = learnHeader(lines).parse(lines[0]!);
    expect(parsed.matched).toBe(true);
    expect(parsed.content).toBe(want.content);
    if (want.level) expect(parsed.level).toBe(want.level);
    if (want.component) expect(parsed.component).toBe(want.component);
  });

  it('reads glog/klog headers (Kubernetes components, Go services): level letter, time, file', () => {
    const lines = [
      'I0501 12:00:01.123456    4321 controller.go:123] Starting controller',
      'E0501 12:00:02.123456    4321 reconciler.go:88] Failed to reconcile pod default/web-1',
      'W0501 12:00:03.123456    4321 reflector.go:324] watch of *v1.Pod ended with: too old',
      'F0501 12:00:04.000001      17 main.go:40] cannot start: port in use',
    ];
    const h = learnHeader(lines);
    expect(h.description).toBe('glog/klog header');
    expect(lines.map((l) => h.parse(l).level)).toEqual(['info', 'error', 'warn', 'fatal']);
    expect(h.parse(lines[1]!)).toMatchObject({
      content: 'Failed to reconcile pod default/web-1',
      time: '0501 12:00:02.123456',
      pid: '4321',
      component: 'reconciler.go:88',
      matched: true,
    });
    // In a file of mixed formats, each such line is still read.
    expect(learnHeader(['plain', 'text', lines[3]!]).parse(lines[3]!)).toMatchObject({
      content: 'cannot start: port in use',
      level: 'fatal',
    });
  });

  it("reads Spring Boot's pid, padded thread and logger as header", () => {
    // Spring Boot pads the thread name to 15 characters: one message, whatever the thread.
    const lines = [
      '2024-05-01T12:00:00.123Z  INFO 12345 --- [nio-8080-exec-1] c.e.shop.OrderService             : Order 1 placed',
      '2024-05-01T12:00:01.123Z ERROR 12345 --- [           main] c.e.shop.OrderService             : Order 2 failed',
      '2024-05-01T12:00:02.123Z  WARN 12345 --- [shop] [   scheduling-1] c.e.shop.Cache : Cache stale',
    ];
    const h = learnHeader(lines);
    expect(lines.map((l) => h.parse(l))).toMatchObject([
      {
        content: 'Order 1 placed',
        level: 'info',
        pid: '12345',
        component: 'c.e.shop.OrderService',
      },
      {
        content: 'Order 2 failed',
        level: 'error',
        pid: '12345',
        component: 'c.e.shop.OrderService',
      },
      { content: 'Cache stale', level: 'warn', pid: '12345', component: 'c.e.shop.Cache' },
    ]);
  });

  it("reads the time after the level in Django's documented `verbose` format", () => {
    // '{levelname} {asctime} {module} {process:d} {thread:d} {message}'
    const lines = [
      'INFO 2024-05-01 12:00:00,123 views 4242 140714509613952 GET /api/items/1 200',
      'WARNING 2024-05-01 12:00:01,456 db 4242 140714509613952 Slow query took 283 ms',
      'ERROR 2024-05-01 12:00:02,789 log 4242 140714509613952 Internal Server Error: /api/orders/7',
    ];
    const h = learnHeader(lines);
    expect(h.description).toBe('level at field 1');
    expect(lines.map((l) => h.parse(l))).toMatchObject([
      {
        level: 'info',
        time: '2024-05-01 12:00:00,123',
        content: 'views 4242 140714509613952 GET /api/items/1 200',
      },
      { level: 'warn', time: '2024-05-01 12:00:01,456' },
      {
        level: 'error',
        time: '2024-05-01 12:00:02,789',
        content: 'log 4242 140714509613952 Internal Server Error: /api/orders/7',
      },
    ]);
    // One field holding date and time; numbers right after it (a pid) stay in the message.
    const iso = ['ERROR 2024-05-01T12:00:02Z 4242 boom', 'INFO 2024-05-01T12:00:03Z 4242 ok'];
    expect(learnHeader(iso).parse(iso[0]!)).toMatchObject({
      time: '2024-05-01T12:00:02Z',
      content: '4242 boom',
    });
  });

  it('reads each line on its own in a stream mixing formats (gunicorn, access log, app logging)', () => {
    const lines = [
      '[2026-11-29 15:29:33 +0000] [30580] [INFO] Starting gunicorn 23.0.0',
      '127.0.0.1 - - [29/Nov/2026:15:29:36 +0000] "GET /ok/3 HTTP/1.1" 200 2 "-" "curl/8.0"',
      '2026-11-29 15:29:36,176 INFO [checkout.views] served item 2',
      '127.0.0.1 - - [29/Nov/2026:15:29:36 +0000] "GET /fail/4 HTTP/1.1" 500 3 "-" "curl/8.0"',
      '2026-11-29 15:29:36,180 ERROR [checkout.views] checkout failed for cart 4',
      '127.0.0.1 - - [29/Nov/2026:15:29:37 +0000] "GET /ok/5 HTTP/1.1" 200 2 "-" "curl/8.0"',
      '2026-11-29 15:29:36,181 WARNING [checkout.views] cart 5 looks inconsistent',
    ];
    const h = learnHeader(lines);
    expect(h.description).toBe('per line');
    expect(h.parse(lines[4]!)).toMatchObject({
      level: 'error',
      time: '2026-11-29 15:29:36,180',
      content: 'checkout failed for cart 4',
    });
    expect(h.parse(lines[0]!)).toMatchObject({
      level: 'info',
      content: 'Starting gunicorn 23.0.0',
    });
  });

  it('reads a zone abbreviation after the time as part of it; an unknown one stays message', () => {
    const lines = [
      '2026-11-29 20:16:27,123 CEST INFO orders: order 1 placed',
      '2026-11-29 20:16:28,456 CEST ERROR orders: payment failed for order 1',
    ];
    expect(learnHeader(lines).parse(lines[1]!)).toMatchObject({
      time: '2026-11-29 20:16:28,456 CEST',
      level: 'error',
      content: 'payment failed for order 1',
    });
    expect(genericHeader('Sun, 29 Nov 2026 18:16:27 GMT cache warmed')).toMatchObject({
      time: 'Sun, 29 Nov 2026 18:16:27 GMT',
      content: 'cache warmed',
    });
    expect(genericHeader('Sun Nov 29 12:16:27 CST 2026 cache warmed')).toMatchObject({
      time: 'Sun Nov 29 12:16:27 CST 2026',
      content: 'cache warmed',
    });
    expect(genericHeader('2026-11-29 18:16:27 XYZ cache warmed')).toMatchObject({
      time: '2026-11-29 18:16:27',
      content: 'XYZ cache warmed',
    });
  });

  it('reads the time of access lines in a mixed stream as header, leaving none of it in the message', () => {
    const lines = [
      '127.0.0.1 - - [29/Nov/2026 18:16:27] "GET /orders HTTP/1.1" 200 -', // werkzeug
      '[29/Nov/2026 18:16:28] "GET /orders/1/ HTTP/1.1" 500 145', // Django's runserver
      'INFO:werkzeug:127.0.0.1 - - [29/Nov/2026 18:16:29] "GET / HTTP/1.1" 404 -',
      '10.0.0.7 - alice [29/Nov/2026:18:16:30 +0000] "POST /pay HTTP/1.1" 201 12 "-" "curl/8"',
      '[29/Nov/2026:18:16:31 +0000] ERROR payment failed', // a level after the time is read
      '2026-11-29 18:16:32,123 INFO orders: order 1 placed',
      'Watching for file changes with StatReloader',
    ];
    const h = learnHeader(lines);
    expect(h.description).toBe('per line');
    expect(lines.slice(0, 5).map((l) => h.parse(l))).toMatchObject([
      { time: '29/Nov/2026 18:16:27', content: '"GET /orders HTTP/1.1" 200 -' },
      { time: '29/Nov/2026 18:16:28', content: '"GET /orders/1/ HTTP/1.1" 500 145' },
      { time: '29/Nov/2026 18:16:29', content: '"GET / HTTP/1.1" 404 -', component: 'werkzeug' },
      { time: '29/Nov/2026:18:16:30 +0000', content: '"POST /pay HTTP/1.1" 201 12 "-" "curl/8"' },
      { time: '29/Nov/2026:18:16:31 +0000', level: 'error', content: 'payment failed' },
    ]);
  });

  it("reads structlog's padded `[error    ]` level whole, learned and line by line", () => {
    const lines = [
      '2026-11-29 18:16:27 [info     ] order placed                   order_id=12',
      '2026-11-29 18:16:28 [warning  ] order slow                     order_id=13',
      '2026-11-29 18:16:29 [error    ] payment failed                 order_id=14',
    ];
    expect(learnHeader(lines).parse(lines[2]!)).toMatchObject({
      level: 'error',
      time: '2026-11-29 18:16:29',
      content: 'payment failed                 order_id=14',
    });
    expect(genericHeader(lines[1]!)).toMatchObject({
      level: 'warn',
      content: 'order slow                     order_id=13',
    });
  });

  it("reads Flask's default `[time] LEVEL in module: message`: the module is the component", () => {
    const lines = [
      '[2026-11-29 18:16:29,123] ERROR in app: Exception on /pay [POST]',
      '[2026-11-29 18:16:30,456] INFO in orders: order 12 placed',
      '[2026-11-29 18:16:31,789] WARNING in orders: order 13 slow',
    ];
    expect(learnHeader(lines).parse(lines[0]!)).toMatchObject({
      level: 'error',
      time: '2026-11-29 18:16:29,123',
      component: 'app',
      content: 'Exception on /pay [POST]',
    });
    expect(genericHeader(lines[2]!)).toMatchObject({
      level: 'warn',
      component: 'orders',
      content: 'order 13 slow',
    });
  });

  it("reads pino-pretty's `(pid on host):` and `(name/pid on host):` after the level as header", () => {
    const lines = [
      '[18:16:27.123] INFO (12345 on web-1): server listening on 3000',
      '[18:16:28.456] ERROR (12345 on web-1): charge failed',
      '[18:16:29.789] WARN (12345 on web-1): slow query took 812ms',
    ];
    expect(learnHeader(lines).parse(lines[1]!)).toMatchObject({
      level: 'error',
      time: '18:16:28.456',
      pid: '12345',
      content: 'charge failed',
    });
    const named = '[2026-11-29 18:16:29.789 +0000] WARN (shop/12345 on web-1): slow query';
    expect(genericHeader(named)).toMatchObject({
      level: 'warn',
      component: 'shop',
      pid: '12345',
      content: 'slow query',
    });
    expect(learnHeader([named, named, named]).parse(named)).toMatchObject({
      component: 'shop',
      pid: '12345',
      content: 'slow query',
    });
    // A parenthesis that is not that group stays message.
    expect(genericHeader('[18:16:27.123] INFO (retrying on timeout): call failed')).toMatchObject({
      content: '(retrying on timeout): call failed',
    });
  });

  it("reads Django runserver's `November 29, 2026 - 18:16:20` as a time, in a mixed stream", () => {
    const lines = [
      'Watching for file changes with StatReloader',
      'System check identified no issues (0 silenced).',
      'November 29, 2026 - 18:16:20',
      "Django version 5.0, using settings 'shop.settings'",
      '[29/Nov/2026 18:16:27] "GET / HTTP/1.1" 200 1234',
    ];
    // The line is a time and nothing else: no clock is left to be the message.
    expect(learnHeader(lines).parse(lines[2]!)).toMatchObject({
      time: 'November 29, 2026 - 18:16:20',
      content: '',
    });
    // Only a time of day after the dash joins the time.
    expect(genericHeader('November 29, 2026 - server started')).toMatchObject({
      time: 'November 29, 2026',
      content: 'server started',
    });
  });

  it("reads Celery's `[time: LEVEL/process]` header", () => {
    const lines = [
      '[2024-05-01 12:00:00,101: INFO/MainProcess] Connected to redis://redis:6379/0',
      '[2024-05-01 12:00:01,450: INFO/ForkPoolWorker-2] Task shop.charge[3f1c] succeeded in 0.448s: None',
      '[2024-05-01 12:00:03,001: ERROR/MainProcess] consumer: Cannot connect to redis://redis:6379/0',
      '[2024-05-01 12:00:04,001: WARNING/ForkPoolWorker-1] SMTP server slow, retrying in 5s',
    ];
    const h = learnHeader(lines);
    expect(lines.map((l) => h.parse(l).level)).toEqual(['info', 'info', 'error', 'warn']);
    expect(h.parse(lines[2]!)).toMatchObject({
      content: 'consumer: Cannot connect to redis://redis:6379/0',
      time: '2024-05-01 12:00:03,001:',
    });
  });

  it("reads NestJS's Logger: its LOG level, the en-US time with AM/PM, the context", () => {
    const lines = [
      '[Nest] 17394  - 11/29/2026, 3:23:09 PM     LOG [OrdersService] Order 1000 created',
      '[Nest] 17394  - 11/29/2026, 3:23:10 PM   ERROR [OrdersService] Payment declined for order 1000',
      '[Nest] 17394  - 11/29/2026, 3:23:11 PM    WARN [StockService] Inventory low for sku 7',
    ];
    const h = learnHeader(lines);
    expect(lines.map((l) => h.parse(l))).toMatchObject([
      { level: 'info', time: '11/29/2026, 3:23:09 PM', content: 'Order 1000 created' },
      { level: 'error', content: 'Payment declined for order 1000' },
      { level: 'warn', content: 'Inventory low for sku 7' },
    ]);
  });

  it('ends a header of numeric fields at a quoted field: an access line keeps its status and size', () => {
    // Django's runserver: every line also has a number at fields 4 and 5.
    const lines = [
      '[29/Nov/2026 15:21:00] "GET /ok/2 HTTP/1.1" 200 2',
      '[29/Nov/2026 15:21:01] "GET /fail/4 HTTP/1.1" 500 55451',
      '[29/Nov/2026 15:21:02] "GET /missing HTTP/1.1" 404 2612',
    ];
    const h = learnHeader(lines);
    expect(h.description).toBe('2 leading fields');
    expect(h.parse(lines[1]!)).toMatchObject({
      time: '29/Nov/2026 15:21:01',
      content: '"GET /fail/4 HTTP/1.1" 500 55451',
    });
  });

  it('keeps lines without the learned header whole and says so', () => {
    const h = learnHeader(fixture('Hadoop'));
    const trace = '\tat org.apache.hadoop.ipc.Client.call(Client.java:1475)';
    expect(h.parse(trace)).toMatchObject({ content: trace, matched: false });
  });

  it('leaves plain messages without a header as they are', () => {
    const lines = ['user alice logged in', 'user bob logged out', 'cache warmed in 5 ms'];
    const h = learnHeader(lines);
    expect(h.description).toBe('per line');
    expect(h.parse(lines[0]!)).toEqual({ content: lines[0], matched: true });
  });

  it('recognizes each line of a stream that mixes Python logging formats on its own', () => {
    // Real output of test/fixtures/elk-log-sources/python_logging_formats.py (five formats).
    const lines = fixture('python-logging-mixed');
    const h = learnHeader(lines);
    const failures = lines
      .map((l) => h.parse(l))
      .filter((p) => p.content === 'charge failed')
      .map((p) => p.level);
    expect(failures).toEqual(['error', 'error', 'error', 'error', 'error']);
    expect(
      h.parse('2026-11-28 15:13:43,622 - shop.cookbook - WARNING - payment slow: 1234 ms'),
    ).toMatchObject({
      content: 'payment slow: 1234 ms',
      level: 'warn',
      component: 'shop.cookbook',
    });
    expect(h.parse('CRITICAL:shop.basic:database unreachable')).toMatchObject({
      content: 'database unreachable',
      level: 'fatal',
      component: 'shop.basic',
    });
  });

  it('keeps a tag that only some messages start with (BGL "ciod:") in the message', () => {
    const h = learnHeader(fixture('BGL'));
    const line =
      '- 1117848119 2005.06.03 R16-M1-N2-C:J17-U01 2005-06-03-18.21.59.871925 R16-M1-N2-C:J17-U01 RAS APP FATAL ciod: failed to read message prefix on control stream';
    expect(h.parse(line)).toMatchObject({
      level: 'fatal',
      content: 'ciod: failed to read message prefix on control stream',
    });
  });

  it('reads a line cut short inside the header as its own message with its time, not a crash', () => {
    const h = learnHeader(fixture('Thunderbird'));
    for (const line of fixture('Thunderbird')) h.parse(line);
    // Nothing is left after the header: the line is the message, so its template is not empty.
    for (const line of ['- 1131566461', '- 1131566461 2005.11.09']) {
      expect(h.parse(line)).toMatchObject({ content: line, matched: false, time: '1131566461' });
    }
  });

  it('keeps a line that is only a time whole as its message, whatever header the file has', () => {
    const times = [
      '12:00:01',
      '2024-05-01T12:00:03.123Z',
      '2024-05-01 12:00:03,123',
      'Jun 14 15:16:01',
    ];
    for (const name of cases.map(([n]) => n)) {
      const h = learnHeader(fixture(name));
      for (const line of times) expect(h.parse(line).content, `${name}: ${line}`).not.toBe('');
    }
    // A syslog header reads the time of such a line too.
    expect(learnHeader(fixture('Linux')).parse('Jun 14 15:16:01')).toMatchObject({
      content: 'Jun 14 15:16:01',
      matched: false,
      time: 'Jun 14 15:16:01',
    });
  });
});

describe('learnHeader on long lines', () => {
  it('learns from long lines full of digits and without `|` (no backtracking blow-up)', () => {
    // An OTLP body holding a whole JSON answer: 100 KB, digits everywhere, no pipe. A regex
    // that backtracks quadratically on such a line does not finish within the test's time.
    const long = (k: number) =>
      `{"message":"get results: ${Array.from({ length: 6000 }, (_, i) => `item${i * k} 12.5`).join(' ')}"}`;
    const h = learnHeader([long(1), long(2), long(3)]);
    expect(h.parse(long(4)).content.length).toBeGreaterThan(50_000);
  });
});

describe('levelOf', () => {
  it.each([
    ['INFO', 'info'],
    ['[error]', 'error'],
    ['Warning', 'warn'],
    ['WARN:', 'warn'],
    ['<E>', 'error'],
    ['FATAL', 'fatal'],
    ['D', 'debug'],
    ['[INF]', 'info'], // Serilog, zerolog console
    ['WRN', 'warn'],
    ['[FTL]', 'fatal'],
    ['DPANIC', 'error'], // zap
    ['info', undefined],
    ['error:', 'error'], // winston's simple and cli formats
    ['silly:', 'trace'],
    ['e:', undefined],
    ['ERROR/MainProcess]', 'error'], // Celery
    ['WARNING/ForkPoolWorker-12]', 'warn'],
    ['Error/foo', undefined],
    ['Information-Technology', undefined],
    ['d', undefined],
  ])('%s -> %s', (token, level) => expect(levelOf(token)).toBe(level));
});

describe('compileLogFormat', () => {
  it('parses lines in the format the user states, Loghub style', () => {
    const h = compileLogFormat('<Date> <Time> <Pid> <Level> <Component>: <Content>');
    expect(
      h.parse('081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating'),
    ).toMatchObject({
      matched: true,
      content: 'PacketResponder 1 terminating',
      level: 'info',
      component: 'dfs.DataNode$PacketResponder',
      pid: '148',
      time: '081109 203615',
    });
    expect(h.parse('something else')).toMatchObject({ matched: false, content: 'something else' });
  });

  it('accepts the regular expressions Loghub formats contain', () => {
    const h = compileLogFormat(
      '<Month>  <Date> <Time> <User> <Component>\\[<PID>\\]( \\(<Address>\\))?: <Content>',
    );
    expect(
      h.parse('Jul  1 09:01:05 host com.apple.CDScheduler[43]: Thermal pressure state: 1').content,
    ).toBe('Thermal pressure state: 1');
  });

  it('refuses a format without <Content> or with a broken expression, naming the flag', () => {
    expect(() => compileLogFormat('<Date> <Level>')).toThrow(
      /--log-format "<Date> <Level>": it needs a <Content> field/,
    );
    try {
      compileLogFormat('<Date> (<Content>');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ObsError);
      expect((err as ObsError).code).toBe('OBS_BAD_LOG_FORMAT');
    }
  });
});
