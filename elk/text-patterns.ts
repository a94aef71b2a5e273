/**
 * The plain-text fallback: grok patterns for the log formats Python and Node services print when
 * they do not write JSON. Patterns use Elasticsearch's built-in `ecs-v1` pattern bank and capture
 * into ECS field names; they are tried in order and each is anchored (`^`), so the first pattern
 * that matches the start of the line wins (the grok processor joins them into one alternation,
 * which would otherwise prefer a later pattern matching further left).
 *
 * Checked against real lines from Python logging, Flask, gunicorn, uvicorn and Node
 * by Elasticsearch's own grok library in test/integration/elk/grok-real-logs.test.ts.
 */

/** Temporary fields the text pipeline reads and removes. */
export const TMP = 'obs_tmp';

/** Extra pattern definitions, on top of the ecs-v1 bank. */
export const PATTERN_DEFINITIONS: Record<string, string> = {
  /** Python's level names (logging.getLevelName). */
  PYLEVEL: '(?:CRITICAL|FATAL|ERROR|WARNING|WARN|INFO|DEBUG|NOTSET)',
  /** A Python logger name: __main__, uvicorn.error, app.orders. */
  PYLOGGER: '[A-Za-z0-9_.\\-]+',
  /** gunicorn's error-log time: `%Y-%m-%d %H:%M:%S %z`. */
  GUNICORN_TIME: '%{TIMESTAMP_ISO8601} %{ISO8601_TIMEZONE}',
  /** A JavaScript error name at the start of console.error(err) output. */
  JSERROR: '(?:[A-Z][A-Za-z0-9]*)?Error',
  /** The rest of the first line. */
  LINE: '[^\\n]*',
  /** Everything after the first line: a Python traceback, a Node stack. */
  REST: '(?m:.*)',
};

/** Message, then optionally the following lines of a multi-line event as the stack trace. */
const MESSAGE = `%{LINE:message}(?:\\n%{REST:error.stack_trace})?`;
const TIME = `%{TIMESTAMP_ISO8601:${TMP}.timestamp}`;

export interface TextPattern {
  /** What prints lines like this, for docs and test names. */
  source: string;
  /** A line it must parse (documentation; the tests use real captured lines). */
  example: string;
  grok: string;
}

/** In order: the first that matches wins. */
export const TEXT_PATTERNS: readonly TextPattern[] = [
  {
    source: 'gunicorn error log',
    example: '[2026-01-05 10:00:00 +0000] [4242] [INFO] Booting worker with pid: 4242',
    grok: `^\\[%{GUNICORN_TIME:${TMP}.timestamp}\\] \\[%{POSINT:process.pid:int}\\] \\[%{LOGLEVEL:log.level}\\] ${MESSAGE}`,
  },
  {
    source: "Flask's default handler: [%(asctime)s] %(levelname)s in %(module)s: %(message)s",
    example: '[2026-01-05 10:00:00,123] ERROR in app: Exception on /orders [POST]',
    grok: `^\\[${TIME}\\] %{PYLEVEL:log.level} in %{PYLOGGER:log.logger}: ${MESSAGE}`,
  },
  {
    source: 'Python: %(asctime)s %(levelname)s %(name)s: %(message)s',
    example: '2026-01-05 10:00:00,123 INFO orders: order placed',
    grok: `^${TIME} %{PYLEVEL:log.level} %{PYLOGGER:log.logger}: ${MESSAGE}`,
  },
  {
    source: 'Python: %(asctime)s [%(levelname)s] %(name)s: %(message)s',
    example: '2026-01-05 10:00:00,123 [WARNING] orders: slow',
    grok: `^${TIME} \\[%{PYLEVEL:log.level}\\] %{PYLOGGER:log.logger}:? ${MESSAGE}`,
  },
  {
    source: 'Python: %(asctime)s %(levelname)s [%(name)s] %(message)s (the example shop)',
    example: '2026-01-05 10:00:00,123 INFO [orders] order placed',
    grok: `^${TIME} %{PYLEVEL:log.level} \\[%{PYLOGGER:log.logger}\\] ${MESSAGE}`,
  },
  {
    source: 'Python logging cookbook: %(asctime)s - %(name)s - %(levelname)s - %(message)s',
    example: '2026-01-05 10:00:00,123 - orders - INFO - order placed',
    grok: `^${TIME} - %{PYLOGGER:log.logger} - %{PYLEVEL:log.level} - ${MESSAGE}`,
  },
  {
    source: 'uvicorn access log',
    example: 'INFO:     127.0.0.1:51234 - "GET /pay HTTP/1.1" 200 OK',
    grok:
      '^%{PYLEVEL:log.level}:\\s+%{IP:source.address}:%{POSINT:source.port:int} - ' +
      '"%{WORD:http.request.method} %{NOTSPACE:url.original} HTTP/%{NUMBER:http.version}" ' +
      '%{INT:http.response.status_code:int}',
  },
  {
    source: 'uvicorn (and other) %(levelprefix)s %(message)s lines',
    example: 'INFO:     Application startup complete.',
    grok: `^%{PYLEVEL:log.level}:\\s+${MESSAGE}`,
  },
  {
    source: "Python's logging.basicConfig() default: %(levelname)s:%(name)s:%(message)s",
    example: 'WARNING:root:disk almost full',
    grok: `^%{PYLEVEL:log.level}:%{PYLOGGER:log.logger}:${MESSAGE}`,
  },
  {
    source: 'gunicorn access log (also morgan "combined"/"common"): the Apache formats',
    example:
      '127.0.0.1 - - [05/Jan/2026:10:00:00 +0000] "GET /orders HTTP/1.1" 200 17 "-" "curl/8.5.0"',
    grok: '^%{HTTPD_COMBINEDLOG}|^%{HTTPD_COMMONLOG}',
  },
  {
    source: 'Node: console.error(err), the error line then the stack',
    example: "TypeError: Cannot read properties of undefined (reading 'id')",
    grok: `^%{JSERROR:error.type}: %{LINE:error.message}(?:\\n%{REST:error.stack_trace})?`,
  },
];

/** Time formats of the captured `obs_tmp.timestamp`, in the order the date processor tries them. */
export const TEXT_DATE_FORMATS = [
  // Python logging asctime: 2026-01-05 10:00:00,123
  'yyyy-MM-dd HH:mm:ss,SSS',
  // gunicorn error log: 2026-01-05 10:00:00 +0000
  'yyyy-MM-dd HH:mm:ss Z',
  // Apache/gunicorn access log (HTTPDATE): 05/Jan/2026:10:00:00 +0000
  'dd/MMM/yyyy:HH:mm:ss Z',
  'ISO8601',
] as const;
