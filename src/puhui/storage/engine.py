"""Database engines: the URL from `PUHUI_DATABASE_URL`, SQLite tuned for a single-writer ledger.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with BEGIN IMMEDIATE
so that a unit of work holds the write lock from its first read: two writers never interleave
read-modify-write on the same loan. PostgreSQL gets the same guarantee from SELECT … FOR UPDATE.

Threads of one process also queue for that lock on a Python lock (the writer gate) before they
ask SQLite for it. SQLite's own wait is a sleep-and-retry ladder (1, 2, 5, 10, 15, 20, 25 … ms):
under a server's load a thread slept long after the lock was free, which left the CPU idle and
made the slowest requests wait tens of milliseconds. The gate wakes the next thread the moment
the lock is released. Other processes meet SQLite's busy timeout: 30 s for a background
thread; a thread that runs an event loop (its wait stops every request of the process) waits
a second, and after such a wait ran out not at all for the next five seconds, answering 503
`database_busy` at once while the other process's long job goes on.

Reports read through `read_only(engine)`: on SQLite their transactions start deferred (a WAL
snapshot, neither the write lock nor the gate), so a dashboard over a large book never holds a
payment up.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from puhui.core.errors import InvalidInput, PuhuiError
from puhui.storage import write_behind

DEFAULT_SQLITE_FILE = "puhui.db"
MIN_SQLITE = (3, 35)  # INSERT … RETURNING (the journal's insert-unless-posted)
BUSY_TIMEOUT_MS = 30_000
LOOP_WAIT_S = 1.0  # the longest an event-loop thread waits for the writer gate
LOOP_WAIT_MS = int(LOOP_WAIT_S * 1000)  # … and for another process's write lock,
OTHER_PROCESS_BACKOFF_S = 5.0  # then not at all for this long (see _loop_busy_timeout_ms)
_BUSY_MS = "puhui_sqlite_busy_timeout_ms"
_GATE_HELD = "puhui_writer_gate_held"
_READ_ONLY = "puhui_read_only"


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
        _record.info[_BUSY_MS] = BUSY_TIMEOUT_MS

    gate = threading.Lock()
    taken_at = [0.0]  # when the gate was last taken (monotonic seconds)
    # when a loop thread last waited out another process's write lock (monotonic seconds)
    outwaited_at = [float("-inf")]

    def _loop_busy_timeout_ms() -> int:
        """A loop thread waits a second for another process's write lock, and not at all
        for OTHER_PROCESS_BACKOFF_S after such a wait ran out: the other process runs a long
        job (an end-of-day from the command line), and every wait stops the whole loop."""
        if time.monotonic() - outwaited_at[0] < OTHER_PROCESS_BACKOFF_S:
            return 0
        return LOOP_WAIT_MS

    def _take_gate(*, on_loop: bool) -> None:
        """Wait for the gate. A thread that runs an event loop (the API's one-subject routes)
        holds up every request of its process while it waits, so it waits at most
        LOOP_WAIT_S, and not at all once the holder has had the gate that long (a long job:
        end-of-day, a verification); it gets DatabaseBusy (503, try again) instead."""
        if not on_loop:
            if gate.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
                taken_at[0] = time.monotonic()
                return
            raise DatabaseBusy(
                f"another transaction of this process held the database for over "
                f"{BUSY_TIMEOUT_MS // 1000} s; try again when it has finished"
            )
        if gate.acquire(blocking=False) or (
            time.monotonic() - taken_at[0] < LOOP_WAIT_S and gate.acquire(timeout=LOOP_WAIT_S)
        ):
            taken_at[0] = time.monotonic()
            return
        raise DatabaseBusy(
            "the database is busy with a long job (end-of-day, a verification); "
            "try again in a few seconds"
        )

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # deferred: a snapshot to read, no lock
            return
        on_loop = _on_event_loop()
        _take_gate(on_loop=on_loop)
        connection.info[_GATE_HELD] = True
        try:
            # Another process (a `puhui eod` from the command line) is met by SQLite's own
            # busy wait; on an event loop it would stop every request of the process for as
            # long, so there it is short: then 503, try again.
            _set_busy_timeout(connection, _loop_busy_timeout_ms() if on_loop else BUSY_TIMEOUT_MS)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException as error:
            if on_loop and is_lock_wait_timeout(error):
                outwaited_at[0] = time.monotonic()
            _release(connection)
            raise

    def _release(connection: sa.Connection) -> None:
        _release_record(connection.info)

    def _release_record(info: dict[Any, Any]) -> None:
        if info.pop(_GATE_HELD, False):
            gate.release()

    sa.event.listen(engine, "commit", _release)
    sa.event.listen(engine, "rollback", _release)
    # a connection that goes back to the pool (or is collected) never keeps the gate
    sa.event.listen(engine, "checkin", lambda _dbapi, record: _release_record(record.info))


def _set_busy_timeout(connection: sa.Connection, milliseconds: int) -> None:
    """SQLite's busy timeout on this connection (set only when it changes)."""
    info = connection.connection.info
    if info.get(_BUSY_MS) != milliseconds:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(milliseconds)}")
        info[_BUSY_MS] = milliseconds


def _check_sqlite_version(version: tuple[int, ...]) -> None:
    if version < MIN_SQLITE:
        wanted = ".".join(map(str, MIN_SQLITE))
        raise InvalidInput(
            f"puhui needs SQLite {wanted} or newer, and this Python's sqlite3 module has "
            f"{'.'.join(map(str, version))}; use a newer Python build (or PostgreSQL: "
            "PUHUI_DATABASE_URL=postgresql://…)"
        )


def _check_libpq() -> None:
    """pg_batch sends in libpq's pipeline mode, which libpq (and the libpq psycopg was built
    against) has from version 14."""
    if not psycopg.Pipeline.is_supported():
        version = psycopg.pq.version()
        raise InvalidInput(
            f"puhui needs libpq 14 or newer for PostgreSQL, and psycopg uses libpq "
            f"{version // 10000}.{version % 10000}; "
            "install psycopg[binary], which ships its own (`pip install 'psycopg[binary]'`)"
        )


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def is_lock_wait_timeout(error: BaseException) -> bool:
    """A database error that means "a lock was held too long; the same request can succeed
    later": PostgreSQL's lock_timeout (SQLSTATE 55P03) or SQLite's busy timeout. Checked by
    attribute, so callers need not import either driver."""
    cause = getattr(error, "orig", None) or error
    return getattr(cause, "sqlstate", None) == "55P03" or getattr(
        cause, "sqlite_errorname", None
    ) in ("SQLITE_BUSY", "SQLITE_LOCKED")


def read_only(engine: Engine) -> sa.Connection:
    """A connection to read with (reports, dashboards); it must not write. On SQLite its
    transactions take neither the write lock nor the writer gate."""
    return engine.connect().execution_options(**{_READ_ONLY: True})


class DatabaseBusy(PuhuiError):
    """The database stayed locked by a long transaction (an end-of-day run, say)."""

    code = "database_busy"
    retryable = True


def psycopg_url(url: str) -> str:
    """A PostgreSQL URL with its driver named (psycopg 3)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str | None = None, **options: Any) -> Engine:
    """An engine for `url` (default: `database_url()`), tuned for its dialect."""
    url = psycopg_url(url or database_url())
    if sa.engine.make_url(url).get_backend_name() == "postgresql":
        _check_libpq()
        # psycopg's own preparing is off: after any rollback it deallocates every prepared
        # statement of the connection, those `pg_batch` prepared for the hot paths included.
        options["connect_args"] = {"prepare_threshold": None, **options.get("connect_args", {})}
    engine = sa.create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        _check_sqlite_version(sqlite3.sqlite_version_info)
        _tune_sqlite(engine)
    else:
        write_behind.install(engine)
    return engine
