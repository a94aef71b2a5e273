"""Load generator for the shop: mixed shopper traffic against the gateway for a bounded time.

    python loadgen.py --base-url http://127.0.0.1:8080 --rate 20 --duration 30

Requests arrive as a Poisson process at --rate per second (an open model: arrivals do not wait
for earlier answers, so a slow shop is not hidden by a slow generator). Each arrival is one step
of a simulated shopper, picked by the --mix weights: browse a category, view an item, add it to
the cart, look at the cart, check out, look at a past order. Checkout happens only with a filled
cart; a small share of shoppers pay with a card that payments declines (HTTP 402).

At the end it prints a summary: requests, errors (5xx and failed connections), rejections (4xx),
latency percentiles per action. --json prints the same as one JSON object. Exit status 1 when
the error share exceeds --max-error-rate, 2 for bad arguments, 3 when the shop cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
CATEGORIES = ["stationery", "kitchen", "outdoor", "toys", "books", "home"]
DEFAULT_MIX = "browse=30,view=30,add=20,cart=8,checkout=8,order=4"
ACTIONS = ("browse", "view", "add", "cart", "checkout", "order")


@dataclass
class Shopper:
    name: str
    cart: Counter[str] = field(default_factory=Counter)
    orders: list[str] = field(default_factory=list)
    declines: bool = False
    busy: bool = False


@dataclass
class Stats:
    """Outcomes of one action."""

    count: int = 0
    errors: int = 0
    rejected: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "errors": self.errors,
            "rejected": self.rejected,
            "statuses": dict(sorted(self.statuses.items())),
            "latency_ms": percentiles(self.latencies_ms),
        }


def percentiles(values: list[float]) -> dict[str, float]:
    """Nearest-rank p50/p90/p99 and max, in milliseconds rounded to 0.1."""
    if not values:
        return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {
        "p50": round(rank(50), 1),
        "p90": round(rank(90), 1),
        "p99": round(rank(99), 1),
        "max": round(ordered[-1], 1),
    }


def parse_mix(text: str) -> dict[str, float]:
    """'browse=30,view=30,...' -> weights; unknown actions and negative weights are errors."""
    mix: dict[str, float] = {}
    for part in text.split(","):
        name, sep, weight = part.strip().partition("=")
        if not sep or name not in ACTIONS:
            raise ValueError(
                f"--mix: expected action=weight with action one of {', '.join(ACTIONS)},"
                f" got {part!r}"
            )
        try:
            mix[name] = float(weight)
        except ValueError:
            raise ValueError(f"--mix: weight of {name} must be a number, got {weight!r}") from None
        if mix[name] < 0:
            raise ValueError(f"--mix: weight of {name} must be >= 0")
    if sum(mix.values()) <= 0:
        raise ValueError("--mix: at least one weight must be above 0")
    return mix


class LoadGenerator:
    def __init__(self, args: argparse.Namespace, client: httpx.AsyncClient) -> None:
        self.args = args
        self.client = client
        self.rng = random.Random(args.seed)
        self.mix = parse_mix(args.mix)
        self.shoppers = [
            Shopper(f"shopper-{args.seed}-{i}", declines=self.rng.random() < args.decline_share)
            for i in range(args.users)
        ]
        self.products: list[str] = []
        self.stats = {action: Stats() for action in ACTIONS}
        self.dropped = 0
        self.in_flight = 0

    async def load_products(self) -> None:
        # The shop may still be starting, or a faulty catalog (or the breaker in front of it)
        # may answer 5xx for a while: retry those with backoff until --startup-wait is used up.
        # A 4xx or an empty catalog is an answer, not a passing state, and fails at once.
        deadline = time.monotonic() + self.args.startup_wait
        delay = 0.25
        while True:
            try:
                resp = await self.client.get("/api/products", params={"limit": 200})
                if resp.status_code < 500:
                    break
                resp.raise_for_status()
            except (httpx.TransportError, httpx.HTTPStatusError):
                if time.monotonic() + delay > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 4.0)
        resp.raise_for_status()
        self.products = [p["id"] for p in resp.json()["products"]]
        if not self.products:
            raise RuntimeError("the catalog has no products")

    def pick_action(self, shopper: Shopper) -> str:
        weights = dict(self.mix)
        if not shopper.cart:
            weights["checkout"] = 0
        if not shopper.orders:
            weights["order"] = 0
        if sum(weights.values()) <= 0:
            weights = {"browse": 1.0}
        names = list(weights)
        return self.rng.choices(names, weights=[weights[n] for n in names])[0]

    async def step(self, shopper: Shopper, action: str) -> None:
        """One request of one shopper; records its outcome."""
        method, path, body = "GET", "", None
        if action == "browse":
            path = f"/api/products?category={self.rng.choice(CATEGORIES)}"
        elif action == "view":
            path = f"/api/products/{self.rng.choice(self.products)}"
        elif action == "add":
            product = self.rng.choice(self.products)
            method, path = "POST", f"/api/cart/{shopper.name}/items"
            body = {"product_id": product, "quantity": self.rng.randint(1, 2)}
        elif action == "cart":
            path = f"/api/cart/{shopper.name}"
        elif action == "checkout":
            card = DECLINED_CARD if shopper.declines else GOOD_CARD
            method, path, body = "POST", "/api/checkout", {"user": shopper.name, "card": card}
        else:
            path = f"/api/orders/{self.rng.choice(shopper.orders)}"

        stats = self.stats[action]
        start = time.perf_counter()
        try:
            resp = await self.client.request(method, path, json=body)
            status: str = str(resp.status_code)
        except httpx.HTTPError as err:
            resp, status = None, type(err).__name__
        stats.latencies_ms.append((time.perf_counter() - start) * 1000)
        stats.count += 1
        stats.statuses[status] += 1
        if resp is None or resp.status_code >= 500:
            stats.errors += 1
            return
        if resp.status_code >= 400:
            stats.rejected += 1
            if action == "checkout" and resp.status_code == 409:
                shopper.cart.clear()  # the shop says the cart is empty (or sold out): start over
            return
        if action == "add":
            shopper.cart[body["product_id"]] += body["quantity"]
        elif action == "checkout":
            shopper.cart.clear()
            try:
                shopper.orders = (shopper.orders + [resp.json()["id"]])[-5:]
            except (ValueError, KeyError, TypeError):
                stats.errors += 1  # a 2xx without an order id is a broken answer

    async def run_one(self) -> None:
        idle = [s for s in self.shoppers if not s.busy]
        if not idle or self.in_flight >= self.args.concurrency:
            # Open model: a late arrival is counted, not queued.
            self.dropped += 1
            return
        shopper = self.rng.choice(idle)
        shopper.busy = True
        self.in_flight += 1
        try:
            await self.step(shopper, self.pick_action(shopper))
        finally:
            shopper.busy = False
            self.in_flight -= 1

    async def run(self) -> float:
        """Send arrivals for --duration seconds, then wait for the answers; return elapsed s."""
        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        deadline = start + self.args.duration
        next_at = start
        while True:
            next_at += self.rng.expovariate(self.args.rate)
            if next_at >= deadline:
                break
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            task = asyncio.create_task(self.run_one())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=self.args.timeout + 1)
        return time.perf_counter() - start

    def summary(self, elapsed_s: float) -> dict[str, Any]:
        every = Stats()
        for stats in self.stats.values():
            every.count += stats.count
            every.errors += stats.errors
            every.rejected += stats.rejected
            every.statuses.update(stats.statuses)
            every.latencies_ms += stats.latencies_ms
        return {
            "base_url": self.args.base_url,
            "duration_s": round(elapsed_s, 2),
            "target_rate": self.args.rate,
            "achieved_rate": round(every.count / elapsed_s, 2) if elapsed_s > 0 else 0.0,
            "requests": every.count,
            "errors": every.errors,
            "error_rate": round(every.errors / every.count, 4) if every.count else 0.0,
            "rejected": every.rejected,
            "dropped": self.dropped,
            "statuses": dict(sorted(every.statuses.items())),
            "latency_ms": percentiles(every.latencies_ms),
            "actions": {name: s.summary() for name, s in self.stats.items() if s.count},
        }


def render(summary: dict[str, Any]) -> str:
    lines = [
        f"loadgen: {summary['requests']} requests in {summary['duration_s']} s "
        f"({summary['achieved_rate']} req/s, target {summary['target_rate']}) "
        f"against {summary['base_url']}",
        f"errors {summary['errors']} ({summary['error_rate'] * 100:.1f} %), "
        f"rejected (4xx) {summary['rejected']}, dropped {summary['dropped']}",
        f"{'action':<10}{'count':>7}{'errors':>8}{'4xx':>6}{'p50 ms':>9}{'p90 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}",
    ]
    rows = list(summary["actions"].items()) + [("all", summary)]
    for name, s in rows:
        lat = s["latency_ms"]
        count = s.get("count", s.get("requests"))
        lines.append(
            f"{name:<10}{count:>7}{s['errors']:>8}{s['rejected']:>6}"
            f"{lat['p50']:>9.1f}{lat['p90']:>9.1f}{lat['p99']:>9.1f}{lat['max']:>9.1f}"
        )
    lines.append("statuses: " + ", ".join(f"{k} x{v}" for k, v in summary["statuses"].items()))
    return "\n".join(lines)


def positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
        return value

    return parse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Drive mixed shopper traffic against the shop's gateway for a bounded time."
    )
    parser.add_argument("--base-url", default="http://127.0.0.1:8080", help="gateway base URL")
    parser.add_argument(
        "--rate", type=positive(float), default=20.0, help="requests per second (default 20)"
    )
    parser.add_argument(
        "--duration", type=positive(float), default=30.0, help="seconds of load (default 30)"
    )
    parser.add_argument(
        "--users", type=positive(int), default=50, help="simulated shoppers (default 50)"
    )
    parser.add_argument(
        "--concurrency", type=positive(int), default=64, help="most requests in flight (default 64)"
    )
    parser.add_argument(
        "--timeout", type=positive(float), default=15.0, help="seconds per request (default 15)"
    )
    parser.add_argument(
        "--mix", default=DEFAULT_MIX, help=f"action weights (default {DEFAULT_MIX})"
    )
    parser.add_argument(
        "--decline-share",
        type=float,
        default=0.05,
        help="share of shoppers whose card is declined (default 0.05)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--startup-wait",
        type=float,
        default=30.0,
        help="seconds to keep retrying the first product listing on 5xx (default 30)",
    )
    parser.add_argument(
        "--max-error-rate", type=float, default=None, help="exit 1 when the error share is higher"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    try:
        parse_mix(args.mix)
    except ValueError as err:
        parser.error(str(err))
    if not 0 <= args.decline_share <= 1:
        parser.error("--decline-share must be from 0 to 1")
    if args.startup_wait < 0:
        parser.error("--startup-wait must be 0 or more")
    args.base_url = args.base_url.rstrip("/")
    return args


async def main_async(args: argparse.Namespace) -> int:
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    async with httpx.AsyncClient(
        base_url=args.base_url, timeout=args.timeout, limits=limits
    ) as client:
        gen = LoadGenerator(args, client)
        try:
            await gen.load_products()
        except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as err:
            print(
                f"loadgen: cannot read the products from {args.base_url}/api/products: {err!r}",
                file=sys.stderr,
            )
            return 3
        summary = gen.summary(await gen.run())
    print(json.dumps(summary) if args.json else render(summary))
    if args.max_error_rate is not None and summary["error_rate"] > args.max_error_rate:
        print(
            f"loadgen: error rate {summary['error_rate']} is above"
            f" --max-error-rate {args.max_error_rate}",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
