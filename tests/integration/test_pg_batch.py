"""pg_batch: statements sent to PostgreSQL in one round trip straight over libpq. Every batch runs
inside the connection's transaction (begun by the batch when needed), answers each statement
with exactly what psycopg would, raises the first failure with psycopg's own error class, and
prepares each statement once per connection."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import errors as pg_errors
from psycopg import pq
from sqlalchemy.pool import NullPool

from puhui.core.errors import InvalidInput
from puhui.storage import engine as engine_module
from puhui.storage import pg_batch
from puhui.storage.driver import Driver
from puhui.storage.engine import make_engine
from puhui.storage.uow import SqlUnitOfWork

ON_POSTGRES = pytest.mark.parametrize("database", ["postgresql"], indirect=True)

INSERT = "INSERT INTO system_state (key, value) VALUES (%s, %s)"
READ = "SELECT value FROM system_state WHERE key = %s"
INTRANS = pq.TransactionStatus.INTRANS
IDLE = pq.TransactionStatus.IDLE


@pytest.fixture
def connection(database: sa.Engine) -> Iterator[psycopg.Connection[Any]]:
    """A new connection, made as the engine makes its own (nothing prepared on it yet)."""
    engine = make_engine(database.url.render_as_string(hide_password=False), poolclass=NullPool)
    pooled = engine.raw_connection()
    try:
        yield pooled.driver_connection
    finally:
        pooled.close()
        engine.dispose()


def _value(engine: sa.Engine, key: str) -> str | None:
    with engine.connect() as other:
        return other.exec_driver_sql(
            "SELECT value FROM system_state WHERE key = %(key)s", {"key": key}
        ).scalar()


TICK = "SELECT nextval('pb_ticks')"  # a sequence moves outside transactions: shows what ran


def _ticks(connection: psycopg.Connection[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP SEQUENCE IF NOT EXISTS pb_ticks")
        value, called = cursor.execute("SELECT last_value, is_called FROM pb_ticks").fetchone() or (
            0,
            False,
        )
    connection.commit()
    return int(value) if called else 0


def _prepared_here(connection: psycopg.Connection[Any]) -> list[str]:
    rows = connection.execute(
        "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'puhui_%%' ORDER BY name"
    ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.postgres
@ON_POSTGRES
def test_one_batch_answers_each_statement_inside_one_transaction_it_began(
    database: sa.Engine, connection: psycopg.Connection[Any]
) -> None:
    assert connection.pgconn.transaction_status == IDLE
    rows = pg_batch.run(
        connection,
        [
            (INSERT, ("pb-a", "1"), False),
            (INSERT, [("pb-b", "2"), ("pb-c", "3")], True),
            ("SELECT key FROM system_state WHERE key LIKE %s ORDER BY key", ("pb-%",), False),
            ("UPDATE system_state SET value = %s WHERE key = %s", ("9", "pb-a"), False),
            (READ, ("pb-a",), False),
        ],
        commit=False,
    )
    assert rows == [None, None, [("pb-a",), ("pb-b",), ("pb-c",)], None, [("9",)]]
    assert connection.pgconn.transaction_status == INTRANS  # not committed: a BEGIN went first
    assert _value(database, "pb-a") is None
    connection.rollback()
    assert pg_batch.run(connection, [(READ, ("pb-a",), False)], commit=False) == [[]]


@pytest.mark.postgres
@ON_POSTGRES
def test_a_batch_with_the_commit_commits(
    database: sa.Engine, connection: psycopg.Connection[Any]
) -> None:
    pg_batch.run(connection, [(INSERT, ("pb-committed", "x"), False)], commit=True)
    assert connection.pgconn.transaction_status == IDLE
    assert _value(database, "pb-committed") == "x"


VALUES = st.tuples(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, max_value=10**12, min_value=-(10**12)
    ),
    st.text(alphabet=st.characters(exclude_characters="\x00", codec="utf-8")),
    st.dates(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.booleans(),
    st.binary(),
    st.none(),
)
TYPED = "SELECT %s::bigint, %s::numeric, %s::text, %s::date, %s::timestamptz, %s, %s, %s::int"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=VALUES)
@pytest.mark.postgres
@ON_POSTGRES
def test_values_go_and_come_back_exactly_as_through_psycopg(
    connection: psycopg.Connection[Any], values: tuple[Any, ...]
) -> None:
    (through_batch,) = pg_batch.run(connection, [(TYPED, values, False)], commit=False)
    through_psycopg = connection.execute(TYPED, values).fetchall()
    assert through_batch == through_psycopg
    assert through_batch is not None
    assert through_batch[0][:2] == values[:2]
    assert isinstance(through_batch[0][1], Decimal)
    connection.rollback()


@pytest.mark.postgres
@ON_POSTGRES
def test_the_first_failure_is_raised_with_its_own_class_and_nothing_after_it_runs(
    database: sa.Engine, connection: psycopg.Connection[Any]
) -> None:
    pg_batch.run(connection, [(INSERT, ("pb-taken", "first"), False)], commit=True)
    ticks = _ticks(connection)
    with pytest.raises(pg_errors.UniqueViolation):
        pg_batch.run(
            connection,
            [
                (TICK, (), False),
                (INSERT, ("pb-after", "x"), False),
                (INSERT, ("pb-taken", "again"), False),
                (TICK, (), False),
                (INSERT, ("pb-skipped", "x"), False),
            ],
            commit=True,
        )
    assert connection.pgconn.transaction_status == pq.TransactionStatus.INERROR
    connection.rollback()
    assert _ticks(connection) == ticks + 1  # the statements after the failure never ran
    assert [_value(database, k) for k in ("pb-taken", "pb-after", "pb-skipped")] == [
        "first",
        None,
        None,
    ]
    pg_batch.run(connection, [(INSERT, ("pb-after", "y"), False)], commit=True)  # usable again
    assert _value(database, "pb-after") == "y"


@pytest.mark.postgres
@ON_POSTGRES
def test_a_statement_that_cannot_be_prepared_fails_the_same_way_every_time(
    connection: psycopg.Connection[Any],
) -> None:
    for _ in range(2):  # (not "prepared statement does not exist" the second time)
        with pytest.raises(pg_errors.UndefinedTable):
            pg_batch.run(connection, [("SELECT * FROM no_such_table", (), False)], commit=False)
        connection.rollback()
    assert _prepared_here(connection) == []


@pytest.mark.postgres
@ON_POSTGRES
def test_a_statement_is_prepared_once_per_connection_and_outlives_a_rollback(
    connection: psycopg.Connection[Any],
) -> None:
    for _ in range(3):
        assert pg_batch.run(connection, [(READ, ("pb-none",), False)], commit=False) == [[]]
        connection.rollback()
    assert _prepared_here(connection) == [pg_batch.numbered(READ).decode()]


@pytest.mark.postgres
@ON_POSTGRES
def test_the_least_recently_used_statement_is_deallocated(
    connection: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_batch, "MAX_PREPARED", 2)
    queries = [f"SELECT {n} + %s" for n in range(3)]
    for query in [*queries, queries[0]]:
        pg_batch.run(connection, [(query, (1,), False)], commit=False)
    kept = [pg_batch.numbered(q).decode() for q in (queries[2], queries[0])]
    assert sorted(_prepared_here(connection)) == sorted(kept)


@pytest.mark.postgres
@ON_POSTGRES
def test_after_deallocate_all_the_failing_batch_is_refused_and_the_next_prepares_again(
    connection: psycopg.Connection[Any],
) -> None:
    pg_batch.run(connection, [(READ, ("pb-none",), False)], commit=False)
    connection.rollback()
    connection.execute("DEALLOCATE ALL")
    with pytest.raises(pg_errors.InvalidSqlStatementName):
        pg_batch.run(connection, [(READ, ("pb-none",), False)], commit=False)
    connection.rollback()
    assert pg_batch.run(connection, [(READ, ("pb-none",), False)], commit=False) == [[]]


@pytest.mark.postgres
@ON_POSTGRES
def test_a_value_that_cannot_be_adapted_stops_the_batch_and_commits_nothing(
    database: sa.Engine, connection: psycopg.Connection[Any]
) -> None:
    ticks = _ticks(connection)
    with pytest.raises(psycopg.ProgrammingError, match="cannot adapt"):
        pg_batch.run(
            connection,
            [
                (INSERT, ("pb-first", "x"), False),
                (INSERT, ("pb-bad", object()), False),
                (TICK, (), False),
            ],
            commit=True,
        )
    # what was queued before it ran, in the open transaction; nothing after it; no COMMIT
    assert connection.pgconn.transaction_status == INTRANS
    assert pg_batch.run(connection, [(READ, ("pb-first",), False)], commit=False) == [[("x",)]]
    connection.rollback()
    assert _ticks(connection) == ticks
    assert [_value(database, k) for k in ("pb-first", "pb-bad")] == [None, None]


@pytest.mark.postgres
@ON_POSTGRES
def test_the_wrong_number_of_values_is_refused_before_anything_is_sent(
    connection: psycopg.Connection[Any],
) -> None:
    with pytest.raises(psycopg.ProgrammingError, match="2 placeholders but 3 parameters"):
        pg_batch.run(connection, [(INSERT, ("pb-k", "v", "extra"), False)], commit=True)
    assert connection.pgconn.transaction_status == INTRANS  # (its BEGIN went out, alone)
    connection.rollback()


@pytest.mark.postgres
@ON_POSTGRES
def test_a_failing_commit_raises_and_commits_nothing(
    connection: psycopg.Connection[Any],
) -> None:
    connection.execute(
        "CREATE TEMP TABLE pb_deferred (k int, CONSTRAINT pb_unique UNIQUE (k) "
        "DEFERRABLE INITIALLY DEFERRED)"
    )
    connection.commit()
    with pytest.raises(pg_errors.UniqueViolation):
        pg_batch.run(
            connection,
            [("INSERT INTO pb_deferred VALUES (%s)", [(1,), (1,)], True)],
            commit=True,
        )
    assert connection.pgconn.transaction_status == IDLE  # the failed COMMIT ended it
    assert connection.execute("SELECT count(*) FROM pb_deferred").fetchone() == (0,)


@pytest.mark.postgres
@ON_POSTGRES
def test_statements_after_a_failure_are_neither_prepared_nor_lost_to_eviction(
    connection: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Parse skipped after a failure is prepared next time; a DEALLOCATE skipped after a
    failure runs in the next batch, so nothing stays on the server unaccounted for."""
    monkeypatch.setattr(pg_batch, "MAX_PREPARED", 2)
    kept = "SELECT 1 + %s"
    pg_batch.run(connection, [(kept, (1,), False), ("SELECT 2 + %s", (1,), False)], commit=False)
    with pytest.raises(pg_errors.DivisionByZero):
        pg_batch.run(
            connection,
            # the first evicts "SELECT 1 + …" (its DEALLOCATE runs, before the failure); the
            # second evicts "SELECT 2 + …", but its DEALLOCATE and Parse come after the failure
            [("SELECT 1 / %s", (0,), False), ("SELECT 3 + %s", (1,), False)],
            commit=False,
        )
    connection.rollback()
    assert pg_batch.run(connection, [("SELECT 3 + %s", (1,), False)], commit=False) == [[(4,)]]
    connection.rollback()
    assert sorted(_prepared_here(connection)) == sorted(
        pg_batch.numbered(q).decode() for q in ("SELECT 1 / %s", "SELECT 3 + %s")
    )


@pytest.mark.postgres
@ON_POSTGRES
def test_values_of_every_size_keep_a_statement_to_a_few_prepared_forms(
    connection: psycopg.Connection[Any],
) -> None:
    sizes = [None, 1, 300, 70_000, 5_000_000_000, -1, -300, -70_000]
    rows = [(size, index) for index, size in enumerate(sizes * 50)]
    pg_batch.run(connection, [("SELECT %s::bigint, %s", rows, True)], commit=False)
    connection.rollback()
    assert 1 < len(_prepared_here(connection)) <= 4 * 2  # (psycopg types an int by its size)


@pytest.mark.postgres
@ON_POSTGRES
def test_the_begin_carries_the_connection_transaction_settings(
    connection: psycopg.Connection[Any],
) -> None:
    connection.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
    connection.read_only = True
    try:
        rows = pg_batch.run(
            connection,
            [("SHOW transaction_isolation", (), False), ("SHOW transaction_read_only", (), False)],
            commit=False,
        )
        assert rows == [[("serializable",)], [("on",)]]
    finally:
        connection.rollback()
        connection.isolation_level = None
        connection.read_only = None


INSERT_MARKED = "INSERT INTO system_state (key, value) VALUES (?, ?)"


def _lose_the_connection_between_two_writes(
    database: sa.Engine, lost: list[psycopg.Connection[Any]]
) -> None:
    with SqlUnitOfWork(database) as uow:
        driver = Driver(uow.connection)
        driver.run(INSERT_MARKED, ("pb-lost", "x"))
        lost.append(uow.connection.connection.driver_connection)
        (pid,) = driver.one("SELECT pg_backend_pid()", ()) or (None,)
        with database.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        driver.run(INSERT_MARKED, ("pb-lost-too", "x"))


@pytest.mark.postgres
@ON_POSTGRES
def test_a_lost_connection_fails_its_unit_of_work_and_the_pool_replaces_it(
    database: sa.Engine,
) -> None:
    lost: list[psycopg.Connection[Any]] = []
    with pytest.raises(psycopg.OperationalError):  # its own error, not one from the rollback
        _lose_the_connection_between_two_writes(database, lost)
    assert lost[0].closed  # nothing half-read is kept
    with SqlUnitOfWork(database) as uow:
        Driver(uow.connection).run(INSERT_MARKED, ("pb-after-loss", "y"))
        uow.commit()
    assert [_value(database, k) for k in ("pb-lost", "pb-lost-too", "pb-after-loss")] == [
        None,
        None,
        "y",
    ]


def test_marks_are_numbered() -> None:
    assert (
        pg_batch.numbered("SELECT %s, %s WHERE x LIKE 'a%%'") == b"SELECT $1, $2 WHERE x LIKE 'a%'"
    )


def test_a_libpq_without_pipeline_mode_is_refused_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test"
    monkeypatch.setattr(engine_module.psycopg.pq, "version", lambda: 130011)
    monkeypatch.setattr(engine_module.psycopg.Pipeline, "is_supported", lambda: False)
    with pytest.raises(InvalidInput, match=r"needs libpq 14 or newer.*uses libpq 13\.11"):
        make_engine(url)
    monkeypatch.setattr(engine_module.psycopg.Pipeline, "is_supported", lambda: True)
    make_engine(url).dispose()  # (connects only when used)


@pytest.mark.postgres
@ON_POSTGRES
def test_a_closed_connection_is_freed_with_what_it_kept(database: sa.Engine) -> None:
    engine = make_engine(database.url.render_as_string(hide_password=False), poolclass=NullPool)
    pooled = engine.raw_connection()
    connection = pooled.driver_connection
    pg_batch.run(connection, [(READ, ("pb-none",), False)], commit=False)
    gone = weakref.ref(connection)
    pooled.close()  # (rolls back, closes)
    engine.dispose()
    del connection, pooled
    gc.collect()
    assert gone() is None
