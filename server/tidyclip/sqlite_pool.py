"""SQLite connections for the derived indexes (search_index.py, stories.py): one per thread, in WAL
mode (readers never wait for the writer) with NORMAL sync (a commit does not fsync: the indexes are
derived, and what a crash loses is redone from the store), and explicit write transactions."""

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


class ThreadConnections:
    """Autocommit connections to one file, one per thread; `close` closes them all."""

    def __init__(self, path: Path, timeout: float = 30):
        self.path, self.timeout = Path(path), timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken at once (BEGIN IMMEDIATE): writers of every process queue here."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def chunks(values: list[Any], size: int = 500) -> Iterable[list[Any]]:
    """`values` a few hundred at a time (SQLite caps the parameters of one statement)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
