"""The credit-line batch jobs: the statement run cuts what the one-line command cuts, once, and
resumes after a crash; the daily pass judges due dates and expires stale holds."""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from puhui.batch.line_jobs import run_line_day, run_line_statements
from puhui.batch.verify import verify
from puhui.core.errors import PuhuiError
from puhui.lines import service
from puhui.storage.engine import make_engine
from puhui.storage.uow import SqlUnitOfWork
from tests.integration.lines_helpers import NET_ASSETS, open_line

STATEMENT = date(2026, 2, 5)


def _activity(engine: sa.Engine, lines: int = 12, seed: int = 3) -> list[int]:
    """Lines on statement day 5 with purchases, cash, refunds, payments and a conversion."""
    rng = random.Random(seed)
    ids = [open_line(engine, borrower=f"b-{n}").line_id for n in range(lines)]
    with SqlUnitOfWork(engine) as uow:
        for line_id in ids:
            day = date(2026, 1, 3)
            for n in range(rng.randint(0, 6)):
                day += timedelta(rng.randint(0, 4))
                order, amount = f"o{n}", rng.randint(1_000, 200_000)
                try:
                    service.authorise(
                        uow,
                        line_id=line_id,
                        order_id=order,
                        amount_minor=amount,
                        as_of=day,
                        net_assets_minor=NET_ASSETS,
                    )
                    if rng.random() < 0.8:
                        service.capture(
                            uow, line_id=line_id, order_id=order, amount_minor=amount, as_of=day
                        )
                    if rng.random() < 0.2:
                        service.refund(
                            uow,
                            line_id=line_id,
                            order_id=order,
                            amount_minor=amount // 2,
                            as_of=day,
                            idempotency_key=f"r{line_id}{n}",
                        )
                    if rng.random() < 0.2:
                        service.convert(
                            uow,
                            line_id=line_id,
                            order_id=order,
                            periods=3,
                            as_of=day,
                            idempotency_key=f"c{line_id}{n}",
                        )
                except PuhuiError:
                    pass
            if rng.random() < 0.5:
                service.draw_cash(
                    uow,
                    line_id=line_id,
                    amount_minor=rng.randint(100, 50_000),
                    as_of=day,
                    idempotency_key=f"cash{line_id}",
                    net_assets_minor=NET_ASSETS,
                )
        uow.commit()
    return ids


def _rows(engine: sa.Engine) -> tuple[list[Any], list[Any]]:
    with engine.connect() as connection:
        lines = connection.exec_driver_sql("SELECT * FROM credit_lines ORDER BY id").all()
        statements = connection.exec_driver_sql(
            "SELECT line_id, statement_date, document FROM line_statements ORDER BY line_id"
        ).all()
    return [tuple(row) for row in lines], [tuple(row) for row in statements]


def _copy_of(template: Path, path: Path) -> sa.Engine:
    shutil.copy(template, path)
    return make_engine(f"sqlite:///{path}")


def test_the_run_cuts_exactly_what_the_one_line_command_cuts(
    sqlite_template: Path, tmp_path: Path
) -> None:
    one_by_one = _copy_of(sqlite_template, tmp_path / "a.db")
    batch = _copy_of(sqlite_template, tmp_path / "b.db")
    ids = _activity(one_by_one)
    assert _activity(batch) == ids
    with SqlUnitOfWork(one_by_one) as uow:
        for line_id in ids:
            service.cut_statement(uow, line_id=line_id, as_of=STATEMENT)
        uow.commit()
    summary = run_line_statements(batch, STATEMENT, chunk_size=5)
    assert summary.lines == len(ids)
    assert summary.statement_balance_minor > 0
    lines_a, statements_a = _rows(one_by_one)
    lines_b, statements_b = _rows(batch)
    assert lines_a == lines_b
    assert statements_a == statements_b
    assert any('"instalment_parts": [{' in str(row[2]) for row in statements_b)
    assert verify(batch).ok
    assert verify(one_by_one).ok


def test_an_interrupted_run_resumes_and_cuts_no_statement_twice(database: sa.Engine) -> None:
    ids = _activity(database)
    seen = []

    def crash_after_first_chunk(done: int) -> None:
        seen.append(done)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_line_statements(database, STATEMENT, chunk_size=5, progress=crash_after_first_chunk)
    rest = run_line_statements(database, STATEMENT, chunk_size=5)
    again = run_line_statements(database, STATEMENT, chunk_size=5)
    assert seen == [5]
    assert rest.lines == len(ids) - 5
    assert again.lines == 0
    _, statements = _rows(database)
    assert len(statements) == len(ids)
    report = verify(database)
    assert report.ok, [c for c in report.checks if not c.ok]


def test_the_daily_pass_charges_a_missed_minimum_and_expires_stale_holds(
    database: sa.Engine,
) -> None:
    late = open_line(database, borrower="late").line_id
    holder = open_line(database, borrower="holder").line_id
    with SqlUnitOfWork(database) as uow:
        for line_id in (late, holder):
            service.authorise(
                uow,
                line_id=line_id,
                order_id="o",
                amount_minor=100_000,
                as_of=date(2026, 1, 10),
                net_assets_minor=NET_ASSETS,
            )
        service.capture(
            uow, line_id=late, order_id="o", amount_minor=100_000, as_of=date(2026, 1, 10)
        )
        service.cut_statement(uow, line_id=late, as_of=STATEMENT)  # due 25 Feb, minimum 50
        uow.commit()
    assert run_line_day(database, date(2026, 1, 17)).lines == 0  # nothing due, hold still live
    first = run_line_day(database, date(2026, 2, 26))
    again = run_line_day(database, date(2026, 2, 26))
    assert (first.lines, first.late_fees_charged, first.holds_expired) == (2, 1, 1)
    assert again.lines == 0
    with SqlUnitOfWork(database) as uow:
        line = uow.lines.get(late, on=date(2026, 2, 26))
        assert line.overdue_since == date(2026, 2, 25)
        assert line.balances.fee_minor == 2_000
        assert uow.exposure.outstanding_principal("holder") == 0
    report = verify(database)
    assert report.ok, [c for c in report.checks if not c.ok]
