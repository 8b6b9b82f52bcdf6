"""Regressions found by an independent review of the credit-line domain (each failed before)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from puhui.lines.conversion import quote_conversion
from puhui.lines.errors import LineRefused
from puhui.lines.products import LineProduct
from tests.unit.lines.conftest import new_line


def _buy(line, order: str, amount: int, day: date) -> None:  # type: ignore[no-untyped-def]
    line.authorise(order, amount, day)
    line.capture(order, amount, day)


def test_interest_does_not_depend_on_how_often_the_line_is_looked_at(
    product: LineProduct,
) -> None:
    untouched, watched = new_line(product), new_line(product)
    for line in (untouched, watched):
        line.draw_cash(101_000, date(2026, 1, 2), "cash")  # 50.5 fen of interest a day
    for day in range(3, 12):
        watched.authorise(f"o{day}", 100, date(2026, 1, day))
        watched.release(f"o{day}", date(2026, 1, day))
    for line in (untouched, watched):
        line.pay(200_000, date(2026, 1, 12), "pay")
    assert untouched.balances.interest_income_minor == 505
    assert watched.balances.interest_income_minor == 505


def test_a_refund_of_a_converted_purchase_shrinks_the_fee_too(product: LineProduct) -> None:
    line = new_line(product)
    _buy(line, "o1", 600_000, date(2026, 1, 10))
    plan = line.convert_purchase("o1", 6, date(2026, 1, 11), cost_cap=Decimal("0.24"))
    line.refund("o1", 590_000, date(2026, 1, 12))
    fees = 0
    for month in range(2, 8):
        before = line.balances.fee_income_minor
        line.close_statement(date(2026, month, 5))
        if line.statement_due_minor:
            line.pay(line.statement_due_minor, date(2026, month, 6), f"p{month}")
        fees += line.balances.fee_income_minor - before
    fresh = quote_conversion(
        product, principal_minor=10_000, periods=6, on=date(2026, 1, 11), statement_day=5
    )
    assert plan.principal_minor == 10_000
    assert fees == fresh.total_fee_minor == 420


def test_a_part_never_bills_a_fee_without_principal(product: LineProduct) -> None:
    line = new_line(product)
    _buy(line, "o1", 60_000, date(2026, 1, 10))
    line.convert_purchase("o1", 6, date(2026, 1, 11))
    parts = []
    for month in range(2, 8):
        if month == 5:
            line.refund("o1", 20_000, date(2026, 4, 20))
        parts += line.close_statement(date(2026, month, 5))["instalment_parts"]
        if line.statement_due_minor:
            line.pay(line.statement_due_minor, date(2026, month, 6), f"p{month}")
    assert all(part["principal_minor"] > 0 for part in parts)
    assert sum(part["principal_minor"] for part in parts) == 40_000


def test_converting_a_purchase_already_on_the_statement_clears_what_is_due(
    product: LineProduct,
) -> None:
    line = new_line(product)
    _buy(line, "o1", 600_000, date(2026, 1, 10))
    line.close_statement(date(2026, 2, 5))
    line.convert_purchase("o1", 6, date(2026, 2, 10))
    line.advance_to(date(2026, 2, 26))  # the day after the due date
    assert line.statement_due_minor == 0
    assert line.balances.fee_minor == 0
    assert line.overdue_since is None
    assert not line.revolving


def test_a_statement_conversion_takes_only_the_statement_s_principal(
    product: LineProduct,
) -> None:
    line = new_line(product)
    line.draw_cash(400_000, date(2026, 1, 2), "cash")
    statement = line.close_statement(date(2026, 2, 5))
    _buy(line, "new", 100_000, date(2026, 2, 6))  # after the statement
    plan = line.convert_statement(6, date(2026, 2, 7))
    assert plan.principal_minor == statement["cash_minor"] == 400_000
    assert line.statement_due_minor == statement["interest_minor"]  # interest stays due


def test_a_conversion_on_the_statement_day_starts_on_the_next_statement(
    product: LineProduct,
) -> None:
    line = new_line(product)
    _buy(line, "o1", 300_000, date(2026, 1, 10))
    quote = quote_conversion(
        product, principal_minor=300_000, periods=3, on=date(2026, 2, 5), statement_day=5
    )
    line.convert_purchase("o1", 3, date(2026, 2, 5))
    statement = line.close_statement(date(2026, 2, 5))
    assert quote.rows[0].due_date == date(2026, 3, 25)
    assert statement["instalment_parts"] == []


def test_a_credit_balance_pays_the_next_draw(product: LineProduct) -> None:
    line = new_line(product)
    line.pay(100_000, date(2026, 1, 2), "overpay")
    line.draw_cash(100_000, date(2026, 1, 3), "cash")
    line.advance_to(date(2026, 2, 3))
    assert line.balances.owed_minor == 0
    assert line.balances.interest_minor == 0


def test_a_closed_line_takes_no_payment_and_returns_a_late_refund(product: LineProduct) -> None:
    line = new_line(product)
    _buy(line, "o1", 10_000, date(2026, 1, 3))
    line.pay(10_000, date(2026, 1, 4), "p")
    line.close(date(2026, 1, 5), "borrower_request")
    with pytest.raises(LineRefused) as refused:
        line.pay(10_000, date(2026, 1, 6), "p2")
    assert refused.value.reason_code == "line_closed"
    line.refund("o1", 4_000, date(2026, 1, 7))
    assert line.balances.credit_minor == 0
    assert line.balances.paid_out_minor == 4_000
