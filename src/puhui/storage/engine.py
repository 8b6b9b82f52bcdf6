"""Database engines: the URL from `PUHUI_DATABASE_URL`, SQLite tuned for a single-writer ledger.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with BEGIN IMMEDIATE
so that a unit of work holds the write lock from its first read: two writers never interleave
read-modify-write on the same loan. PostgreSQL gets the same guarantee from SELECT … FOR UPDATE.
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

DEFAULT_SQLITE_FILE = "puhui.db"
BUSY_TIMEOUT_MS = 30_000


def database_url() -> str:
    """`PUHUI_DATABASE_URL`, or a SQLite file `puhui.db` in the working directory."""
    return os.environ.get("PUHUI_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_FILE}"


def _tune_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB page cache for batch jobs
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """An engine for `url` (default: `database_url()`), tuned for its dialect."""
    url = url or database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine
