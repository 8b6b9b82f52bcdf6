"""The SQLite writer gate: threads of one process take turns for the write lock on a Python
lock, and no way of leaving a transaction keeps the gate."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from puhui.storage import engine as engine_module
from puhui.storage.engine import DatabaseBusy, make_engine, read_only


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
