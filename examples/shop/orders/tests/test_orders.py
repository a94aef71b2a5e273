"""orders: its clients against a real local HTTP server, and the checkout saga with stand-in
upstreams."""

import json
import os
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_data = tempfile.TemporaryDirectory()
os.environ.update(
    DATA_DIR=_data.name,
    CART_URL="http://127.0.0.1:9",
    CATALOG_URL="http://127.0.0.1:9",
    PAYMENTS_URL="http://127.0.0.1:9",
)

from shopkit.resilience import CallPolicy, UpstreamError, UpstreamRejected  # noqa: E402

import app as orders  # noqa: E402  (needs the environment above)
from clients import ServiceClient  # noqa: E402


class ScriptedServer:
    """Answers each request with the next (status, body) of a script; records the paths."""

    def __init__(self, script):
        self.script = list(script)
        self.paths = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.paths.append(self.path)
                status, body = outer.script.pop(0) if outer.script else (200, {})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


POLICY = CallPolicy(backoff_s=0.001, breaker_fail_max=3, breaker_reset_s=60)


class ServiceClientTest(unittest.TestCase):
    def serve(self, script):
        server = ScriptedServer(script)
        self.addCleanup(server.close)
        return server, ServiceClient("up", server.url, POLICY)

    def test_retries_transient_failures_of_idempotent_calls(self):
        server, client = self.serve([(503, {"error": "busy"}), (500, {}), (200, {"ok": True})])
        self.assertEqual(client.call("GET", "/x", idempotent=True), {"ok": True})
        self.assertEqual(len(server.paths), 3)

    def test_does_not_retry_other_calls(self):
        server, client = self.serve([(503, {"error": "busy"}), (200, {})])
        with self.assertRaises(UpstreamError) as caught:
            client.call("POST", "/x", idempotent=False)
        self.assertEqual(len(server.paths), 1)
        self.assertIn("HTTP 503 (busy)", str(caught.exception))

    def test_4xx_is_passed_on_not_retried(self):
        server, client = self.serve([(404, {"error": "no such thing"})])
        with self.assertRaises(UpstreamRejected) as caught:
            client.call("GET", "/x", idempotent=True)
        self.assertEqual((caught.exception.status, len(server.paths)), (404, 1))

    def test_breaker_opens_after_consecutive_failures_and_fails_fast(self):
        server, client = self.serve([(500, {})] * 10)
        with self.assertRaises(UpstreamError) as caught:
            client.call("GET", "/x", idempotent=True)  # 3 tries, 3 failures: opens
        self.assertEqual(caught.exception.kind, "status")
        with self.assertRaises(UpstreamError) as caught:
            client.call("GET", "/x", idempotent=True)
        self.assertEqual(caught.exception.kind, "circuit_open")
        self.assertEqual(len(server.paths), 3)

    def test_unreachable(self):
        client = ServiceClient("up", "http://127.0.0.1:9", POLICY)
        with self.assertRaises(UpstreamError) as caught:
            client.call("GET", "/x", idempotent=False)
        self.assertEqual(
            (caught.exception.kind, caught.exception.http_status), ("unreachable", 503)
        )


class StandIn:
    """Replaces a ServiceClient: answers by (method, path prefix), records calls."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def call(self, method, path, *, json=None, idempotent):
        self.calls.append((method, path))
        for (m, prefix), answer in self.answers.items():
            if m == method and path.startswith(prefix):
                if isinstance(answer, Exception):
                    raise answer
                return answer
        raise AssertionError(f"unexpected call {method} {path}")


class CheckoutTest(unittest.TestCase):
    def setUp(self):
        self.cart = StandIn(
            {
                ("GET", "/carts/"): {"items": [{"product_id": "p01", "quantity": 2}]},
                ("DELETE", "/carts/"): None,
            }
        )
        self.catalog = StandIn(
            {
                ("POST", "/reservations"): {
                    "items": [{"product_id": "p01", "quantity": 2, "price_cents": 500}]
                },
                ("DELETE", "/reservations/"): None,
            }
        )
        for name in ("cart", "catalog", "payments"):
            self.addCleanup(setattr, orders, name, getattr(orders, name))
        orders.cart, orders.catalog = self.cart, self.catalog
        self.client = orders.app.test_client()

    def checkout(self, payment_answer):
        orders.payments = StandIn({("POST", "/payments"): payment_answer})
        return self.client.post("/orders", json={"user": "ann", "card": "4242424242424242"})

    def test_paid_order_is_recorded_and_the_cart_emptied(self):
        resp = self.checkout({"id": "pay_1", "status": "captured"})
        self.assertEqual(resp.status_code, 201)
        order = resp.get_json()
        self.assertEqual((order["status"], order["total_cents"]), ("paid", 1000))
        self.assertIn(("DELETE", "/carts/ann"), self.cart.calls)
        self.assertEqual(self.client.get(f"/orders/{order['id']}").get_json()["id"], order["id"])

    def test_declined_payment_releases_the_stock(self):
        resp = self.checkout(
            UpstreamRejected("payments", 402, {"id": "pay_2", "status": "declined"})
        )
        self.assertEqual(resp.status_code, 402)
        order_id = resp.get_json()["order_id"]
        self.assertIn(("DELETE", f"/reservations/{order_id}"), self.catalog.calls)
        self.assertEqual(self.client.get(f"/orders/{order_id}").get_json()["status"], "declined")
        self.assertNotIn(("DELETE", "/carts/ann"), self.cart.calls)

    def test_failed_payment_releases_the_stock_and_answers_for_the_upstream(self):
        resp = self.checkout(UpstreamError("payments", "timeout", "POST /payments"))
        self.assertEqual(resp.status_code, 504)
        self.assertEqual(resp.get_json()["upstream"], "payments")
        released = [c for c in self.catalog.calls if c[0] == "DELETE"]
        self.assertEqual(len(released), 1)

    def test_empty_cart_is_a_conflict(self):
        self.cart.answers[("GET", "/carts/")] = {"items": []}
        resp = self.checkout({"id": "pay_3"})
        self.assertEqual(resp.status_code, 409)
        self.assertEqual(self.catalog.calls, [])

    def test_bad_request(self):
        self.assertEqual(self.client.post("/orders", json={"user": ""}).status_code, 400)


if __name__ == "__main__":
    unittest.main()
