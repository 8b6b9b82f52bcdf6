"""Invariants of a credit line under any sequence of operations (hypothesis).

- the available amount is never negative, and an accepted authorisation or draw never takes
  what is owed plus held above the limit;
- no bucket goes negative, and the sub-ledger identity holds: owed = lent + income − received −
  merchant refunds + credit paid out;
- every operation's journal entry balances (the ledger would refuse one that does not), and the
  entries together equal the line's balances;
- a hold is captured at most once and never for more than it held, and once captured,
  released or expired it stays so.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.core.errors import PuhuiError
from puhui.ledger.accounts import Account
from puhui.lines.accounting import line_deltas
from puhui.lines.line import CreditLine, HoldStatus
from puhui.lines.products import load_line_catalog
from tests.unit.lines.conftest import OPENED, new_line

PRODUCT = load_line_catalog()["credit-line"]
ACTIONS = (
    "authorise",
    "capture",
    "release",
    "refund",
    "cash",
    "pay",
    "statement",
    "convert",
    "settle",
    "self_limit",
)
operation = st.tuples(
    st.sampled_from(ACTIONS),
    st.integers(min_value=1, max_value=400_000),
    st.integers(min_value=0, max_value=9),
    st.integers(min_value=0, max_value=12),
)


def _apply(line: CreditLine, action: str, amount: int, pick: int, day: date) -> None:
    orders = sorted(line.holds)
    order = orders[pick % len(orders)] if orders else "none"
    if action == "authorise":
        line.authorise(f"o{len(line.holds)}", amount, day)
        assert line.balances.owed_minor + line.held_minor <= line.limit_minor(day)
    elif action == "capture":
        line.capture(order, min(amount, line.holds[order].amount_minor) if orders else amount, day)
    elif action == "release":
        line.release(order, day)
    elif action == "refund":
        line.refund(order, amount, day)
    elif action == "cash":
        line.draw_cash(amount, day, f"c{day}")
        assert line.balances.owed_minor + line.held_minor <= line.limit_minor(day)
    elif action == "pay":
        line.pay(amount, day, f"p{day}{amount}")
    elif action == "statement":
        line.close_statement(day.replace(day=5))
    elif action == "convert":
        line.convert_purchase(order, (3, 6, 9, 12)[pick % 4], day)
    elif action == "settle":
        active = [p for p in line.plans.values() if p.status == "active"]
        if active:
            line.settle_plan(active[pick % len(active)].plan_id, day)
    elif action == "self_limit":
        line.set_self_limit(amount * 3, day, cooling_off_days=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(operation, min_size=1, max_size=60))
def test_a_line_keeps_its_invariants_under_any_operations(
    operations: list[tuple[str, int, int, int]],
) -> None:
    line = new_line(PRODUCT)
    ledger: dict[Account, int] = defaultdict(int)
    settled: dict[str, tuple[HoldStatus, int]] = {}
    day = OPENED
    for action, amount, pick, days_later in operations:
        day = day + timedelta(days_later)
        if action == "statement":
            day = day if day.day <= 5 else (day.replace(day=28) + timedelta(days=8))
            day = day.replace(day=5)
            if line.last_statement_on is not None and day <= line.last_statement_on:
                continue
        start = line.balances.copy()
        line.advance_to(day)  # time passes whether or not the operation is accepted
        before = line.balances.copy()
        try:
            _apply(line, action, amount, pick, day)
        except PuhuiError:
            assert line.balances == before, f"refused {action} changed the balances"
            deltas = line_deltas(start, line.balances)
        else:
            deltas = line_deltas(start, line.balances)
        assert sum(deltas.values()) == 0, f"{action} would post an unbalanced entry: {deltas}"
        for account, value in deltas.items():
            ledger[account] += value
        _check(line, ledger, day)
        for order_id, hold in line.holds.items():
            if order_id in settled:  # captured, released or expired exactly once, for good
                assert (hold.status, hold.captured_minor) == settled[order_id]
            elif hold.status is not HoldStatus.HELD:
                settled[order_id] = (hold.status, hold.captured_minor)


def _check(line: CreditLine, ledger: dict[Account, int], day: date) -> None:
    b = line.balances
    assert line.available_minor(day) >= 0
    for name in (
        "purchase_minor",
        "cash_minor",
        "converted_minor",
        "interest_minor",
        "fee_minor",
        "credit_minor",
    ):
        assert getattr(b, name) >= 0, name
    income = b.interest_income_minor + b.fee_income_minor
    assert b.owed_minor == b.lent_minor + income - b.received_minor - b.refunds_in_minor + (
        b.paid_out_minor
    )
    assert ledger[Account.LINE_PRINCIPAL_RECEIVABLE] == b.principal_minor
    assert ledger[Account.LINE_INTEREST_RECEIVABLE] == b.interest_minor
    assert ledger[Account.LINE_FEE_RECEIVABLE] == b.fee_minor
    assert -ledger[Account.LINE_CREDIT_BALANCE] == b.credit_minor
    assert b.converted_minor == sum(
        p.remaining_principal_minor for p in line.plans.values() if p.status == "active"
    )
    for hold in line.holds.values():
        assert 0 <= hold.captured_minor <= hold.amount_minor
        assert hold.refunded_minor <= hold.captured_minor
        assert hold.status is HoldStatus.CAPTURED or hold.captured_minor == 0
