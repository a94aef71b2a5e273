"""gateway: its upstream calls (httpx with a stand-in transport) and its routes."""

import os
import unittest

import httpx

os.environ.update(
    CATALOG_URL="http://catalog:8000", CART_URL="http://cart:3000", ORDERS_URL="http://orders:8000"
)

from fastapi.testclient import TestClient  # noqa: E402

from shopkit.resilience import CallPolicy, UpstreamError, UpstreamRejected  # noqa: E402

import app as gateway  # noqa: E402  (needs the environment above)
from upstream import Upstream  # noqa: E402

POLICY = CallPolicy(backoff_s=0.001, breaker_fail_max=3, breaker_reset_s=60)


def scripted(answers):
    """A transport answering with the next item of `answers`: (status, json) or an exception."""
    seen = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle), seen


class UpstreamTest(unittest.IsolatedAsyncioTestCase):
    async def upstream(self, answers):
        transport, seen = scripted(answers)
        client = httpx.AsyncClient(transport=transport)
        self.addAsyncCleanup(client.aclose)
        return Upstream("svc", "http://svc", POLICY, client), seen

    async def test_retries_idempotent_calls(self):
        up, seen = await self.upstream([httpx.ConnectError("refused"), (502, {}), (200, {"a": 1})])
        self.assertEqual(await up.call("GET", "/x", idempotent=True), (200, {"a": 1}))
        self.assertEqual(len(seen), 3)

    async def test_timeouts_of_other_calls_are_not_retried(self):
        up, seen = await self.upstream([httpx.ReadTimeout("slow"), (200, {})])
        with self.assertRaises(UpstreamError) as caught:
            await up.call("POST", "/x", idempotent=False)
        self.assertEqual((caught.exception.kind, caught.exception.http_status), ("timeout", 504))
        self.assertEqual(len(seen), 1)

    async def test_4xx_passes_through_and_keeps_the_breaker_closed(self):
        up, _ = await self.upstream([(500, {}), (500, {}), (404, {"error": "no"}), (500, {})])
        for _ in range(2):
            with self.assertRaises(UpstreamError):
                await up.call("POST", "/x", idempotent=False)
        with self.assertRaises(UpstreamRejected):
            await up.call("POST", "/x", idempotent=False)
        with self.assertRaises(UpstreamError) as caught:
            await up.call("POST", "/x", idempotent=False)
        self.assertEqual(caught.exception.kind, "status")  # still closed: 404 reset the count

    async def test_breaker_opens_and_fails_fast(self):
        up, seen = await self.upstream([(503, {"error": "down"})] * 3)
        with self.assertRaises(UpstreamError) as caught:
            await up.call("GET", "/x", idempotent=True)
        self.assertIn("HTTP 503 (down)", str(caught.exception))
        with self.assertRaises(UpstreamError) as caught:
            await up.call("GET", "/x", idempotent=True)
        self.assertEqual(
            (caught.exception.kind, caught.exception.http_status), ("circuit_open", 503)
        )
        self.assertEqual(len(seen), 3)


class RoutesTest(unittest.TestCase):
    def test_maps_upstream_failures_and_passes_4xx(self):
        answers = [(404, {"error": "no product x"}), (500, {}), (500, {}), (500, {})]
        transport, seen = scripted(answers)
        with TestClient(gateway.app) as client:
            for up in gateway.upstreams.values():
                up.client = httpx.AsyncClient(transport=transport)
                up.policy = POLICY
            resp = client.get("/api/products/x")
            self.assertEqual((resp.status_code, resp.json()), (404, {"error": "no product x"}))
            resp = client.get("/api/products/y")
            self.assertEqual(resp.status_code, 502)
            self.assertEqual(resp.json()["upstream"], "catalog")
        self.assertEqual(seen, ["GET /products/x"] + ["GET /products/y"] * 3)

    def test_validates_the_checkout_body(self):
        with TestClient(gateway.app) as client:
            resp = client.post("/api/checkout", json={"user": "ann", "card": "12"})
        self.assertEqual(resp.status_code, 422)
        self.assertIn("card", resp.json()["error"])


if __name__ == "__main__":
    unittest.main()
