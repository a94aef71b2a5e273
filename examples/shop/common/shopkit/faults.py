"""Fault switches every shop service carries: an error rate, added latency and a crash.

They start from the environment (FAULT_ERROR_RATE, FAULT_LATENCY_MS, FAULT_CRASH) and change at
run time through the admin endpoint (GET/POST/DELETE /admin/fault, see flask_ext and
fastapi_ext). They apply to business endpoints only: /health and /admin/* keep answering, so a
runner can still tell a faulty service from a dead one and switch the fault off again.

The state lives in the serving process. The Python services therefore run one process each
(gunicorn with one worker and threads, uvicorn without --workers); with several worker processes
an admin call would reach only one of them.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import sys
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

ENV_ERROR_RATE = "FAULT_ERROR_RATE"
ENV_LATENCY_MS = "FAULT_LATENCY_MS"
ENV_CRASH = "FAULT_CRASH"

#: Exit status of a crashed service (EX_SOFTWARE, sysexits.h).
CRASH_EXIT_STATUS = 70

#: Paths that faults never touch.
EXEMPT_PREFIXES = ("/health", "/admin/")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class FaultConfigError(ValueError):
    """A fault setting that is out of range or of the wrong type; the message names the field."""


class InjectedFault(Exception):
    """Raised (or answered as HTTP 500) when the error-rate switch fires."""


@dataclass(frozen=True)
class Faults:
    """The fault switches of one service."""

    #: Share of business requests answered with HTTP 500, 0..1. Default 0.
    error_rate: float = 0.0
    #: Milliseconds added before a business request is handled, >= 0. Default 0.
    latency_ms: int = 0
    #: When true, the process exits (status 70) on the next business request. Default false.
    crash: bool = False

    def merged(self, changes: Mapping[str, Any]) -> Faults:
        """A copy with `changes` applied; fields not named keep their value."""
        unknown = sorted(set(changes) - {"error_rate", "latency_ms", "crash"})
        if unknown:
            raise FaultConfigError(
                f"unknown fault setting {', '.join(unknown)}; known: error_rate, latency_ms, crash"
            )
        updates: dict[str, Any] = {}
        if "error_rate" in changes:
            updates["error_rate"] = _rate(changes["error_rate"], "error_rate")
        if "latency_ms" in changes:
            updates["latency_ms"] = _millis(changes["latency_ms"], "latency_ms")
        if "crash" in changes:
            updates["crash"] = _flag(changes["crash"], "crash")
        return replace(self, **updates)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Faults:
        """Faults from FAULT_* variables; a bad value is an error naming the variable."""
        try:
            return cls().merged(
                {
                    field: env[var]
                    for field, var in (
                        ("error_rate", ENV_ERROR_RATE),
                        ("latency_ms", ENV_LATENCY_MS),
                        ("crash", ENV_CRASH),
                    )
                    if var in env
                }
            )
        except FaultConfigError as err:
            raise FaultConfigError(f"environment: {err}") from None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rate(value: Any, field: str) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        raise FaultConfigError(f"{field} must be a number from 0 to 1, got {value!r}") from None
    if isinstance(value, bool) or not 0.0 <= rate <= 1.0:
        raise FaultConfigError(f"{field} must be a number from 0 to 1, got {value!r}")
    return rate


def _millis(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise FaultConfigError(
            f"{field} must be a whole number of milliseconds >= 0, got {value!r}"
        )
    try:
        millis = int(value)
    except (TypeError, ValueError):
        raise FaultConfigError(
            f"{field} must be a whole number of milliseconds >= 0, got {value!r}"
        ) from None
    if millis < 0 or (isinstance(value, float) and not value.is_integer()):
        raise FaultConfigError(
            f"{field} must be a whole number of milliseconds >= 0, got {value!r}"
        )
    return millis


def _flag(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FaultConfigError(f"{field} must be true or false, got {value!r}")


class FaultSwitch:
    """The live fault settings of a service, shared by its request threads."""

    def __init__(
        self,
        service: str,
        initial: Faults | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.service = service
        self._faults = initial if initial is not None else Faults.from_env()
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._log = logging.getLogger(f"{service}.faults")
        if self._faults != Faults():
            self._log.warning("fault switches on from the environment: %s", self._faults.as_dict())

    @property
    def current(self) -> Faults:
        return self._faults

    def update(self, changes: Mapping[str, Any]) -> Faults:
        """Apply a partial update (as POSTed to /admin/fault) and return the new settings."""
        with self._lock:
            self._faults = self._faults.merged(changes)
            faults = self._faults
        self._log.warning("fault switches changed: %s", faults.as_dict())
        return faults

    def reset(self) -> Faults:
        with self._lock:
            self._faults = Faults()
        self._log.warning("fault switches reset")
        return self._faults

    def applies_to(self, path: str) -> bool:
        return not path.startswith(EXEMPT_PREFIXES)

    def delay_s(self) -> float:
        return self._faults.latency_ms / 1000.0

    def should_fail(self) -> bool:
        rate = self._faults.error_rate
        return rate > 0 and self._rng.random() < rate

    def crash_if_set(self) -> None:
        if self._faults.crash:
            crash(self._log)


def crash(log: logging.Logger) -> None:
    """Die as a crashing service does: no answer, no cleanup, a non-zero exit status.

    Under gunicorn the serving process is a worker whose master would start a fresh one; the
    worker takes the master down with it so that the whole service is gone, as it would be after
    a real crash, until something restarts it.
    """
    log.critical("crash fault: exiting with status %d", CRASH_EXIT_STATUS)
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    if "gunicorn.arbiter" in sys.modules and os.getppid() > 1:
        os.kill(os.getppid(), signal.SIGKILL)
    os._exit(CRASH_EXIT_STATUS)
