import asyncio
import unittest

import httpx

import loadgen


class HelpersTest(unittest.TestCase):
    def test_percentiles_nearest_rank(self):
        values = [float(v) for v in range(1, 101)]
        self.assertEqual(
            loadgen.percentiles(values), {"p50": 50.0, "p90": 90.0, "p99": 99.0, "max": 100.0}
        )
        self.assertEqual(loadgen.percentiles([]), {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0})

    def test_parse_mix(self):
        self.assertEqual(loadgen.parse_mix("view=2, add=1"), {"view": 2.0, "add": 1.0})
        for bad in ("view", "fly=1", "view=x", "view=-1", "view=0"):
            with self.subTest(mix=bad), self.assertRaises(ValueError):
                loadgen.parse_mix(bad)

    def test_bad_arguments_exit_2(self):
        for argv in (
            ["--rate", "0"],
            ["--mix", "nope=1"],
            ["--decline-share", "2"],
            ["--startup-wait", "-1"],
        ):
            with self.subTest(argv=argv), self.assertRaises(SystemExit) as caught:
                loadgen.parse_args(argv)
            self.assertEqual(caught.exception.code, 2)


class FakeShop:
    """The gateway API as a stand-in transport: products, carts, checkout."""

    def __init__(self):
        self.requests = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append((request.method, path))
        if path == "/api/products" and request.method == "GET":
            return httpx.Response(200, json={"products": [{"id": "p1"}, {"id": "p2"}]})
        if path == "/api/checkout":
            return httpx.Response(201, json={"id": f"ord_{len(self.requests)}"})
        if path.startswith("/api/cart/") and request.method == "POST":
            return httpx.Response(201, json={})
        if path.startswith("/api/orders/"):
            return httpx.Response(500, json={"error": "boom"})
        return httpx.Response(200, json={})


class RunTest(unittest.TestCase):
    def run_load(self, argv):
        args = loadgen.parse_args(argv)
        shop = FakeShop()

        async def go():
            transport = httpx.MockTransport(shop)
            async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
                gen = loadgen.LoadGenerator(args, client)
                await gen.load_products()
                return gen.summary(await gen.run())

        return asyncio.run(go()), shop

    def test_bounded_run_with_every_action_and_errors_counted(self):
        summary, shop = self.run_load(["--rate", "400", "--duration", "0.5", "--users", "5"])
        self.assertGreater(summary["requests"], 50)
        self.assertLessEqual(summary["duration_s"], 2.5)
        self.assertEqual(set(summary["actions"]), set(loadgen.ACTIONS))
        # Only past orders are looked up, and the stand-in fails those: every error is one.
        self.assertEqual(summary["errors"], summary["actions"]["order"]["count"])
        self.assertEqual(summary["statuses"].get("500", 0), summary["errors"])
        checkouts = [p for m, p in shop.requests if p == "/api/checkout"]
        self.assertEqual(len(checkouts), summary["actions"]["checkout"]["count"])
        self.assertIn("loadgen:", loadgen.render(summary))

    def test_checkout_only_with_a_filled_cart(self):
        summary, shop = self.run_load(
            ["--rate", "300", "--duration", "0.3", "--users", "3", "--mix", "checkout=1"]
        )
        # Nobody has a cart and checkout is the only action: they browse instead.
        self.assertNotIn("checkout", summary["actions"])
        self.assertGreater(summary["actions"]["browse"]["count"], 0)


class LoadProductsTest(unittest.TestCase):
    def load(self, answers, argv=()):
        """Serve the product listing from `answers` (status codes, the last one repeats)."""
        calls = []

        def handler(request: httpx.Request) -> httpx.Response:
            status = answers[min(len(calls), len(answers) - 1)]
            calls.append(status)
            body = {"products": [{"id": "p1"}]} if status == 200 else {"error": "down"}
            return httpx.Response(status, json=body)

        async def go():
            args = loadgen.parse_args(["--startup-wait", "2", *argv])
            transport = httpx.MockTransport(handler)
            async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
                gen = loadgen.LoadGenerator(args, client)
                await gen.load_products()
                return gen.products

        return asyncio.run(go()), calls

    def test_5xx_while_starting_is_retried(self):
        products, calls = self.load([503, 500, 200])
        self.assertEqual(products, ["p1"])
        self.assertEqual(calls, [503, 500, 200])

    def test_4xx_fails_at_once(self):
        with self.assertRaises(httpx.HTTPStatusError):
            self.load([404, 200])

    def test_gives_up_after_the_startup_wait(self):
        with self.assertRaises(httpx.HTTPStatusError):
            self.load([503], ["--startup-wait", "0.5"])


if __name__ == "__main__":
    unittest.main()
