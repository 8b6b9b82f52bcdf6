"""Concurrent checkouts on PostgreSQL cannot together pass the borrower's cap.

The borrower has four lines of 50,000 (200,000 in all, the consumer cap) and a 150,000 loan.
Four processes authorise on the four lines at the same moment; each purchase fits its own line
and fits the cap alone, but any two together pass it. Exactly one wins; the others are refused
with `over_borrower_cap`, and nothing of theirs is stored.
"""

from __future__ import annotations

import multiprocessing
from datetime import date

import pytest
import sqlalchemy as sa

from puhui.batch.verify import verify
from puhui.lines import service
from puhui.lines.errors import LineRefused
from puhui.loans import service as loans
from puhui.storage.engine import make_engine
from puhui.storage.uow import SqlUnitOfWork
from tests.conftest import _reset_postgres, postgres_url
from tests.integration.helpers import race
from tests.integration.lines_helpers import ADULT, NET_ASSETS, open_line

pytestmark = pytest.mark.postgres
DAY = date(2026, 1, 10)
RICH = ADULT.__class__(
    age=35,
    is_student=False,
    monthly_income_minor=100_000_000,
    bureau_inquiries_30d=0,
    other_lenders_balance_minor=0,
)


def _authorise(
    url: str,
    line_id: int,
    amount: int,
    barrier: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue,
) -> None:  # type: ignore[type-arg]
    engine = make_engine(url)
    barrier.wait(timeout=30)
    try:
        with SqlUnitOfWork(engine) as uow:
            service.authorise(
                uow,
                line_id=line_id,
                order_id=f"order-{line_id}",
                amount_minor=amount,
                as_of=DAY,
                net_assets_minor=NET_ASSETS,
            )
            uow.commit()
        results.put((line_id, "approved"))
    except LineRefused as refused:
        results.put((line_id, refused.reason_code))
    engine.dispose()


@pytest.mark.parametrize("amount", [3_000_000, 4_500_000, 2_500_100])
def test_concurrent_checkouts_never_pass_the_borrower_cap(
    postgres_engine: sa.Engine, amount: int
) -> None:
    _reset_postgres(postgres_engine)
    lines = [
        open_line(postgres_engine, limit_minor=5_000_000, facts=RICH, key=f"open-{i}").line_id
        for i in range(4)
    ]
    with SqlUnitOfWork(postgres_engine) as uow:
        loans.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=15_000_000,
            as_of=DAY,
            borrower_ref="b-1",
            idempotency_key="loan",
        )
        uow.commit()
    raced = race(_authorise, [(postgres_url(), line, amount) for line in lines])
    outcomes = sorted(outcome for _, outcome in raced)
    assert outcomes == ["approved"] + ["over_borrower_cap"] * 3
    with SqlUnitOfWork(postgres_engine) as uow:
        assert uow.exposure.outstanding_principal("b-1") == 15_000_000 + amount
    with postgres_engine.connect() as connection:
        held = connection.exec_driver_sql("SELECT SUM(held_minor) FROM credit_lines").scalar()
    assert held == amount
    assert verify(postgres_engine).ok
