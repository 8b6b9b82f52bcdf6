"""Opening credit lines in integration tests."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from puhui.lines import service
from puhui.lines.responsible import BorrowerFacts
from puhui.storage.uow import SqlUnitOfWork

OPENED = date(2026, 1, 2)
NET_ASSETS = 1_000_000_000_00  # 1 bn yuan: the concentration cap is 100 m, far above the others
ADULT = BorrowerFacts(
    age=30,
    is_student=False,
    monthly_income_minor=1_500_000,
    bureau_inquiries_30d=1,
    other_lenders_balance_minor=0,
)


def open_line(
    engine: sa.Engine,
    *,
    borrower: str = "b-1",
    limit_minor: int = 1_000_000,
    facts: BorrowerFacts = ADULT,
    key: str | None = None,
    statement_day: int = 5,
) -> service.LineOpened:
    with SqlUnitOfWork(engine) as uow:
        opened = service.open_line(
            uow,
            borrower_ref=borrower,
            facts=facts,
            product_code="credit-line",
            requested_limit_minor=limit_minor,
            statement_day=statement_day,
            as_of=OPENED,
            idempotency_key=key or f"open:{borrower}:{limit_minor}",
            net_assets_minor=NET_ASSETS,
        )
        uow.commit()
    return opened
