"""Fault switches and the admin endpoint for a Flask app."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .faults import FaultConfigError, FaultSwitch, InjectedFault
from .sqlite import Connection, connect


def request_db(
    app: Flask, path: Path, *, autocommit: bool = False
) -> Callable[[], Connection]:
    """A `db()` that opens one connection per request, closed when the request ends."""

    @app.teardown_appcontext
    def close_db(_exc: BaseException | None) -> None:
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    def db() -> Connection:
        if "db" not in g:
            g.db = connect(path, autocommit=autocommit)
        return g.db

    return db


def install_faults(app: Flask, switch: FaultSwitch) -> None:
    """Apply `switch` before every business request and serve GET/POST/DELETE /admin/fault."""
    admin = Blueprint("admin", __name__, url_prefix="/admin")
    log = logging.getLogger(f"{switch.service}.faults")

    @admin.get("/fault")
    def get_fault():
        return jsonify(switch.current.as_dict())

    @admin.post("/fault")
    def set_fault():
        changes = request.get_json(silent=True)
        if not isinstance(changes, dict):
            return jsonify(error='expected a JSON object such as {"error_rate": 0.5}'), 400
        try:
            return jsonify(switch.update(changes).as_dict())
        except FaultConfigError as err:
            return jsonify(error=str(err)), 400

    @admin.delete("/fault")
    def reset_fault():
        return jsonify(switch.reset().as_dict())

    app.register_blueprint(admin)

    @app.before_request
    def apply_faults():
        if not switch.applies_to(request.path):
            return None
        switch.crash_if_set()
        delay = switch.delay_s()
        if delay:
            time.sleep(delay)
        if switch.should_fail():
            raise InjectedFault(f"injected fault on {request.method} {request.path}")
        return None

    @app.errorhandler(InjectedFault)
    def injected(err: InjectedFault):
        log.error("%s", err)
        return jsonify(error=str(err)), 500

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        # JSON bodies for 404/405/... too, so callers never parse HTML.
        return jsonify(error=err.description), err.code
