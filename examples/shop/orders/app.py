"""orders: checkout and order history (Flask, SQLite).

POST /orders {user, card}   check out the user's cart: reserve stock (catalog), charge (payments),
                            record the order, empty the cart (cart)
GET  /orders/<order_id>     one order
GET  /orders?user=          the user's recent orders
GET  /health                liveness
GET|POST|DELETE /admin/fault  fault switches (see shopkit.faults)

Checkout is a small saga: when the charge fails or is declined, the stock reservation is
released again. Every call to catalog and payments carries the order id, so retries are safe.
"""

from __future__ import annotations

import uuid

from flask import Flask, jsonify, request

from shopkit.faults import FaultSwitch
from shopkit.flask_ext import install_faults, request_db
from shopkit.logs import setup_logging
from shopkit.resilience import CallPolicy, UpstreamError, UpstreamRejected, service_url
from shopkit.sqlite import db_path, init_db

from clients import ServiceClient

SERVICE = "orders"
log = setup_logging(SERVICE)

DB_PATH = db_path(SERVICE)
CURRENCY = "EUR"

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('paid', 'declined')),
    total_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    payment_id TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS orders_by_user ON orders (user, created_at);
CREATE TABLE IF NOT EXISTS order_items (
    order_id TEXT NOT NULL REFERENCES orders(id),
    product_id TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    price_cents INTEGER NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
"""

policy = CallPolicy.from_env()
cart = ServiceClient("cart", service_url("CART_URL"), policy)
catalog = ServiceClient("catalog", service_url("CATALOG_URL"), policy)
payments = ServiceClient("payments", service_url("PAYMENTS_URL"), policy)


app = Flask(__name__)
app.json.sort_keys = False
install_faults(app, FaultSwitch(SERVICE))
init_db(DB_PATH, SCHEMA)
db = request_db(app, DB_PATH)


@app.errorhandler(UpstreamError)
def upstream_failed(err: UpstreamError):
    log.error("upstream call failed: %s", err)
    return jsonify(error=str(err), upstream=err.upstream), err.http_status


@app.errorhandler(UpstreamRejected)
def upstream_rejected(err: UpstreamRejected):
    body = err.body if isinstance(err.body, dict) else {"error": str(err)}
    return jsonify(body), err.status


@app.get("/health")
def health():
    return jsonify(status="ok", service=SERVICE)


@app.post("/orders")
def create_order():
    body = request.get_json(silent=True) or {}
    user, card = body.get("user"), body.get("card")
    if not isinstance(user, str) or not 1 <= len(user) <= 64:
        return jsonify(error="user must be a string of 1 to 64 characters"), 400
    if not isinstance(card, str) or not card:
        return jsonify(error="card must be a non-empty string"), 400

    basket = cart.call("GET", f"/carts/{user}", idempotent=True)
    items = [{"product_id": i["product_id"], "quantity": i["quantity"]} for i in basket["items"]]
    if not items:
        return jsonify(error=f"the cart of {user} is empty"), 409

    order_id = f"ord_{uuid.uuid4().hex[:20]}"
    reservation = catalog.call(
        "POST", "/reservations", json={"order_id": order_id, "items": items}, idempotent=True
    )
    reserved = reservation["items"]
    total = sum(item["price_cents"] * item["quantity"] for item in reserved)

    try:
        payment = payments.call(
            "POST",
            "/payments",
            json={"order_id": order_id, "amount_cents": total, "currency": CURRENCY, "card": card},
            idempotent=True,
        )
    except UpstreamRejected as rejected:
        release(order_id)
        if rejected.status != 402:
            raise
        declined = rejected.body if isinstance(rejected.body, dict) else {}
        save_order(order_id, user, "declined", total, reserved, declined.get("id"))
        log.warning("order %s of %s: payment declined", order_id, user)
        return jsonify(error="payment declined", order_id=order_id), 402
    except UpstreamError:
        release(order_id)
        raise

    order = save_order(order_id, user, "paid", total, reserved, payment["id"])
    try:
        cart.call("DELETE", f"/carts/{user}", idempotent=True)
    except (UpstreamError, UpstreamRejected) as err:
        # The order stands; a cart that was not emptied is an annoyance, not a failed checkout.
        log.warning("order %s placed but the cart of %s was not emptied: %s", order_id, user, err)
    log.info("order %s of %s placed: %d %s", order_id, user, total, CURRENCY)
    return jsonify(order), 201


def release(order_id: str) -> None:
    """Give the reserved stock back (compensation); failing to is logged, not raised."""
    try:
        catalog.call("DELETE", f"/reservations/{order_id}", idempotent=True)
    except (UpstreamError, UpstreamRejected) as err:
        log.error("could not release the stock reserved for order %s: %s", order_id, err)


def save_order(
    order_id: str,
    user: str,
    status: str,
    total: int,
    items: list[dict],
    payment_id: str | None,
) -> dict:
    conn = db()
    with conn:
        conn.execute(
            "INSERT INTO orders (id, user, status, total_cents, currency, payment_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (order_id, user, status, total, CURRENCY, payment_id),
        )
        conn.executemany(
            "INSERT INTO order_items (order_id, product_id, quantity, price_cents)"
            " VALUES (?, ?, ?, ?)",
            [(order_id, i["product_id"], i["quantity"], i["price_cents"]) for i in items],
        )
    return load_order(order_id) or {}


def load_order(order_id: str) -> dict | None:
    conn = db()
    row = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        return None
    items = conn.execute(
        "SELECT product_id, quantity, price_cents FROM order_items WHERE order_id = ?"
        " ORDER BY product_id",
        (order_id,),
    ).fetchall()
    return {**dict(row), "items": [dict(i) for i in items]}


@app.get("/orders/<order_id>")
def get_order(order_id: str):
    order = load_order(order_id)
    if order is None:
        return jsonify(error=f"no order {order_id}"), 404
    return jsonify(order)


@app.get("/orders")
def list_orders():
    user = request.args.get("user")
    if not user:
        return jsonify(error="the user query parameter is required"), 400
    rows = (
        db()
        .execute(
            "SELECT id FROM orders WHERE user = ? ORDER BY created_at DESC, id LIMIT 20", (user,)
        )
        .fetchall()
    )
    return jsonify(orders=[load_order(row["id"]) for row in rows])
