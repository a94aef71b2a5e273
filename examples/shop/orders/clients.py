"""Clients of the services orders calls: requests with timeouts, tenacity retries with
exponential backoff and jitter, and a pybreaker circuit breaker per upstream."""

from __future__ import annotations

import logging
from typing import Any

import pybreaker
import requests
from tenacity import Retrying

from shopkit.resilience import CallPolicy, UpstreamError, UpstreamRejected, read_answer

log = logging.getLogger("orders.clients")


class _BreakerLog(pybreaker.CircuitBreakerListener):
    def state_change(self, cb: pybreaker.CircuitBreaker, old_state, new_state) -> None:
        old = old_state.name if old_state is not None else "none"
        log.warning("circuit breaker for %s: %s -> %s", cb.name, old, new_state.name)


class ServiceClient:
    """JSON over HTTP to one upstream service."""

    def __init__(self, name: str, base_url: str, policy: CallPolicy) -> None:
        self.name = name
        self.base_url = base_url
        self.policy = policy
        self.session = requests.Session()
        self.breaker = pybreaker.CircuitBreaker(
            name=name,
            fail_max=policy.breaker_fail_max,
            reset_timeout=policy.breaker_reset_s,
            # A 4xx answer means the upstream works: it neither trips nor half-opens the breaker.
            exclude=[UpstreamRejected],
            # Keep the real error (timeout, 503, ...) on the call that trips the breaker.
            throw_new_error_on_trip=False,
            listeners=[_BreakerLog()],
        )

    def call(self, method: str, path: str, *, json: Any = None, idempotent: bool) -> Any:
        """Send a request and return the decoded JSON body (None when there is none).

        Raises UpstreamRejected on 4xx and UpstreamError when the upstream failed; retries
        only idempotent calls (reads, and writes keyed by an order id)."""
        for attempt in Retrying(**self.policy.retrying(idempotent)):
            with attempt:
                number = attempt.retry_state.attempt_number
                if number > 1:
                    log.info("retrying %s %s%s (try %d)", method, self.name, path, number)
                try:
                    return self.breaker.call(self._send, method, path, json)
                except pybreaker.CircuitBreakerError:
                    raise UpstreamError(self.name, "circuit_open", "failing fast") from None
        raise AssertionError("unreachable: tenacity reraises the last error")

    def _send(self, method: str, path: str, body: Any) -> Any:
        url = f"{self.base_url}{path}"
        try:
            resp = self.session.request(
                method,
                url,
                json=body,
                timeout=(self.policy.connect_timeout_s, self.policy.timeout_s),
            )
        except requests.Timeout as err:
            raise UpstreamError(self.name, "timeout", f"{method} {path}: {err}") from err
        except requests.ConnectionError as err:
            raise UpstreamError(self.name, "unreachable", f"{method} {path}: {err}") from err
        return read_answer(self.name, method, path, resp.status_code, resp.content)
