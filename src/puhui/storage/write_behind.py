"""Write-behind on PostgreSQL: a write whose result nobody reads travels with the next round trip.

On PostgreSQL every statement is a round trip to another process, and on a small machine each
one costs more than the statement: two context switches, and the request's worker waiting for
a core. A checkout wrote four statements and then committed: five round trips for work that
needs one. So the hot writes (a line and its order and event, a loan's schedule and postings,
the idempotency record), the advisory locks and the calendar's shared lock (whose rows a
callback receives) are queued on the connection, and sent in one batch (`pg_batch`: one write,
one answer) with whatever needs the server next:

- the next read on the same connection, so a transaction always reads its own writes;
- or the COMMIT: `SqlUnitOfWork.commit` sends the queue and the COMMIT together.

A rollback drops the queue. A queued write that fails (a bug: nothing queued is expected to fail)
raises at that next read or at the commit. Any failure while sending rolls the transaction back
at once (or closes the connection, when the batch could not be read to its end) and marks the
connection: until the caller rolls back too, it refuses to send or commit anything more, so a
caller that catches the error can never commit half a transaction. SQLite
is in-process and has no round trips; there writes run at once, as on an engine that was not
made by `storage.engine.make_engine` (see `installed`).

The transaction's BEGIN goes with the first batch too.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

import psycopg
import sqlalchemy as sa

from puhui.storage import pg_batch

PENDING = "puhui_pending_writes"
FAILED = "puhui_send_failed"
_INSTALLED: weakref.WeakSet[sa.Engine] = weakref.WeakSet()

Statement = pg_batch.Statement
Rows = pg_batch.Rows
Then = Callable[[list[tuple[Any, ...]]], None]
Queued = tuple[str, Any, bool, Then | None]


def queue(raw: Any, sql: str, params: Any, *, many: bool = False, then: Then | None = None) -> None:
    """Queue a statement on `raw` (a pooled DBAPI connection) for its next round trip; `then`
    gets its rows when they come (a read whose answer is not needed at once: the calendar)."""
    raw.info.setdefault(PENDING, []).append((sql, params, many, then))


def installed(engine: sa.Engine) -> bool:
    """Whether `engine` keeps SQLAlchemy's statements, commits and rollbacks in order with the
    queue; on any other engine nothing may be queued."""
    return engine in _INSTALLED


def _take(raw: Any) -> list[Queued]:
    pending: list[Queued] | None = raw.info.get(PENDING)
    if not pending:
        return []
    raw.info[PENDING] = []
    return pending


def run(raw: Any, statements: Sequence[Statement]) -> list[Rows]:
    """Send the queued writes and `statements` in one round trip, and return each statement's
    rows."""
    return _send(raw, statements, commit=False)


def flush(raw: Any, *, commit: bool = False) -> None:
    """Send the queued writes (and, with `commit`, the COMMIT) in one round trip. A queued read
    (the calendar's lock) goes first, on its own: rows are read only after a batch is answered,
    and a batch that ends with the COMMIT must not fail after it has committed."""
    if commit and any(then is not None for *_, then in raw.info.get(PENDING) or ()):
        _send(raw, (), commit=False)
    if raw.info.get(PENDING) or raw.info.get(FAILED):
        _send(raw, (), commit=commit)


def _send(raw: Any, statements: Sequence[Statement], *, commit: bool) -> list[Rows]:
    if raw.info.get(FAILED):
        raise psycopg.errors.InFailedSqlTransaction(
            "an earlier statement of this transaction failed and it was rolled back; roll back "
            "before using the connection again"
        )
    pending = _take(raw)
    todo = [*((sql, params, many) for sql, params, many, _ in pending), *statements]
    connection = raw.driver_connection
    try:
        rows = pg_batch.run(connection, todo, commit=commit)
    except BaseException:
        raw.info[FAILED] = True  # until the caller rolls back (see `drop`)
        if not connection.closed:  # (pg_batch closes a connection it could not read to the end)
            with suppress(psycopg.Error):  # (a broken connection: the original error matters)
                connection.rollback()  # nothing sent so far can be committed by a later call
        raise
    for (*_, then), answer in zip(pending, rows, strict=False):
        if then is not None:
            then(answer or [])
    return rows[len(pending) :]


def drop(raw: Any) -> None:
    raw.info.pop(PENDING, None)
    raw.info.pop(FAILED, None)


def install(engine: sa.Engine) -> None:
    """Keep SQLAlchemy's own statements in order with the queue (PostgreSQL engines)."""
    _INSTALLED.add(engine)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_statement(connection: sa.Connection, *_args: Any) -> None:
        if connection.connection.info.get(PENDING):
            flush(connection.connection)

    @sa.event.listens_for(engine, "commit")
    def _before_commit(connection: sa.Connection) -> None:
        flush(connection.connection)

    @sa.event.listens_for(engine, "rollback")
    def _on_rollback(connection: sa.Connection) -> None:
        if not connection.invalidated:  # (an invalidated connection's info is gone anyway)
            drop(connection.connection)

    @sa.event.listens_for(engine, "reset")
    def _on_reset(_dbapi: Any, record: Any, _reset_state: Any) -> None:
        record.info.pop(PENDING, None)
        record.info.pop(FAILED, None)
