"""Write-behind: a queued write is read back by its own transaction, committed with it, dropped
with its rollback, and a failing one takes the whole transaction down (nothing half-written).
On SQLite `later` runs at once; the same assertions hold there."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from psycopg import ProgrammingError
from psycopg import errors as pg_errors

from puhui.storage import write_behind
from puhui.storage.driver import Driver
from puhui.storage.tables import system_state
from puhui.storage.uow import SqlUnitOfWork

INSERT = "INSERT INTO system_state (key, value) VALUES (?, ?)"
READ = "SELECT value FROM system_state WHERE key = ?"


def _value(engine: sa.Engine, key: str) -> str | None:
    with engine.connect() as connection:
        return connection.execute(
            sa.select(system_state.c.value).where(system_state.c.key == key)
        ).scalar()


def _pending(uow: SqlUnitOfWork) -> int:
    return len(uow.connection.connection.info.get(write_behind.PENDING, []))


def test_a_queued_write_is_read_back_and_committed_with_the_transaction(
    database: sa.Engine,
) -> None:
    with SqlUnitOfWork(database) as uow:
        driver = Driver(uow.connection)
        queued = _pending(uow)  # (on PostgreSQL, the calendar's lock)
        driver.later(INSERT, ("wb-plain", "a"))
        driver.many_later(INSERT, [("wb-many-1", "b"), ("wb-many-2", "c")])
        assert _pending(uow) == queued + (2 if driver.postgres else 0)
        assert driver.one(READ, ("wb-plain",)) == ("a",)  # plain SQL sees it
        assert _pending(uow) == 0
        driver.later("UPDATE system_state SET value = ? WHERE key = ?", ("B", "wb-many-1"))
        core = uow.connection.execute(  # and so does SQLAlchemy Core
            sa.select(system_state.c.value).where(system_state.c.key == "wb-many-1")
        ).scalar()
        assert core == "B"
        driver.later("UPDATE system_state SET value = ? WHERE key = ?", ("C", "wb-many-2"))
        uow.commit()
    assert [_value(database, k) for k in ("wb-plain", "wb-many-1", "wb-many-2")] == ["a", "B", "C"]


def test_a_rollback_drops_the_queue(database: sa.Engine) -> None:
    with SqlUnitOfWork(database) as uow:
        Driver(uow.connection).later(INSERT, ("wb-dropped", "x"))
        uow.rollback()
        assert _pending(uow) == 0
    with SqlUnitOfWork(database) as uow:
        Driver(uow.connection).later(INSERT, ("wb-kept", "y"))
        uow.commit()
    with SqlUnitOfWork(database) as uow:  # left without a commit: rolled back
        Driver(uow.connection).later(INSERT, ("wb-abandoned", "z"))
    assert _value(database, "wb-dropped") is None
    assert _value(database, "wb-abandoned") is None
    assert _value(database, "wb-kept") == "y"


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_failing_queued_write_fails_the_commit_and_nothing_is_written(
    database: sa.Engine,
) -> None:
    with SqlUnitOfWork(database) as uow:
        Driver(uow.connection).run(INSERT, ("wb-taken", "first"))
        uow.commit()
    with SqlUnitOfWork(database) as uow:
        driver = Driver(uow.connection)
        driver.later(INSERT, ("wb-before", "1"))
        driver.later(INSERT, ("wb-taken", "again"))  # a duplicate key: queued, not yet sent
        driver.later(INSERT, ("wb-after", "2"))
        with pytest.raises(pg_errors.UniqueViolation):
            uow.commit()
    assert _value(database, "wb-before") is None
    assert _value(database, "wb-after") is None
    assert _value(database, "wb-taken") == "first"
    with SqlUnitOfWork(database) as uow:  # the pooled connection is clean again
        assert Driver(uow.connection).one(READ, ("wb-taken",)) == ("first",)


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_after_a_failed_send_the_transaction_cannot_be_committed(database: sa.Engine) -> None:
    """A caller that catches the error of a failing queued write and commits anyway must not
    commit the writes sent before it: the commit is refused and nothing is written."""
    with SqlUnitOfWork(database) as uow:
        driver = Driver(uow.connection)
        driver.later(INSERT, ("wb-partial", "1"))  # sent, and run by the server...
        driver.later(INSERT, ("wb-unsendable", object()))  # ...before this fails in psycopg
        with pytest.raises(ProgrammingError):
            driver.one(READ, ("wb-partial",))
        with pytest.raises(pg_errors.InFailedSqlTransaction):
            uow.commit()
    assert _value(database, "wb-partial") is None


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_an_engine_without_write_behind_runs_writes_at_once(database: sa.Engine) -> None:
    """Only engines from make_engine keep SQLAlchemy's statements and rollbacks in order with
    the queue; on any other engine a `later` write runs at once."""
    plain = sa.create_engine(database.url)
    try:
        with plain.connect() as connection:
            connection.begin()
            Driver(connection).later(INSERT, ("wb-plain-engine", "x"))
            assert not connection.connection.info.get(write_behind.PENDING)
            connection.commit()
    finally:
        plain.dispose()
    assert _value(database, "wb-plain-engine") == "x"


def test_the_calendar_lock_travels_with_the_first_statement(database: sa.Engine) -> None:
    with SqlUnitOfWork(database) as uow:
        uow.calendar.mark_closed(date(2026, 1, 31))
        uow.commit()
    with SqlUnitOfWork(database) as uow:
        assert _pending(uow) == (1 if database.dialect.name == "postgresql" else 0)
        assert uow.calendar.last_closed_date() == date(2026, 1, 31)
        assert _pending(uow) == 0


def test_reads_returns_each_querys_rows_in_order(database: sa.Engine) -> None:
    with SqlUnitOfWork(database) as uow:
        driver = Driver(uow.connection)
        driver.later(INSERT, ("wb-r1", "one"))
        first, missing, both = driver.reads(
            (READ, ("wb-r1",)),
            (READ, ("wb-none",)),
            ("SELECT key FROM system_state WHERE key LIKE ? ORDER BY key", ("wb-r%",)),
        )
        assert first == [("one",)]
        assert missing == []
        assert both == [("wb-r1",)]
