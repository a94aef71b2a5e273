/**
 * The Python files obs generates for a service: a JSON log formatter carrying trace ids, a gunicorn
 * config that sets OpenTelemetry up in each worker after the fork, and a logging config for
 * uvicorn/hypercorn. Field names come from LOG_FIELDS so the log pipeline and `obs analyze logs`
 * read what the services write.
 */
import { LOG_FIELDS } from '../../model/conventions.js';
import type { ServiceModel } from '../../model/schema.js';
import { header } from '../instrumentation/common.js';

const py = (s: string) => JSON.stringify(s); // a Python string literal (JSON strings are valid)

export function obsLoggingPy(service: ServiceModel): string {
  const f = LOG_FIELDS;
  return `${header('#')}"""JSON log lines for ${service.name}: one object per line on stdout, with the trace and span
ids of the request that logged them, so a log line leads to its trace.

Loaded by gunicorn.conf.py (gunicorn) or logging.ini (uvicorn, hypercorn); elsewhere call
\`obs_logging.configure()\` once at start-up.
"""

import json
import logging
import os
import sys
from datetime import datetime, timezone

try:
    from opentelemetry import trace as _trace
except ImportError:  # without OpenTelemetry the lines are still JSON, just without ids
    _trace = None

SERVICE = os.environ.get("OTEL_SERVICE_NAME", ${py(service.name)})

# Attributes every LogRecord has; anything else was passed with extra= and is kept as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "otelSpanID",
    "otelTraceID",
    "otelTraceSampled",
    "otelServiceName",
    "color_message",
}


def _trace_ids(record):
    if _trace is not None:
        ctx = _trace.get_current_span().get_span_context()
        if ctx.is_valid:
            return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
    # The logging instrumentation stamps ids on records made where no span is current here.
    trace_id = getattr(record, "otelTraceID", "0")
    if trace_id not in ("0", "", None):
        return trace_id, getattr(record, "otelSpanID", "0")
    return None


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object with ECS-style dotted keys."""

    def format(self, record):
        doc = {
            ${py(f.timestamp)}: datetime.fromtimestamp(record.created, tz=timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            ${py(f.level)}: record.levelname.lower(),
            ${py(f.logger)}: record.name,
            ${py(f.message)}: record.getMessage(),
            ${py(f.service)}: SERVICE,
        }
        ids = _trace_ids(record)
        if ids is not None:
            doc[${py(f.traceId)}], doc[${py(f.spanId)}] = ids
        if record.exc_info and record.exc_info[0] is not None:
            doc[${py(f.errorType)}] = record.exc_info[0].__name__
            doc[${py(f.errorMessage)}] = str(record.exc_info[1])
            doc[${py(f.errorStack)}] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in doc:
                doc[key] = value
        return json.dumps(doc, default=str, ensure_ascii=False)


def configure(level=None):
    """Sends the root logger to stdout as JSON lines. Keeps other handlers, such as the one that
    exports logs over OTLP; replaces plain stream handlers so lines are not written twice."""
    root = logging.getLogger()
    if any(getattr(h, "_obs_json", False) for h in root.handlers):
        return
    for h in list(root.handlers):
        if type(h) is logging.StreamHandler:
            root.removeHandler(h)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler._obs_json = True
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("OBS_LOG_LEVEL", "INFO").upper())


def gunicorn_logconfig():
    """gunicorn's logconfig_dict: its own loggers go through the root logger, as JSON."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "obs_logging.JsonFormatter"}},
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
        },
        "root": {"level": os.environ.get("OBS_LOG_LEVEL", "INFO").upper(), "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
        },
    }
`;
}

export function gunicornConfPy(service: ServiceModel): string {
  return `${header('#')}"""gunicorn settings for ${service.name} with OpenTelemetry.

Use it with -c; options on the command line still win. OpenTelemetry's batch span processor and
metric reader run background threads, which a fork does not copy, so every worker sets the SDK up
itself after the fork (post_fork) instead of the master doing it before.
"""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import obs_logging  # noqa: E402  (needs the path above)

# Each worker must import the app after post_fork, so that the framework is instrumented before
# the app object exists: never preload it in the master.
preload_app = False
# The reloader restarts workers without post_fork's set-up.
reload = False

logconfig_dict = obs_logging.gunicorn_logconfig()


def post_fork(server, worker):
    # Workers are separate instances: without their own service.instance.id their cumulative
    # metrics would collide in Prometheus.
    instance = "service.instance.id=%s-%d" % (socket.gethostname(), os.getpid())
    attrs = os.environ.get("OTEL_RESOURCE_ATTRIBUTES", "")
    os.environ["OTEL_RESOURCE_ATTRIBUTES"] = attrs + ("," if attrs else "") + instance

    from opentelemetry.instrumentation.auto_instrumentation import initialize

    initialize()
    server.log.info("OpenTelemetry set up in worker %s", worker.pid)
`;
}

/** fileConfig for uvicorn/hypercorn `--log-config`: everything through the root JSON handler. */
export function loggingIni(): string {
  const loggers = [
    'uvicorn',
    'uvicorn.error',
    'uvicorn.access',
    'hypercorn.error',
    'hypercorn.access',
  ];
  const section = (name: string) =>
    `[logger_${name}]\nlevel=INFO\nhandlers=\npropagate=1\nqualname=${name}\n`;
  return `${header('#')}# Logging for uvicorn/hypercorn (--log-config): every logger writes JSON lines through the root
# logger. The OTLP log handler that OpenTelemetry adds survives this config.

[loggers]
keys=root,${loggers.join(',')}

[handlers]
keys=stdout

[formatters]
keys=json

[logger_root]
level=INFO
handlers=stdout

${loggers.map(section).join('\n')}
[handler_stdout]
class=StreamHandler
formatter=json
args=(sys.stdout,)

[formatter_json]
class=obs_logging.JsonFormatter
`;
}
