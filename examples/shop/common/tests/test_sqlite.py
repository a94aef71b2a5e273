import sqlite3
import tempfile
import unittest
from contextlib import closing
from pathlib import Path
from unittest import mock

from shopkit.sqlite import connect, init_db


class SqliteTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name) / "t.db"
        init_db(self.path, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT);")

    def tearDown(self):
        self.dir.cleanup()

    def test_rows_by_name_and_transactions(self):
        with closing(connect(self.path)) as conn:
            with conn:
                conn.executemany("INSERT INTO t (name) VALUES (?)", [("a",), ("b",)])
            row = conn.execute("SELECT count(*) AS n FROM t").fetchone()
            self.assertEqual(row["n"], 2)
            with self.assertRaises(sqlite3.IntegrityError), conn:
                conn.execute("INSERT INTO t (id, name) VALUES (1, 'dup')")
            self.assertEqual(conn.execute("SELECT count(*) FROM t").fetchone()[0], 2)

    def test_every_statement_runs_on_a_cursor_of_the_connection(self):
        # What OpenTelemetry's sqlite3 instrumentation traces: cursors from connect().
        with closing(connect(self.path, autocommit=True)) as conn:
            real = conn._conn
            spy = mock.MagicMock(wraps=real.cursor)
            conn._conn = mock.MagicMock(wraps=real, cursor=spy)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (name) VALUES (?)", ("c",))
            conn.execute("COMMIT")
            conn.executescript("SELECT 1;")
            self.assertEqual(spy.call_count, 4)


if __name__ == "__main__":
    unittest.main()
