"""Statement cycles written as tables: what happens on which day → statement, interest, fees.

Product `credit-line`: purchases free if the statement is paid in full by its due date (20 days
after the statement); otherwise 18 % a year on purchases daily (basis 360) from the day after
the due date until a statement is paid in full; cash 18 % from the day drawn; late fee 20.00
when the minimum payment is missed; minimum = 10 % of principal + interest + fees, at least
50.00. Amounts below are in yuan.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from puhui.core.money import parse_minor
from puhui.lines.line import CreditLine
from puhui.lines.products import LineProduct
from tests.unit.lines.conftest import new_line


def run(line: CreditLine, table: str) -> dict[str, dict[str, int]]:
    """Apply each row `date | action | argument`; statements are returned by their date."""
    statements: dict[str, dict[str, int]] = {}
    for raw in table.strip().splitlines():
        day_text, action, argument = (cell.strip() for cell in raw.split("|"))
        day = date.fromisoformat(day_text)
        if action == "buy":
            order = f"order-{day_text}-{argument}"
            line.authorise(order, parse_minor(argument), day)
            line.capture(order, parse_minor(argument), day)
        elif action == "cash":
            line.draw_cash(parse_minor(argument), day, f"cash-{day_text}")
        elif action == "pay":
            line.pay(parse_minor(argument), day, f"pay-{day_text}")
        elif action == "statement":
            statements[day_text] = line.close_statement(day)
        else:
            raise AssertionError(f"unknown action {action}")
    return statements


def yuan(text: str) -> int:
    return parse_minor(text)


def test_paid_in_full_by_the_due_date_costs_nothing(product: LineProduct) -> None:
    line = new_line(product)
    statements = run(
        line,
        """
        2026-01-10 | buy       | 1200
        2026-01-20 | buy       | 300
        2026-02-05 | statement |
        2026-02-25 | pay       | 1500
        2026-03-05 | statement |
        """,
    )
    first = statements["2026-02-05"]
    assert first["statement_balance_minor"] == yuan("1500")
    assert first["minimum_payment_minor"] == yuan("150")  # 10 % of 1,500
    assert first["due_date"] == "2026-02-25"
    assert statements["2026-03-05"]["statement_balance_minor"] == 0
    assert line.balances.interest_income_minor == 0
    assert line.balances.fee_income_minor == 0


def test_a_partly_paid_statement_bears_interest_from_the_day_after_the_due_date(
    product: LineProduct,
) -> None:
    line = new_line(product)
    statements = run(
        line,
        """
        2026-01-10 | buy       | 1000
        2026-02-05 | statement |
        2026-02-25 | pay       | 400
        2026-03-05 | statement |
        """,
    )
    # 600 unpaid from 26 Feb to 4 Mar (7 days): 600 × 0.18 × 7 / 360 = 2.10
    assert statements["2026-03-05"]["interest_minor"] == yuan("2.10")
    assert statements["2026-03-05"]["statement_balance_minor"] == yuan("602.10")
    assert line.balances.fee_income_minor == 0  # the minimum (100) was paid: no late fee


def test_a_missed_minimum_payment_costs_the_late_fee_and_counts_days_past_due(
    product: LineProduct,
) -> None:
    line = new_line(product)
    statements = run(
        line,
        """
        2026-01-10 | buy       | 2000
        2026-02-05 | statement |
        2026-02-25 | pay       | 100
        2026-03-05 | statement |
        """,
    )
    assert statements["2026-02-05"]["minimum_payment_minor"] == yuan("200")
    second = statements["2026-03-05"]
    # 1,900 unpaid for 7 days at 18 %/360 = 6.65; late fee 20.00
    assert second["interest_minor"] == yuan("6.65")
    assert second["fee_minor"] == yuan("20")
    assert second["statement_balance_minor"] == yuan("1926.65")
    # minimum: 10 % of 1,900 + 6.65 + 20 = 216.65, plus the 100 left of the missed minimum
    assert second["minimum_payment_minor"] == yuan("316.65")
    assert line.days_past_due(date(2026, 3, 5)) == 8


def test_cash_bears_interest_from_the_day_it_is_drawn(product: LineProduct) -> None:
    line = new_line(product)
    statements = run(
        line,
        """
        2026-01-06 | cash      | 3000
        2026-02-05 | statement |
        """,
    )
    # 3,000 × 0.18 × 30 / 360 = 45.00
    assert statements["2026-02-05"]["interest_minor"] == yuan("45")
    assert statements["2026-02-05"]["statement_balance_minor"] == yuan("3045")


def test_paying_the_statement_in_full_ends_revolving_interest(product: LineProduct) -> None:
    line = new_line(product)
    run(
        line,
        """
        2026-01-10 | buy       | 1000
        2026-02-05 | statement |
        2026-02-20 | pay       | 100
        2026-03-01 | pay       | 900
        2026-03-05 | statement |
        2026-03-10 | pay       | 1.35
        2026-03-20 | buy       | 50
        2026-04-05 | statement |
        """,
    )
    # 900 unpaid from 26 Feb to 28 Feb (3 days) = 1.35; once paid in full, purchases are free
    assert line.balances.interest_income_minor == yuan("1.35")
    assert line.balances.fee_income_minor == 0
    assert line.balances.owed_minor == yuan("50")


@pytest.mark.parametrize("periods", [3, 6, 9, 12])
def test_a_converted_purchase_is_billed_in_equal_parts_with_its_fee(
    product: LineProduct, periods: int
) -> None:
    line = new_line(product)
    line.authorise("tv", yuan("3000"), date(2026, 1, 10))
    line.capture("tv", yuan("3000"), date(2026, 1, 10))
    plan = line.convert_purchase("tv", periods, date(2026, 1, 11))
    fee = round(yuan("3000") * product.conversion_fees[periods])
    assert plan.fee_per_period_minor == fee
    billed_principal = 0
    for month in range(periods):
        statement = line.close_statement(date(2026 + (month + 1) // 12, (month + 1) % 12 + 1, 5))
        billed_principal += statement["instalment_parts"][0]["principal_minor"]
        line.pay(
            statement["statement_balance_minor"],
            date.fromisoformat(statement["due_date"]),
            f"p{month}",
        )
    assert billed_principal == yuan("3000")
    assert line.balances.fee_income_minor == fee * periods
    assert line.balances.owed_minor == 0
    assert plan.status == "completed"
    assert Decimal(0) < plan.apr_percent < Decimal(24)
