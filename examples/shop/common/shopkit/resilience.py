"""What the Python services share about calling each other: the upstream error, the retry policy
(tenacity) and the breaker and timeout settings. The clients themselves differ by stack: orders
calls with requests + pybreaker (threads), the gateway with httpx + circuitbreaker (asyncio).

Order of the layers, outermost first: retry -> circuit breaker -> timeout -> request. A call
refused by an open breaker is not retried; 4xx answers are the caller's business, not a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tenacity import retry_if_exception, stop_after_attempt, wait_exponential_jitter

#: Statuses worth another try: the upstream or a proxy in front of it had a transient problem.
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


class UpstreamError(Exception):
    """A call to another service failed: unreachable, timed out, 5xx, or refused by the breaker."""

    #: What went wrong -> the status a caller answers its own client with.
    KINDS = {"unreachable": 503, "circuit_open": 503, "timeout": 504, "status": 502}

    def __init__(self, upstream: str, kind: str, detail: str, *, status: int | None = None) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown upstream error kind {kind!r}")
        super().__init__(f"{upstream} {kind.replace('_', ' ')}: {detail}")
        self.upstream = upstream
        self.kind = kind
        self.status = status

    @property
    def retryable(self) -> bool:
        """Another try may help, unless the breaker refused the call or the status is final."""
        if self.kind == "circuit_open":
            return False
        return self.kind != "status" or self.status in RETRYABLE_STATUSES

    @property
    def http_status(self) -> int:
        return self.KINDS[self.kind]


class UpstreamRejected(Exception):
    """The upstream answered 4xx: passed on to the client as is, never retried or counted."""

    def __init__(self, upstream: str, status: int, body: Any) -> None:
        super().__init__(f"{upstream}: HTTP {status}")
        self.upstream = upstream
        self.status = status
        self.body = body


@dataclass(frozen=True)
class CallPolicy:
    """Timeouts, retries and breaker limits for calls to other services."""

    #: Seconds to wait for a connection. Env UPSTREAM_CONNECT_TIMEOUT_S, default 0.5.
    connect_timeout_s: float = 0.5
    #: Seconds to wait for an answer. Env UPSTREAM_TIMEOUT_S, default 2.
    timeout_s: float = 2.0
    #: Tries per call, the first included (idempotent calls only). Env RETRY_ATTEMPTS, default 3.
    attempts: int = 3
    #: First backoff in seconds, doubled per try, with jitter. Env RETRY_BACKOFF_S, default 0.05.
    backoff_s: float = 0.05
    #: Consecutive failures that open the breaker. Env BREAKER_FAIL_MAX, default 5.
    breaker_fail_max: int = 5
    #: Seconds the breaker stays open before a trial call. Env BREAKER_RESET_S, default 10.
    breaker_reset_s: float = 10.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> CallPolicy:
        names = {
            "connect_timeout_s": ("UPSTREAM_CONNECT_TIMEOUT_S", float),
            "timeout_s": ("UPSTREAM_TIMEOUT_S", float),
            "attempts": ("RETRY_ATTEMPTS", int),
            "backoff_s": ("RETRY_BACKOFF_S", float),
            "breaker_fail_max": ("BREAKER_FAIL_MAX", int),
            "breaker_reset_s": ("BREAKER_RESET_S", float),
        }
        values: dict[str, Any] = {}
        for field, (var, kind) in names.items():
            if var not in env:
                continue
            try:
                values[field] = kind(env[var])
            except ValueError:
                raise ValueError(f"environment: {var} must be a number, got {env[var]!r}") from None
            if values[field] <= 0:
                raise ValueError(f"environment: {var} must be greater than 0, got {env[var]!r}")
        return cls(**values)

    def retrying(self, idempotent: bool) -> dict[str, Any]:
        """Keyword arguments for tenacity's Retrying / AsyncRetrying."""
        return {
            "stop": stop_after_attempt(self.attempts if idempotent else 1),
            "wait": wait_exponential_jitter(initial=self.backoff_s, max=1.0, jitter=self.backoff_s),
            "retry": retry_if_exception(
                lambda exc: isinstance(exc, UpstreamError) and exc.retryable
            ),
            "reraise": True,
        }


def read_answer(upstream: str, method: str, path: str, status: int, content: bytes) -> Any:
    """The decoded JSON body of a 2xx answer (None when empty).

    Raises UpstreamError for a 5xx answer or one that is not JSON, UpstreamRejected for 4xx."""
    if status >= 500:
        raise UpstreamError(
            upstream,
            "status",
            f"{method} {path}: HTTP {status}{error_text(content)}",
            status=status,
        )
    try:
        payload = json.loads(content) if content else None
    except ValueError as err:
        raise UpstreamError(
            upstream, "status", f"{method} {path}: answer is not JSON", status=status
        ) from err
    if status >= 400:
        raise UpstreamRejected(upstream, status, payload)
    return payload


def error_text(body: bytes) -> str:
    """' (<error>)' from a JSON error body such as {"error": "..."}, so that a failure names the
    service that failed first; '' when there is none."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return ""
    return f" ({error})" if isinstance(error, str) and error else ""


def service_url(var: str, env: Mapping[str, str] = os.environ) -> str:
    """Base URL of another service from the environment, e.g. CATALOG_URL=http://catalog:8000."""
    url = env.get(var, "").rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"environment: {var} must be the base URL of a service, got {url!r}")
    return url
