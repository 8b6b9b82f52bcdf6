"""End-of-day on a real database: the vectorised batch agrees with the one-loan engine, a run
killed midway and rerun ends exactly where an uninterrupted run does, and skipped days are
caught up exactly as if run one by one."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from puhui.batch.eod import run_eod
from puhui.batch.verify import verify
from puhui.compliance.profile import JurisdictionProfile
from puhui.loans import service
from puhui.loans.errors import BusinessDateClosed
from puhui.loans.events import replay
from puhui.loans.products import with_changes
from puhui.loans.service import check_business_date
from puhui.storage.engine import make_engine
from puhui.storage.loan_repository import loan_state_columns
from puhui.storage.uow import SqlUnitOfWork
from tests.conftest import _reset_postgres
from tests.integration.helpers import FIRST_DAY, simulate, snapshot


def test_batch_end_of_day_matches_the_one_loan_engine_for_every_loan(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    simulate(database, profile, loans_count=80, days=200)
    with database.connect() as connection:
        ids = connection.exec_driver_sql("SELECT id FROM loans ORDER BY id").scalars().all()
    assert_batch_matches_replay(database, profile, ids)


def assert_batch_matches_replay(
    database: sa.Engine, profile: JurisdictionProfile, loan_ids: list[int]
) -> None:
    """Every loan as end-of-day left it equals its replay through the one-loan engine, and
    the ledger verifies."""
    with SqlUnitOfWork(database, profile) as uow:
        closed = uow.calendar.last_closed_date()
        assert closed is not None
        for loan_id in loan_ids:
            stored = uow.loans.get(loan_id, for_update=False)
            rebuilt = replay(
                loan_id=loan_id,
                product=stored.product,
                terms=stored.terms,
                funder=stored.funder,
                events=uow.events.for_loan(loan_id),
                to_day=max(closed, stored.opened_through),
                facility_id=stored.facility_id,
            )
            rebuilt.close_through(closed)  # end-of-day has run on `closed` too
            expected = loan_state_columns(rebuilt, profile)
            actual = loan_state_columns(stored, profile)
            expected.pop("opened_through")
            actual.pop("opened_through")
            assert actual == expected, f"loan {loan_id} differs from its replay"
            assert stored.rows == rebuilt.rows
    report = verify(database)
    assert report.ok, [c for c in report.checks if not c.ok]


class Interrupted(Exception):
    pass


def _fresh(database: sa.Engine, tmp_path: Path, template: Path, name: str) -> sa.Engine:
    if database.dialect.name == "sqlite":
        path = tmp_path / name
        shutil.copy(template, path)
        return make_engine(f"sqlite:///{path}")
    _reset_postgres(database)
    return database


def test_a_run_killed_midway_and_rerun_equals_an_uninterrupted_run(
    database: sa.Engine,
    profile: JurisdictionProfile,
    tmp_path: Path,
    sqlite_template: Path,
) -> None:
    through = FIRST_DAY + timedelta(days=100)
    simulate(database, profile, days=60)
    run_eod(database, through, profile, chunk_size=7)
    uninterrupted = snapshot(database)

    engine = _fresh(database, tmp_path, sqlite_template, "second.db")
    simulate(engine, profile, days=60)
    chunks_seen: list[int] = []

    def crash(day: date, first_id: int) -> None:
        chunks_seen.append(first_id)
        if day == FIRST_DAY + timedelta(days=80) and len(chunks_seen) > 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        run_eod(engine, through, profile, chunk_size=7, after_chunk=crash)
    with SqlUnitOfWork(engine, profile) as uow, pytest.raises(BusinessDateClosed, match="running"):
        check_business_date(uow.calendar, through)
    run_eod(engine, through, profile, chunk_size=7)
    assert snapshot(engine) == uninterrupted
    assert verify(engine).ok


def test_skipped_days_are_caught_up_exactly_and_a_rerun_does_nothing(
    database: sa.Engine,
    profile: JurisdictionProfile,
    tmp_path: Path,
    sqlite_template: Path,
) -> None:
    through = FIRST_DAY + timedelta(days=90)
    simulate(database, profile, days=45)
    for offset in range(46, 91):
        run_eod(database, FIRST_DAY + timedelta(days=offset), profile)
    day_by_day = snapshot(database)

    engine = _fresh(database, tmp_path, sqlite_template, "catch-up.db")
    simulate(engine, profile, days=45)
    summaries = run_eod(engine, through, profile)
    assert [s.business_date for s in summaries] == [
        FIRST_DAY + timedelta(days=d) for d in range(45, 91)
    ]
    assert snapshot(engine) == day_by_day
    assert run_eod(engine, through, profile) == []
    assert snapshot(engine) == day_by_day


def test_verify_finds_a_posting_slipped_into_the_journal(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    simulate(database, profile, loans_count=20, days=40)
    assert verify(database).ok
    with database.begin() as connection:
        entry = connection.exec_driver_sql("SELECT MIN(id) FROM journal_entries").scalar()
        connection.exec_driver_sql(
            "INSERT INTO postings (entry_id, account, funder, currency, amount_minor) "
            f"VALUES ({entry}, 'interest_income', 'platform', 'CNY', -1)"
        )
    report = verify(database)
    failed = {c.name for c in report.checks if not c.ok}
    assert "every entry balances" in failed
    assert "trial balance is zero" in failed
    assert "general ledger equals the loans' and lines' sub-ledgers" in failed


def test_verify_finds_a_loan_row_edited_behind_the_ledgers_back(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    simulate(database, profile, loans_count=20, days=40)
    with database.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE loans SET principal_outstanding_minor = principal_outstanding_minor - 100 "
            "WHERE id = (SELECT MIN(id) FROM loans WHERE status IN ('active', 'overdue'))"
        )
    failed = {c.name for c in verify(database).checks if not c.ok}
    assert "every loan's principal postings equal its receivable" in failed
    assert "instalment rows add up to loan balances" in failed


def test_batch_matches_the_one_loan_engine_across_funders_rounding_and_future_events(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    start = date(2025, 1, 31)
    with SqlUnitOfWork(database, profile) as uow:
        uow.funders.register("partner-bank", "a synthetic partner bank")
        _, cash = uow.products.current("cash-instalment")
        uow.products.register(with_changes(cash, grace_days=0, late_fee_minor=1_500))
        ids = []
        for index in range(12):
            ids.append(
                service.book_loan(
                    uow,
                    product_code="cash-instalment",
                    principal_minor=300_000 + 777 * index,
                    as_of=start,
                    borrower_ref=f"edge-{index}",
                    idempotency_key=f"edge-{index}",
                    funder="partner-bank" if index % 2 else "platform",
                    overrides={"rounding": "half_even", "annual_rate": Decimal("0.1333")}
                    if index % 3 == 0
                    else None,
                )
            )
        uow.commit()
    run_eod(database, start + timedelta(days=40), profile)
    with SqlUnitOfWork(database, profile) as uow:
        # A payment dated a few days ahead of the calendar: end-of-day must skip those days.
        service.post_repayment(
            uow,
            loan_id=ids[0],
            amount_minor=50_000,
            as_of=start + timedelta(days=45),
            idempotency_key="ahead",
        )
        service.post_repayment(
            uow,
            loan_id=ids[1],
            amount_minor=20_000,
            as_of=start + timedelta(days=41),
            idempotency_key="partial",
        )
        uow.commit()
    run_eod(database, start + timedelta(days=120), profile)
    assert_batch_matches_replay(database, profile, ids)
