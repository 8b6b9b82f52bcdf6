"""SQLite engines: threads of one process take turns for the write lock on a Python lock (the
writer gate), no way of leaving a transaction keeps the gate, and an event loop never waits
long for another process; an SQLite too old for puhui is refused at start."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from puhui.core.errors import InvalidInput
from puhui.storage import engine as engine_module
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.engine import DatabaseBusy, is_lock_wait_timeout, make_engine, read_only
from puhui.storage.uow import SqlUnitOfWork


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "gate.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x INTEGER)")
    return path


def test_a_second_thread_waits_for_the_first_to_commit(database: Path) -> None:
    engine = make_engine(f"sqlite:///{database}")
    order: list[str] = []
    first_holds = threading.Event()

    def second() -> None:
        first_holds.wait()
        with engine.begin() as connection:
            order.append("second begins")
            connection.exec_driver_sql("INSERT INTO t VALUES (2)")

    waiter = threading.Thread(target=second)
    waiter.start()
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        first_holds.set()
        time.sleep(0.2)  # the second thread is now queued on the gate
        order.append("first commits")
    waiter.join(timeout=10)
    assert order == ["first commits", "second begins"]
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT x FROM t ORDER BY rowid").scalars().all()
    assert rows == [1, 2]


def test_leaving_a_transaction_any_way_frees_the_gate(database: Path) -> None:
    engine = make_engine(f"sqlite:///{database}")
    connection = engine.connect()
    connection.exec_driver_sql("SELECT 1")  # autobegin: the gate is taken
    connection.close()  # closed without commit or rollback
    with engine.begin() as again:
        again.exec_driver_sql("INSERT INTO t VALUES (1)")
    with pytest.raises(sa.exc.OperationalError), engine.begin() as failing:
        failing.exec_driver_sql("INSERT INTO missing VALUES (1)")  # rolled back
    abandoned = engine.connect()
    abandoned.exec_driver_sql("SELECT 1")
    del abandoned  # dropped without close: the pool's check-in frees the gate
    gc.collect()
    with engine.begin() as last:
        assert last.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


def test_a_failed_begin_frees_the_gate(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    engine = make_engine(f"sqlite:///{database}")
    other_process = sqlite3.connect(database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with pytest.raises(sa.exc.OperationalError, match="locked"), engine.begin():
        pass
    other_process.execute("COMMIT")
    with engine.begin() as connection:  # the gate was not kept by the failed begin
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")


def test_a_thread_that_waits_too_long_gets_a_clear_retryable_error(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    engine = make_engine(f"sqlite:///{database}")
    holding = threading.Event()
    done = threading.Event()

    def hold() -> None:
        with engine.begin():
            holding.set()
            done.wait(timeout=10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait()
    try:
        with pytest.raises(DatabaseBusy, match="try again") as caught, engine.begin():
            pass
        assert caught.value.retryable
    finally:
        done.set()
        holder.join()


def test_a_report_reads_a_snapshot_while_a_writer_holds_the_lock(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)  # a wrong wait fails fast
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as writer:
        writer.exec_driver_sql("INSERT INTO t VALUES (1)")  # not committed: lock and gate held
        with read_only(engine) as reader:
            assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    with read_only(engine) as reader:
        assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


def test_an_event_loop_thread_does_not_wait_behind_a_long_job(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request on the event loop waits for a short transaction, but gets a 503-mapped
    DatabaseBusy at once when the gate has been held longer than LOOP_WAIT_S."""
    monkeypatch.setattr(engine_module, "LOOP_WAIT_S", 0.2)
    engine = make_engine(f"sqlite:///{database}")

    async def write() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")

    holding, release = threading.Event(), threading.Event()

    def job(seconds: float) -> None:
        with engine.begin():
            holding.set()
            release.wait(timeout=seconds)

    short = threading.Thread(target=job, args=(0.05,))
    short.start()
    holding.wait()
    asyncio.run(write())  # waited for the short transaction
    short.join()

    holding.clear()
    long = threading.Thread(target=job, args=(10,))
    long.start()
    holding.wait()
    time.sleep(0.3)  # the job has held the gate longer than LOOP_WAIT_S
    with pytest.raises(DatabaseBusy, match="long job"):  # not left waiting for the job
        asyncio.run(write())
    release.set()
    long.join()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


def test_a_unit_of_work_that_fails_to_start_frees_the_gate(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 100)
    engine = make_engine(f"sqlite:///{database}")

    def broken_lock(_calendar: CalendarRepository) -> None:
        raise sqlite3.OperationalError("no such table: system_state")

    monkeypatch.setattr(CalendarRepository, "lock", broken_lock)
    with pytest.raises(sqlite3.OperationalError, match="no such table"), SqlUnitOfWork(engine):
        pass
    with engine.begin() as connection:  # no DatabaseBusy: the failed start kept nothing
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")


def test_lock_wait_timeouts_are_recognised_on_both_databases(database: Path) -> None:
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(database, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as busy:
        waiter.execute("INSERT INTO t VALUES (1)")
    holder.execute("ROLLBACK")
    assert is_lock_wait_timeout(busy.value)
    assert is_lock_wait_timeout(sa.exc.OperationalError("INSERT", {}, busy.value))

    class LockNotAvailable(Exception):
        sqlstate = "55P03"

    assert is_lock_wait_timeout(LockNotAvailable())
    assert not is_lock_wait_timeout(ValueError("no"))


def test_on_an_event_loop_another_process_lock_is_waited_for_briefly(database: Path) -> None:
    """A loop thread stops every request of its process while SQLite makes it wait for
    another process (a `puhui eod` from the command line): it waits a second, then gets a
    lock-wait error (503 database_busy), and for the next seconds does not wait at all;
    background threads keep SQLite's 30 s."""
    engine = make_engine(f"sqlite:///{database}")

    def busy_timeout_ms() -> int:
        with engine.begin() as connection:
            return int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())

    async def on_the_loop() -> tuple[int, BaseException, int]:
        waited = busy_timeout_ms()
        holder = sqlite3.connect(database, isolation_level=None)  # another process, in effect
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(sa.exc.OperationalError) as busy, engine.begin() as connection:
                connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return waited, busy.value, busy_timeout_ms()

    waited_first, error, waited_next = asyncio.run(on_the_loop())
    assert waited_first == engine_module.LOOP_WAIT_MS
    assert is_lock_wait_timeout(error)
    assert waited_next == 0  # the other process is busy with a long job: answer at once
    assert busy_timeout_ms() == engine_module.BUSY_TIMEOUT_MS  # off the loop: the long wait
    with engine.begin() as connection:  # the failed start kept neither the gate nor a lock
        connection.exec_driver_sql("INSERT INTO t VALUES (2)")


def test_an_sqlite_too_old_for_returning_is_refused_with_what_to_do(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module.sqlite3, "sqlite_version_info", (3, 34, 1))
    with pytest.raises(InvalidInput, match=r"needs SQLite 3\.35 or newer.*has 3\.34\.1"):
        make_engine(f"sqlite:///{database}")
    monkeypatch.setattr(engine_module.sqlite3, "sqlite_version_info", (3, 35, 0))
    make_engine(f"sqlite:///{database}").dispose()
