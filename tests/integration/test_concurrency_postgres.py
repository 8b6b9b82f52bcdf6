"""Two processes repaying one loan at the same moment on PostgreSQL: each payment is applied
exactly once, and the same payment sent twice at once is applied once."""

from __future__ import annotations

import multiprocessing
from datetime import date

import pytest
import sqlalchemy as sa

from puhui.batch.eod import EOD_LOCK_ID, run_eod
from puhui.batch.verify import verify
from puhui.compliance.profile import load_profile
from puhui.loans import service
from puhui.loans.errors import EndOfDayRunning
from puhui.storage.engine import make_engine
from puhui.storage.uow import SqlUnitOfWork
from tests.conftest import _reset_postgres, postgres_url
from tests.integration.helpers import count, race

pytestmark = pytest.mark.postgres
DAY = date(2025, 3, 31)


def _repay(
    url: str,
    loan_id: int,
    key: str,
    barrier: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue,
) -> None:  # type: ignore[type-arg]
    engine = make_engine(url)
    barrier.wait(timeout=30)
    with SqlUnitOfWork(engine) as uow:
        outcome = service.post_repayment(
            uow, loan_id=loan_id, amount_minor=30_000, as_of=DAY, idempotency_key=key
        )
        uow.commit()
    results.put(
        (key, outcome.allocated_minor + outcome.prepaid_principal_minor + outcome.credit_minor)
    )
    engine.dispose()


def _race(loan_id: int, keys: list[str]) -> list[tuple[str, int]]:
    return race(_repay, [(postgres_url(), loan_id, key) for key in keys])


@pytest.fixture
def loan(postgres_engine: sa.Engine) -> int:
    _reset_postgres(postgres_engine)
    with SqlUnitOfWork(postgres_engine) as uow:
        loan_id = service.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=1_200_000,
            as_of=DAY,
            borrower_ref="synthetic",
            idempotency_key="book",
        )
        uow.commit()
    return loan_id


def test_two_processes_repaying_one_loan_both_apply_exactly_once(
    postgres_engine: sa.Engine, loan: int
) -> None:
    results = _race(loan, ["pay-a", "pay-b"])
    assert sorted(key for key, _ in results) == ["pay-a", "pay-b"]
    with SqlUnitOfWork(postgres_engine) as uow:
        assert uow.loans.get(loan, for_update=False).received_minor == 60_000
    assert count(postgres_engine, "loan_events") == 3
    assert verify(postgres_engine).ok


def test_the_same_payment_sent_twice_at_once_is_applied_once(
    postgres_engine: sa.Engine, loan: int
) -> None:
    results = _race(loan, ["same-key", "same-key"])
    assert [amount for _, amount in results] == [30_000, 30_000]
    with SqlUnitOfWork(postgres_engine) as uow:
        assert uow.loans.get(loan, for_update=False).received_minor == 30_000
    assert count(postgres_engine, "loan_events") == 2
    assert verify(postgres_engine).ok


def _book(
    url: str, barrier: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    engine = make_engine(url)
    barrier.wait(timeout=30)
    with SqlUnitOfWork(engine) as uow:
        loan_id = service.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=500_000,
            as_of=DAY,
            borrower_ref="synthetic",
            idempotency_key="one-booking",
        )
        uow.commit()
    results.put(loan_id)
    engine.dispose()


def test_the_same_booking_sent_twice_at_once_books_one_loan(postgres_engine: sa.Engine) -> None:
    _reset_postgres(postgres_engine)
    ids = race(_book, [(postgres_url(),), (postgres_url(),)])
    assert ids[0] == ids[1]
    assert count(postgres_engine, "loans") == 1


def test_a_second_end_of_day_run_is_refused_while_one_holds_the_lock(
    postgres_engine: sa.Engine,
) -> None:
    _reset_postgres(postgres_engine)
    with postgres_engine.connect() as holder:
        holder.exec_driver_sql(f"SELECT pg_advisory_lock({EOD_LOCK_ID})")
        with pytest.raises(EndOfDayRunning, match="another end-of-day run"):
            run_eod(postgres_engine, DAY, load_profile())
        holder.exec_driver_sql(f"SELECT pg_advisory_unlock({EOD_LOCK_ID})")
        holder.commit()
    assert run_eod(postgres_engine, DAY, load_profile()) is not None
