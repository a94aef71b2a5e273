"""SQLite stores of the shop's services: one database file per service, under DATA_DIR."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any


def db_path(service: str, env: Mapping[str, str] = os.environ) -> Path:
    """<DATA_DIR>/<service>.db; DATA_DIR defaults to ./data (the images set /data)."""
    return Path(env.get("DATA_DIR", "data")) / f"{service}.db"


class Connection:
    """A sqlite3 connection whose execute shortcuts run through a cursor of their own.

    `sqlite3.Connection.execute` (and executemany, executescript) makes its cursor inside C code,
    out of reach of OpenTelemetry's sqlite3 instrumentation, which traces the cursors that
    `connect()` hands out: statements run through the shortcuts would have no spans. Everything
    else is the connection's own."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self._conn.cursor().execute(sql, params)

    def executemany(self, sql: str, params: Iterable[Any]) -> sqlite3.Cursor:
        return self._conn.cursor().executemany(sql, params)

    def executescript(self, script: str) -> sqlite3.Cursor:
        return self._conn.cursor().executescript(script)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def __enter__(self) -> Connection:
        self._conn.__enter__()
        return self

    def __exit__(self, *exc: object) -> Any:
        return self._conn.__exit__(*exc)


def connect(path: Path, *, autocommit: bool = False) -> Connection:
    """A connection with rows by column name that waits up to 5 s for a lock.

    `autocommit=True` leaves transactions to the caller (BEGIN IMMEDIATE ... COMMIT)."""
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None if autocommit else "")
    conn.row_factory = sqlite3.Row
    wrapped = Connection(conn)
    wrapped.execute("PRAGMA busy_timeout = 5000")
    return wrapped


def init_db(
    path: Path,
    schema: str,
    seed: Callable[[Connection], None] | None = None,
) -> None:
    """Create the tables (and seed them) if missing; safe to run on every start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(schema)
        if seed is not None:
            with conn:
                seed(conn)
    logging.getLogger(path.stem).info("database ready at %s", path)
