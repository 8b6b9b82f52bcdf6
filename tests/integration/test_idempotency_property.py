"""Property: replaying any event of a random history with its idempotency key changes nothing,
and every history leaves the ledger balanced and reconciled (SQLite; the same code paths run on
PostgreSQL in the other integration tests)."""

from __future__ import annotations

import contextlib
import shutil
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from puhui.batch.eod import run_eod
from puhui.batch.verify import verify
from puhui.compliance.profile import load_profile
from puhui.core.errors import PuhuiError
from puhui.loans import service
from puhui.storage.engine import make_engine
from puhui.storage.uow import SqlUnitOfWork
from tests.integration.helpers import snapshot

START = date(2025, 3, 31)

steps = st.lists(
    st.tuples(
        st.integers(0, 20),  # days after the previous step
        st.sampled_from(["repay", "repay", "repay", "refund", "reverse", "eod"]),
        st.integers(1, 400_000),
    ),
    min_size=1,
    max_size=10,
)


Step = tuple[str, date, int, str, str | None]


def _apply(engine: object, loan_id: int, step: Step) -> None:
    kind, day, amount, key, reversed_key = step
    with SqlUnitOfWork(engine) as uow:  # type: ignore[arg-type]
        if kind == "repay":
            service.post_repayment(
                uow, loan_id=loan_id, amount_minor=amount, as_of=day, idempotency_key=key
            )
        elif kind == "refund":
            service.post_merchant_refund(
                uow, loan_id=loan_id, amount_minor=amount, as_of=day, idempotency_key=key
            )
        elif kind == "reverse" and reversed_key is not None:
            service.reverse_event(
                uow, loan_id=loan_id, reversed_key=reversed_key, as_of=day, idempotency_key=key
            )
        uow.commit()


@given(product=st.sampled_from(["cash-instalment", "bnpl-plan"]), history=steps)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_replaying_any_event_changes_nothing(
    sqlite_template: Path,
    tmp_path_factory: object,
    product: str,
    history: list[tuple[int, str, int]],
) -> None:
    path = Path(str(tmp_path_factory.mktemp("idem"))) / "idem.db"  # type: ignore[attr-defined]
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    profile = load_profile()
    with SqlUnitOfWork(engine) as uow:
        loan_id = service.book_loan(
            uow,
            product_code=product,
            principal_minor=800_000,
            as_of=START,
            borrower_ref="synthetic",
            idempotency_key="book",
        )
        uow.commit()
    day = START
    applied: list[Step] = []
    for index, (gap, kind, amount) in enumerate(history):
        day += timedelta(days=gap)
        if kind == "eod":
            run_eod(engine, day, profile)
            day += timedelta(days=1)
            continue
        repayments = [s[3] for s in applied if s[0] == "repay"]
        if kind == "reverse" and not repayments:
            continue
        step = (kind, day, amount, f"{kind}-{index}", repayments[-1] if repayments else None)
        try:
            _apply(engine, loan_id, step)
        except PuhuiError:
            continue
        applied.append(step)
    before = snapshot(engine)
    for step in applied:
        # A replay is answered from the stored outcome; one into a since-closed business day may
        # be refused instead — either way nothing changes.
        with contextlib.suppress(PuhuiError):
            _apply(engine, loan_id, step)
        assert snapshot(engine) == before
    assert verify(engine).ok
    engine.dispose()
