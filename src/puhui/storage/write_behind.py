"""Write-behind on PostgreSQL: a write whose result nobody reads travels with the next round trip.

On PostgreSQL every statement is a round trip to another process, and on a small machine each
one costs more than the statement: two context switches, and the request's worker waiting for
a core. A checkout wrote four statements and then committed: five round trips for work that
needs one. So the hot writes (a line and its order and event, a loan's schedule and postings,
the idempotency record) are queued on the connection, and sent in one pipeline (psycopg's
pipeline mode) with whatever needs the server next:

- the next read on the same connection, so a transaction always reads its own writes;
- or the COMMIT: `SqlUnitOfWork.commit` sends the queue and the COMMIT together.

A rollback drops the queue. A queued write that fails (a bug: nothing queued is expected to fail)
raises at that next read or at the commit, and the transaction is rolled back as a whole:
nothing is half-written. SQLite is in-process and has no round trips; there writes run at once.

Pipeline mode has a cost of its own (psycopg's machinery, measured at about 20 µs of CPU per
pipeline on this machine): one statement alone is sent plainly, and psycopg's implicit BEGIN
keeps its own round trip (sending it in a pipeline with the first read measured slower).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

PENDING = "puhui_pending_writes"

Write = tuple[str, Any, bool]  # (SQL with %s marks, parameters or rows, executemany?)


def queue(raw: Any, sql: str, params: Any, *, many: bool = False) -> None:
    """Queue a write on `raw` (a pooled DBAPI connection) for its next round trip."""
    raw.info.setdefault(PENDING, []).append((sql, params, many))


def _take(raw: Any) -> list[Write]:
    pending: list[Write] | None = raw.info.get(PENDING)
    if not pending:
        return []
    raw.info[PENDING] = []
    return pending


def has_pending(raw: Any) -> bool:
    return bool(raw.info.get(PENDING))


def execute(raw: Any, statements: Sequence[tuple[Any, str, Any, bool]]) -> None:
    """Send the queued writes and `statements` — (cursor, SQL, parameters, executemany?) —
    in one pipeline; each statement's result is on its cursor afterwards."""
    pending = _take(raw)
    connection = raw.driver_connection
    with connection.pipeline():
        _send(connection, pending)
        for cursor, sql, params, many in statements:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)


def _send(connection: Any, pending: list[Write]) -> None:
    if not pending:
        return
    cursor = connection.cursor()
    for sql, params, many in pending:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)


def flush(raw: Any, *, commit: bool = False) -> None:
    """Send the queued writes (and, with `commit`, the COMMIT) in one round trip."""
    pending = _take(raw)
    if not pending:
        return
    connection = raw.driver_connection
    with connection.pipeline():
        _send(connection, pending)
        if commit:
            connection.commit()


def drop(raw: Any) -> None:
    raw.info.pop(PENDING, None)


def install(engine: sa.Engine) -> None:
    """Keep SQLAlchemy's own statements in order with the queue (PostgreSQL engines)."""

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_statement(connection: sa.Connection, *_args: Any) -> None:
        if connection.connection.info.get(PENDING):
            flush(connection.connection)

    @sa.event.listens_for(engine, "commit")
    def _before_commit(connection: sa.Connection) -> None:
        flush(connection.connection)

    @sa.event.listens_for(engine, "rollback")
    def _on_rollback(connection: sa.Connection) -> None:
        drop(connection.connection)

    @sa.event.listens_for(engine, "reset")
    def _on_reset(_dbapi: Any, record: Any, _reset_state: Any) -> None:
        record.info.pop(PENDING, None)
