"""Property tests over random event histories: the sub-ledger stays consistent, a replay of
the events rebuilds the live loan exactly, and reversing a payment restores the prior state."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.core.errors import PuhuiError
from puhui.loans.events import EventKind, LoanEvent, apply_event, replay
from puhui.loans.loan import Loan
from tests.unit.loans.builders import CATALOG, assert_consistent, new_loan

START = date(2024, 1, 31)


@st.composite
def histories(draw: st.DrawFn) -> tuple[str, int, list[LoanEvent]]:
    code = draw(st.sampled_from(sorted(CATALOG)))
    principal = draw(st.integers(100_000, 5_000_000))
    events = []
    day = START
    for index in range(draw(st.integers(1, 12))):
        day += timedelta(days=draw(st.integers(0, 60)))
        kind = draw(
            st.sampled_from(
                [EventKind.REPAYMENT] * 6
                + [EventKind.MERCHANT_REFUND, EventKind.WRITE_OFF, EventKind.CREDIT_PAYOUT]
            )
        )
        amount = draw(st.integers(1, principal // 2))
        events.append(LoanEvent(kind, day, amount, f"event-{index}"))
    return code, principal, events


def live_loan(code: str, principal: int, events: list[LoanEvent]) -> tuple[Loan, list[LoanEvent]]:
    """Apply events one by one as the service would, keeping those the loan accepted."""
    loan = new_loan(code, principal_minor=principal, start=START)
    accepted = []
    for event in events:
        candidate = loan.copy()
        try:
            apply_event(candidate, event)
        except PuhuiError:
            continue  # refused (closed loan, refund too large, …): nothing changes
        loan = candidate
        accepted.append(event)
        balances = assert_consistent(loan)
        assert balances.principal_minor >= 0
        assert balances.interest_minor >= 0
        assert balances.fee_minor >= 0
        assert balances.penalty_minor >= 0
        assert balances.credit_minor >= 0
    return loan, accepted


@given(histories())
@settings(max_examples=150, deadline=None)
def test_any_history_keeps_the_sub_ledger_consistent(history: tuple[str, int, list]) -> None:
    code, principal, events = history
    loan, _ = live_loan(code, principal, events)
    loan.close_through(loan.opened_through + timedelta(days=90))
    assert_consistent(loan)


@given(histories())
@settings(max_examples=150, deadline=None)
def test_replaying_the_events_rebuilds_the_live_loan_exactly(
    history: tuple[str, int, list],
) -> None:
    code, principal, events = history
    loan, accepted = live_loan(code, principal, events)
    rebuilt = replay(
        loan_id=1,
        product=loan.product,
        terms=loan.terms,
        funder="platform",
        events=accepted,
        to_day=loan.opened_through,
    )
    assert rebuilt.balances() == loan.balances()
    assert rebuilt.rows == loan.rows
    assert rebuilt.status is loan.status


@given(histories(), st.integers(1, 10_000_000))
@settings(max_examples=150, deadline=None)
def test_reversing_a_payment_restores_the_exact_prior_state(
    history: tuple[str, int, list], amount: int
) -> None:
    code, principal, events = history
    loan, accepted = live_loan(code, principal, events)
    day = loan.opened_through
    before = loan.copy()
    payment = LoanEvent(EventKind.REPAYMENT, day, amount, "bounced")
    try:
        apply_event(loan, payment)
    except PuhuiError:
        return
    reversal = LoanEvent(EventKind.REVERSAL, day, 0, "reversal", reverses_key="bounced")
    restored = replay(
        loan_id=1,
        product=loan.product,
        terms=loan.terms,
        funder="platform",
        events=[*accepted, payment, reversal],
        to_day=day,
    )
    assert restored.balances() == before.balances()
    assert restored.rows == before.rows
