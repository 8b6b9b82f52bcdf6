"""Line products are validated data; a conversion's quote is exact and its APR honest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.lines.conversion import principal_parts, quote_conversion
from puhui.lines.errors import InvalidLineProduct, LineRefused
from puhui.lines.products import (
    EarlySettlement,
    LineProduct,
    line_product_from_mapping,
    line_product_to_mapping,
)
from tests.unit.lines.conftest import new_line


def test_the_shipped_product_round_trips_through_its_mapping(product: LineProduct) -> None:
    assert line_product_from_mapping(line_product_to_mapping(product)) == product


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"purchase_annual_rate": 0.18}, "not floats"),
        ({"late_fee": "20.001"}, "late_fee"),
        ({"statement_to_due_days": 28}, "1–27"),
        ({"colour": "red"}, "unknown settings"),
        ({"conversion_fees": {"1": "0.01"}}, "periods ≥ 2"),
        ({"early_settlement": "never"}, "early_settlement must be one of"),
    ],
)
def test_a_bad_product_is_refused_with_what_to_fix(
    product: LineProduct, change: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidLineProduct, match=message):
        line_product_from_mapping({**line_product_to_mapping(product), **change})


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from([2, 3, 6, 9, 12, 24]))
def test_parts_sum_exactly_and_differ_by_the_remainder_only(principal: int, periods: int) -> None:
    parts = principal_parts(principal, periods)
    assert sum(parts) == principal
    assert len(set(parts[:-1])) <= 1


def test_a_quote_shows_each_part_and_the_apr_of_the_real_cash_flows(product: LineProduct) -> None:
    quote = quote_conversion(
        product, principal_minor=600_000, periods=6, on=date(2026, 1, 11), statement_day=5
    )
    assert [row.due_date for row in quote.rows][:2] == [date(2026, 2, 25), date(2026, 3, 25)]
    assert {row.fee_minor for row in quote.rows} == {4_200}
    assert quote.total_fee_minor == 25_200
    assert quote.apr.nominal_percent() == Decimal("12.70")


def test_a_conversion_over_the_cost_cap_is_refused_and_changes_nothing(
    product: LineProduct,
) -> None:
    dear = replace(product, conversion_fees={3: Decimal("0.03")})
    line = new_line(dear)
    line.authorise("o", 300_000, date(2026, 1, 10))
    line.capture("o", 300_000, date(2026, 1, 10))
    before = line.balances.copy()
    with pytest.raises(LineRefused, match=r"above the 24\.00 % cap") as refused:
        line.convert_purchase("o", 3, date(2026, 1, 11), cost_cap=Decimal("0.24"))
    assert refused.value.reason_code == "over_cost_cap"
    assert line.balances == before
    assert line.plans == {}


def test_early_settlement_rebates_or_charges_the_unbilled_fees(product: LineProduct) -> None:
    for rule, expected_fee in (("rebate_unbilled_fees", 0), ("charge_all_fees", 5 * 4_200)):
        line = new_line(replace(product, early_settlement=EarlySettlement(rule)))
        line.authorise("o", 600_000, date(2026, 1, 10))
        line.capture("o", 600_000, date(2026, 1, 10))
        plan = line.convert_purchase("o", 6, date(2026, 1, 11))
        line.close_statement(date(2026, 2, 5))  # part 1 billed with its fee
        fees_before = line.balances.fee_income_minor
        billed = line.settle_plan(plan.plan_id, date(2026, 2, 10))
        assert billed == 500_000
        assert line.balances.fee_income_minor - fees_before == expected_fee
        assert line.balances.converted_minor == 0
