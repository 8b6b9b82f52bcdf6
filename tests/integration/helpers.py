"""Helpers for integration tests: snapshots of everything a database holds about loans."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa

from puhui.compliance.profile import JurisdictionProfile
from puhui.sim.business import Simulation
from puhui.sim.demo import fund_platform
from puhui.sim.portfolio import plan_portfolio
from puhui.storage.journal_repository import JournalRepository
from puhui.storage.tables import instalments, loans

FIRST_DAY = date(2025, 1, 2)


def simulate(
    engine: sa.Engine,
    profile: JurisdictionProfile,
    *,
    loans_count: int = 60,
    days: int = 120,
    seed: int = 11,
) -> Simulation:
    fund_platform(engine, profile, FIRST_DAY)
    plan = plan_portfolio(loans=loans_count, first_day=FIRST_DAY, booking_days=40, seed=seed)
    simulation = Simulation(engine, profile, plan, seed=seed)
    simulation.run(FIRST_DAY, days)
    return simulation


def snapshot(engine: sa.Engine) -> dict[str, Any]:
    """Loan rows, instalment rows and ledger balances, comparable across runs."""
    with engine.connect() as connection:
        loan_rows = [
            dict(r) for r in connection.execute(sa.select(loans).order_by(loans.c.id)).mappings()
        ]
        rows = [
            tuple(r)
            for r in connection.execute(
                sa.select(instalments).order_by(instalments.c.loan_id, instalments.c.seq)
            )
        ]
        ledger = JournalRepository(connection).balances()
    return {"loans": loan_rows, "instalments": rows, "ledger": ledger}


def count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar() or 0)


def race(target: Callable[..., None], argument_lists: list[tuple[Any, ...]]) -> list[Any]:
    """Run `target(*arguments, barrier, results)` in one spawned process per argument list,
    released together by a barrier; returns what the processes put on `results`."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(argument_lists))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(*arguments, barrier, results))
        for arguments in argument_lists
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return [results.get(timeout=5) for _ in argument_lists]
