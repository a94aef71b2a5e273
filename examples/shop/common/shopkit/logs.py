"""Logging of the shop's Python services: the standard library's `logging`, to stdout.

`logging.basicConfig` does nothing when the root logger already has handlers, so whatever set
logging up before the app was imported wins: a `--log-config` of gunicorn or uvicorn,
`opentelemetry-instrument` with OTEL_PYTHON_LOG_CORRELATION=true, or a generated dictConfig.
The services only ever log through named loggers and never add handlers of their own.
"""

from __future__ import annotations

import logging
import os
import sys

FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"


def setup_logging(service: str) -> logging.Logger:
    """Configure plain-text logging unless someone else already did; return the service logger."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format=FORMAT,
        stream=sys.stdout,
    )
    return logging.getLogger(service)
