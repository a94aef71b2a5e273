"""Calls from the gateway to the services behind it: httpx with timeouts, tenacity retries with
exponential backoff and jitter (idempotent calls only), and a circuit breaker per upstream."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from circuitbreaker import CircuitBreaker
from tenacity import AsyncRetrying

from shopkit.resilience import CallPolicy, UpstreamError, read_answer

log = logging.getLogger("gateway.upstream")


class Upstream:
    """JSON over HTTP to one service behind the gateway."""

    def __init__(
        self, name: str, base_url: str, policy: CallPolicy, client: httpx.AsyncClient
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.policy = policy
        self.client = client
        self.breaker = CircuitBreaker(
            name=name,
            failure_threshold=policy.breaker_fail_max,
            recovery_timeout=policy.breaker_reset_s,
            # Only failures of the upstream count; a 4xx answer closes the breaker again.
            expected_exception=lambda kind, _err: issubclass(kind, UpstreamError),
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout_s: float | None = None,
    ) -> tuple[int, Any]:
        """Send a request; return (status, decoded JSON body) of a 2xx answer.

        Raises UpstreamRejected on 4xx and UpstreamError when the upstream failed."""
        timeout = httpx.Timeout(
            timeout_s or self.policy.timeout_s, connect=self.policy.connect_timeout_s
        )
        request = self.client.build_request(
            method, f"{self.base_url}{path}", json=json, params=params, timeout=timeout
        )
        async for attempt in AsyncRetrying(**self.policy.retrying(idempotent)):
            with attempt:
                number = attempt.retry_state.attempt_number
                if number > 1:
                    log.info("retrying %s %s%s (try %d)", method, self.name, path, number)
                return await self._guarded(request)
        raise AssertionError("unreachable: tenacity reraises the last error")

    async def _guarded(self, request: httpx.Request) -> tuple[int, Any]:
        if self.breaker.opened:
            raise UpstreamError(self.name, "circuit_open", "failing fast")
        before = self.breaker.state
        try:
            with self.breaker:
                return await self._send(request)
        finally:
            after = self.breaker.state
            if after != before:
                log.warning("circuit breaker for %s: %s -> %s", self.name, before, after)

    async def _send(self, request: httpx.Request) -> tuple[int, Any]:
        what = f"{request.method} {request.url.path}"
        try:
            resp = await self.client.send(request)
        except httpx.TimeoutException as err:
            raise UpstreamError(self.name, "timeout", f"{what}: {err!r}") from err
        except httpx.TransportError as err:
            raise UpstreamError(self.name, "unreachable", f"{what}: {err!r}") from err
        return resp.status_code, read_answer(
            self.name, request.method, request.url.path, resp.status_code, resp.content
        )
