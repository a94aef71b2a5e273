"""SQLite stores of the shop's services: one database file per service, under DATA_DIR."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Mapping
from contextlib import closing
from pathlib import Path


def db_path(service: str, env: Mapping[str, str] = os.environ) -> Path:
    """<DATA_DIR>/<service>.db; DATA_DIR defaults to ./data (the images set /data)."""
    return Path(env.get("DATA_DIR", "data")) / f"{service}.db"


def connect(path: Path, *, autocommit: bool = False) -> sqlite3.Connection:
    """A connection with rows by column name that waits up to 5 s for a lock.

    `autocommit=True` leaves transactions to the caller (BEGIN IMMEDIATE ... COMMIT)."""
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None if autocommit else "")
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def init_db(
    path: Path,
    schema: str,
    seed: Callable[[sqlite3.Connection], None] | None = None,
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
