"""payments: charges a card for an order (FastAPI, SQLite ledger).

POST /payments              charge {order_id, amount_cents, currency, card}; idempotent per order_id
GET  /payments/{order_id}   the payment of an order
GET  /health                liveness
GET|POST|DELETE /admin/fault  fault switches (see shopkit.faults)

Cards are test cards: one ending in 0002 is declined (HTTP 402), any other well-formed number is
captured. Only the last four digits are stored or logged.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import asynccontextmanager, closing
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shopkit.fastapi_ext import install_faults, install_json_errors
from shopkit.faults import FaultSwitch
from shopkit.logs import setup_logging
from shopkit.sqlite import connect, db_path, init_db

SERVICE = "payments"
log = setup_logging(SERVICE)

DB_PATH = db_path(SERVICE)
DECLINED_SUFFIX = "0002"

SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('captured', 'declined')),
    card_last4 TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
"""


@asynccontextmanager
async def lifespan(_app: FastAPI):
    init_db(DB_PATH, SCHEMA)
    yield


class Charge(BaseModel):
    order_id: Annotated[str, Field(min_length=1, max_length=64)]
    amount_cents: Annotated[int, Field(gt=0)]
    currency: Literal["EUR", "USD", "GBP"] = "EUR"
    card: Annotated[str, Field(pattern=r"^[0-9]{12,19}$")]


class Payment(BaseModel):
    id: str
    order_id: str
    amount_cents: int
    currency: str
    status: Literal["captured", "declined"]
    card_last4: str


app = FastAPI(title=SERVICE, lifespan=lifespan)
install_faults(app, FaultSwitch(SERVICE))
install_json_errors(app)


def _from_row(row: sqlite3.Row) -> Payment:
    return Payment(**{name: row[name] for name in Payment.model_fields})


def _find(conn: sqlite3.Connection, order_id: str) -> Payment | None:
    row = conn.execute("SELECT * FROM payments WHERE order_id = ?", (order_id,)).fetchone()
    return None if row is None else _from_row(row)


def _payment_response(payment: Payment, created: bool) -> JSONResponse:
    if payment.status == "declined":
        status = 402
    else:
        status = 201 if created else 200
    return JSONResponse(payment.model_dump(), status_code=status)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok", "service": SERVICE}


@app.post("/payments", response_model=Payment)
def charge(body: Charge) -> JSONResponse:
    last4 = body.card[-4:]
    with closing(connect(DB_PATH)) as conn:
        existing = _find(conn, body.order_id)
        if existing is not None:
            # A retried charge: answer as the first time, never charge twice.
            return _payment_response(existing, created=False)
        payment = Payment(
            id=f"pay_{uuid.uuid4().hex[:16]}",
            order_id=body.order_id,
            amount_cents=body.amount_cents,
            currency=body.currency,
            status="declined" if body.card.endswith(DECLINED_SUFFIX) else "captured",
            card_last4=last4,
        )
        try:
            with conn:
                conn.execute(
                    "INSERT INTO payments"
                    " (id, order_id, amount_cents, currency, status, card_last4) VALUES"
                    " (:id, :order_id, :amount_cents, :currency, :status, :card_last4)",
                    payment.model_dump(),
                )
        except sqlite3.IntegrityError:
            # The same charge arrived twice at once (a retry overtook a slow first try).
            existing = _find(conn, body.order_id)
            if existing is None:
                raise
            return _payment_response(existing, created=False)
    if payment.status == "declined":
        log.warning("card ending %s declined for order %s", last4, body.order_id)
    else:
        log.info(
            "captured %d %s for order %s", payment.amount_cents, payment.currency, body.order_id
        )
    return _payment_response(payment, created=True)


@app.get("/payments/{order_id}", response_model=Payment)
def get_payment(order_id: str) -> Payment:
    with closing(connect(DB_PATH)) as conn:
        payment = _find(conn, order_id)
    if payment is None:
        raise HTTPException(status_code=404, detail=f"no payment for order {order_id}")
    return payment
