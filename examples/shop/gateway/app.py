"""gateway: the shop's public API in front of catalog, cart and orders (FastAPI, no store).

GET    /api/products?category=&q=&limit=   -> catalog GET /products
GET    /api/products/{id}                  -> catalog GET /products/{id}
GET    /api/cart/{user}                    -> cart GET /carts/{user}
POST   /api/cart/{user}/items              -> cart POST /carts/{user}/items
DELETE /api/cart/{user}/items/{product_id} -> cart DELETE /carts/{user}/items/{product_id}
POST   /api/checkout {user, card}          -> orders POST /orders
GET    /api/orders/{order_id}              -> orders GET /orders/{order_id}
GET    /api/users/{user}/orders            -> orders GET /orders?user=
GET    /health                             liveness
GET|POST|DELETE /admin/fault               fault switches (see shopkit.faults)

4xx answers of a service pass through unchanged; a failed service becomes 502 (bad answer),
503 (unreachable or circuit open) or 504 (timeout).
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shopkit.fastapi_ext import install_faults, install_json_errors
from shopkit.faults import FaultSwitch
from shopkit.logs import setup_logging
from shopkit.resilience import CallPolicy, UpstreamError, UpstreamRejected, service_url

from upstream import Upstream

SERVICE = "gateway"
log = setup_logging(SERVICE)
# httpx logs every request at INFO; the gateway logs failures itself.
logging.getLogger("httpx").setLevel(logging.WARNING)

policy = CallPolicy.from_env()
#: Checkout waits for orders, which calls three services with retries of its own.
#: Env CHECKOUT_TIMEOUT_S, default 10.
CHECKOUT_TIMEOUT_S = float(os.environ.get("CHECKOUT_TIMEOUT_S", "10"))
URLS = {
    "catalog": service_url("CATALOG_URL"),
    "cart": service_url("CART_URL"),
    "orders": service_url("ORDERS_URL"),
}
upstreams: dict[str, Upstream] = {}


@asynccontextmanager
async def lifespan(_app: FastAPI):
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=100)) as client:
        for name, url in URLS.items():
            upstreams[name] = Upstream(name, url, policy, client)
        log.info("gateway routing to %s", ", ".join(f"{n}={u}" for n, u in URLS.items()))
        yield
        upstreams.clear()


app = FastAPI(title=SERVICE, lifespan=lifespan)
install_faults(app, FaultSwitch(SERVICE))
install_json_errors(app)


@app.exception_handler(UpstreamError)
async def upstream_failed(_request: Request, err: UpstreamError) -> JSONResponse:
    log.error("upstream call failed: %s", err)
    return JSONResponse({"error": str(err), "upstream": err.upstream}, status_code=err.http_status)


@app.exception_handler(UpstreamRejected)
async def upstream_rejected(_request: Request, err: UpstreamRejected) -> JSONResponse:
    body = err.body if isinstance(err.body, dict) else {"error": str(err)}
    return JSONResponse(body, status_code=err.status)


def relay(answer: tuple[int, Any]) -> JSONResponse:
    status, body = answer
    return JSONResponse(body, status_code=status)


class NewItem(BaseModel):
    product_id: Annotated[str, Field(min_length=1, max_length=32)]
    quantity: Annotated[int, Field(ge=1, le=10)] = 1


class Checkout(BaseModel):
    user: Annotated[str, Field(min_length=1, max_length=64)]
    card: Annotated[str, Field(pattern=r"^[0-9]{12,19}$")]


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok", "service": SERVICE}


@app.get("/api/products")
async def list_products(
    category: str | None = None,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JSONResponse:
    params: dict[str, Any] = {"limit": limit}
    if category:
        params["category"] = category
    if q:
        params["q"] = q
    return relay(
        await upstreams["catalog"].call("GET", "/products", params=params, idempotent=True)
    )


@app.get("/api/products/{product_id}")
async def get_product(product_id: str) -> JSONResponse:
    return relay(await upstreams["catalog"].call("GET", f"/products/{product_id}", idempotent=True))


@app.get("/api/cart/{user}")
async def get_cart(user: str) -> JSONResponse:
    return relay(await upstreams["cart"].call("GET", f"/carts/{user}", idempotent=True))


@app.post("/api/cart/{user}/items")
async def add_item(user: str, item: NewItem) -> JSONResponse:
    # Adding twice adds twice: not idempotent, so never retried.
    return relay(
        await upstreams["cart"].call(
            "POST", f"/carts/{user}/items", json=item.model_dump(), idempotent=False
        )
    )


@app.delete("/api/cart/{user}/items/{product_id}")
async def remove_item(user: str, product_id: str) -> JSONResponse:
    return relay(
        await upstreams["cart"].call("DELETE", f"/carts/{user}/items/{product_id}", idempotent=True)
    )


@app.post("/api/checkout")
async def checkout(order: Checkout) -> JSONResponse:
    return relay(
        await upstreams["orders"].call(
            "POST",
            "/orders",
            json=order.model_dump(),
            idempotent=False,
            timeout_s=CHECKOUT_TIMEOUT_S,
        )
    )


@app.get("/api/orders/{order_id}")
async def get_order(order_id: str) -> JSONResponse:
    return relay(await upstreams["orders"].call("GET", f"/orders/{order_id}", idempotent=True))


@app.get("/api/users/{user}/orders")
async def list_orders(user: str) -> JSONResponse:
    return relay(
        await upstreams["orders"].call("GET", "/orders", params={"user": user}, idempotent=True)
    )
