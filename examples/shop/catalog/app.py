"""catalog: the products of the shop and their stock (Flask, SQLite).

GET    /products?category=&q=&limit=   list products
GET    /products/<id>                  one product
POST   /reservations                   reserve stock for an order (idempotent per order_id)
DELETE /reservations/<order_id>        give the stock of an order back (idempotent)
GET    /health                         liveness
GET|POST|DELETE /admin/fault           fault switches (see shopkit.faults)
"""

from __future__ import annotations

import sqlite3

from flask import Flask, jsonify, request

from shopkit.faults import FaultSwitch
from shopkit.flask_ext import install_faults, request_db
from shopkit.logs import setup_logging
from shopkit.sqlite import db_path, init_db

from seed import PRODUCTS

SERVICE = "catalog"
log = setup_logging(SERVICE)

DB_PATH = db_path(SERVICE)

SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents > 0),
    stock INTEGER NOT NULL CHECK (stock >= 0),
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS reservations (
    order_id TEXT NOT NULL,
    product_id TEXT NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    price_cents INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (order_id, product_id)
);
"""


def seed(conn: sqlite3.Connection) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO products (id, name, category, price_cents, stock, description)"
        " VALUES (:id, :name, :category, :price_cents, :stock, :description)",
        PRODUCTS,
    )


app = Flask(__name__)
app.json.sort_keys = False
install_faults(app, FaultSwitch(SERVICE))
init_db(DB_PATH, SCHEMA, seed)
# Reservations run their own transactions (BEGIN IMMEDIATE): no implicit ones.
db = request_db(app, DB_PATH, autocommit=True)


@app.get("/health")
def health():
    return jsonify(status="ok", service=SERVICE)


@app.get("/products")
def list_products():
    category = request.args.get("category")
    query = request.args.get("q")
    limit = request.args.get("limit", default=50, type=int)
    if limit is None or not 1 <= limit <= 200:
        return jsonify(error="limit must be a whole number from 1 to 200"), 400
    sql = "SELECT * FROM products WHERE 1 = 1"
    params: list[object] = []
    if category:
        sql += " AND category = ?"
        params.append(category)
    if query:
        sql += " AND (name LIKE ? OR description LIKE ?)"
        params += [f"%{query}%", f"%{query}%"]
    sql += " ORDER BY id LIMIT ?"
    params.append(limit)
    rows = db().execute(sql, params).fetchall()
    return jsonify(products=[dict(row) for row in rows])


@app.get("/products/<product_id>")
def get_product(product_id: str):
    row = db().execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone()
    if row is None:
        return jsonify(error=f"no product {product_id}"), 404
    return jsonify(dict(row))


@app.post("/reservations")
def reserve():
    body = request.get_json(silent=True) or {}
    order_id = body.get("order_id")
    items = body.get("items")
    if not isinstance(order_id, str) or not order_id:
        return jsonify(error="order_id must be a non-empty string"), 400
    if not isinstance(items, list) or not items:
        return jsonify(error="items must be a non-empty list"), 400
    for item in items:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("product_id"), str)
            or not isinstance(item.get("quantity"), int)
            or item["quantity"] < 1
        ):
            return jsonify(error="each item needs a product_id and a quantity >= 1"), 400

    conn = db()
    # One write transaction: check and take the stock of every item, or none.
    conn.execute("BEGIN IMMEDIATE")
    try:
        existing = conn.execute(
            "SELECT product_id, quantity, price_cents FROM reservations WHERE order_id = ?",
            (order_id,),
        ).fetchall()
        if existing:
            conn.execute("ROLLBACK")
            return jsonify(order_id=order_id, items=[dict(r) for r in existing]), 200
        reserved = []
        for item in items:
            row = conn.execute(
                "SELECT stock, price_cents FROM products WHERE id = ?", (item["product_id"],)
            ).fetchone()
            if row is None:
                conn.execute("ROLLBACK")
                return jsonify(error=f"no product {item['product_id']}"), 404
            if row["stock"] < item["quantity"]:
                conn.execute("ROLLBACK")
                log.warning("out of stock: %s (order %s)", item["product_id"], order_id)
                return jsonify(error=f"out of stock: {item['product_id']}"), 409
            conn.execute(
                "UPDATE products SET stock = stock - ? WHERE id = ?",
                (item["quantity"], item["product_id"]),
            )
            conn.execute(
                "INSERT INTO reservations (order_id, product_id, quantity, price_cents)"
                " VALUES (?, ?, ?, ?)",
                (order_id, item["product_id"], item["quantity"], row["price_cents"]),
            )
            reserved.append(
                {
                    "product_id": item["product_id"],
                    "quantity": item["quantity"],
                    "price_cents": row["price_cents"],
                }
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    log.info("reserved %d items for order %s", len(reserved), order_id)
    return jsonify(order_id=order_id, items=reserved), 201


@app.delete("/reservations/<order_id>")
def release(order_id: str):
    conn = db()
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = conn.execute(
            "SELECT product_id, quantity FROM reservations WHERE order_id = ?", (order_id,)
        ).fetchall()
        for row in rows:
            conn.execute(
                "UPDATE products SET stock = stock + ? WHERE id = ?",
                (row["quantity"], row["product_id"]),
            )
        conn.execute("DELETE FROM reservations WHERE order_id = ?", (order_id,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if rows:
        log.info("released the reservation of order %s", order_id)
    return "", 204
