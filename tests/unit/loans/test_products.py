"""Loan products: the shipped catalogue, validation of product data, offers and versions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml

from puhui.core.errors import InvalidInput
from puhui.core.money import currency_of
from puhui.loans.errors import InvalidProduct
from puhui.loans.products import (
    DEFAULT_ALLOCATION,
    Product,
    ProductKind,
    load_catalog,
    product_from_mapping,
    product_to_mapping,
    with_changes,
)

CATALOG = load_catalog()
SHIPPED = sorted(CATALOG)


def cash_loan(**changes: Any) -> dict[str, Any]:
    """The shipped cash-instalment product as YAML data, with some settings changed."""
    data = product_to_mapping(CATALOG["cash-instalment"])
    data.update(changes)
    return data


def test_the_catalogue_ships_four_products() -> None:
    assert SHIPPED == ["bnpl-plan", "cash-instalment", "seasonal-farm", "working-capital"]
    assert {p.kind for p in CATALOG.values()} == set(ProductKind)
    assert all(p.version == 1 for p in CATALOG.values())


def test_shipped_money_is_read_in_major_units() -> None:
    cash = CATALOG["cash-instalment"]
    assert (cash.min_principal_minor, cash.max_principal_minor) == (50_000, 20_000_000)
    assert cash.late_fee_minor == 2_000
    assert cash.annual_rate == Decimal("0.18")


def test_the_seasonal_product_reads_its_harvest_shares_as_decimals() -> None:
    assert CATALOG["seasonal-farm"].harvest_shares == (Decimal("0.6"), Decimal("0.4"))


def test_a_catalogue_with_a_repeated_code_is_refused() -> None:
    text = yaml.safe_dump({"products": [cash_loan(), cash_loan(version=2)]})
    with pytest.raises(InvalidProduct, match="unique"):
        load_catalog(text)


def test_an_empty_catalogue_has_no_products() -> None:
    assert load_catalog("") == {}


def test_an_unknown_setting_is_refused_by_name() -> None:
    with pytest.raises(InvalidProduct, match="interest_rate"):
        product_from_mapping(cash_loan(interest_rate="0.18"))


@pytest.mark.parametrize(
    "field",
    [
        "annual_rate",
        "down_payment_rate",
        "fee_rate_per_period",
        "penalty_rate_multiplier",
        "prepayment_fee_rate",
    ],
)
def test_a_float_rate_is_refused(field: str) -> None:
    with pytest.raises(InvalidProduct, match="quoted decimal"):
        product_from_mapping(cash_loan(**{field: 0.05}))


def test_float_harvest_shares_are_refused() -> None:
    data = product_to_mapping(CATALOG["seasonal-farm"])
    data["harvest_shares"] = [0.6, 0.4]
    with pytest.raises(InvalidProduct, match="quoted decimal"):
        product_from_mapping(data)


def test_a_rate_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(InvalidProduct, match="not a decimal"):
        product_from_mapping(cash_loan(annual_rate="eighteen percent"))


@pytest.mark.parametrize(
    ("field", "option"),
    [
        ("kind", "instalment_loan"),
        ("frequency", "monthly"),
        ("method", "equal_instalment"),
        ("interest_basis", "daily"),
        ("day_count", "actual/360"),
        ("rounding", "half_even"),
        ("prepayment_rule", "hold_credit"),
        ("refund_rule", "shorten"),
    ],
)
def test_an_unknown_enum_value_is_refused_with_the_options_listed(field: str, option: str) -> None:
    with pytest.raises(InvalidProduct, match="not one of") as raised:
        product_from_mapping(cash_loan(**{field: "bogus"}))
    assert field in str(raised.value)
    assert option in str(raised.value)


@pytest.mark.parametrize("field", ["min_principal", "max_principal", "late_fee"])
def test_money_with_more_decimals_than_the_currency_is_refused(field: str) -> None:
    with pytest.raises(InvalidInput, match="more decimals than CNY"):
        product_from_mapping(cash_loan(**{field: "600.001"}))


def test_a_yen_product_refuses_fractional_yen() -> None:
    yen = {"currency": "JPY", "instalment_multiple": "1", "min_principal": "500"}
    with pytest.raises(InvalidInput, match="more decimals than JPY"):
        product_from_mapping(cash_loan(**yen, late_fee="20.5", max_principal="200000"))
    product = product_from_mapping(cash_loan(**yen, late_fee="20", max_principal="200000"))
    assert (product.late_fee_minor, product.currency) == (20, currency_of("JPY"))


def test_a_float_money_amount_is_refused() -> None:
    with pytest.raises(InvalidInput):
        product_from_mapping(cash_loan(min_principal=500.5))


@pytest.mark.parametrize("period", [12.7, "3.5"])
def test_a_non_integer_allowed_period_is_refused(period: object) -> None:
    with pytest.raises(InvalidProduct):
        product_from_mapping(cash_loan(allowed_periods=[12, period]))


def test_a_missing_allocation_step_is_refused() -> None:
    steps = [f"{b.value}.{c.value}" for b, c in DEFAULT_ALLOCATION][:-1]
    with pytest.raises(InvalidProduct, match="exactly once"):
        product_from_mapping(cash_loan(repayment_allocation=steps))


def test_a_duplicate_allocation_step_is_refused() -> None:
    steps = [f"{b.value}.{c.value}" for b, c in DEFAULT_ALLOCATION]
    steps[-1] = steps[0]
    with pytest.raises(InvalidProduct, match="exactly once"):
        product_from_mapping(cash_loan(repayment_allocation=steps))


@pytest.mark.parametrize("bad", ["overdue.penalty", "past_due.tax", "past_due", "a.b.c"])
def test_a_malformed_allocation_step_is_refused(bad: str) -> None:
    steps = [f"{b.value}.{c.value}" for b, c in DEFAULT_ALLOCATION]
    steps[0] = bad
    with pytest.raises(InvalidProduct, match=r"bucket\.component"):
        product_from_mapping(cash_loan(repayment_allocation=steps))


def test_a_reordered_allocation_is_kept_in_its_order() -> None:
    steps = [f"{b.value}.{c.value}" for b, c in DEFAULT_ALLOCATION][::-1]
    product = product_from_mapping(cash_loan(repayment_allocation=steps))
    assert product.repayment_allocation == DEFAULT_ALLOCATION[::-1]


def test_a_seasonal_product_needs_harvest_shares() -> None:
    with pytest.raises(InvalidProduct, match="harvest_shares"):
        product_from_mapping(cash_loan(kind="seasonal"))


def test_harvest_shares_must_sum_to_one() -> None:
    data = product_to_mapping(CATALOG["seasonal-farm"])
    data["harvest_shares"] = ["0.6", "0.3"]
    with pytest.raises(InvalidProduct, match="sum to 1"):
        product_from_mapping(data)


@pytest.mark.parametrize(
    ("draw_days", "term_days"),
    [(0, 0), (0, 365), (270, 0), (365, 365), (400, 365), (270, 1099)],
)
def test_a_revolving_product_needs_a_draw_period_inside_its_term(
    draw_days: int, term_days: int
) -> None:
    data = product_to_mapping(CATALOG["working-capital"])
    data.update(draw_period_days=draw_days, facility_term_days=term_days)
    with pytest.raises(InvalidProduct, match="draw_period_days"):
        product_from_mapping(data)


def test_an_incomplete_definition_is_refused() -> None:
    data = cash_loan()
    del data["code"]
    with pytest.raises(InvalidProduct, match="incomplete"):
        product_from_mapping(data)


@pytest.mark.parametrize("code", SHIPPED)
def test_every_shipped_product_round_trips_through_its_mapping(code: str) -> None:
    product = CATALOG[code]
    assert product_from_mapping(product_to_mapping(product)) == product


def test_the_whole_catalogue_round_trips_through_yaml_text() -> None:
    text = yaml.safe_dump({"products": [product_to_mapping(p) for p in CATALOG.values()]})
    assert load_catalog(text) == CATALOG


def test_a_product_mapping_writes_money_in_major_units_and_rates_as_text() -> None:
    data = product_to_mapping(CATALOG["bnpl-plan"])
    assert data["min_principal"] == "100.00"
    assert data["fee_rate_per_period"] == "0.006"
    assert data["allowed_periods"] == [3, 6, 9, 12, 24]
    assert "min_principal_minor" not in data


@pytest.mark.parametrize("principal", [50_000, 20_000_000, 1_000_000])
def test_an_offer_within_the_limits_is_accepted(principal: int) -> None:
    # cash-instalment lists no allowed periods, so any number of instalments is offered.
    CATALOG["cash-instalment"].check_offer(principal_minor=principal, periods=7)


@pytest.mark.parametrize("principal", [49_999, 20_000_001, 0])
def test_an_offer_outside_the_limits_is_refused(principal: int) -> None:
    with pytest.raises(InvalidProduct, match=r"500\.00–200000\.00 CNY"):
        CATALOG["cash-instalment"].check_offer(principal_minor=principal, periods=12)


@pytest.mark.parametrize("periods", [3, 24])
def test_an_offer_for_an_allowed_period_is_accepted(periods: int) -> None:
    CATALOG["bnpl-plan"].check_offer(principal_minor=10_000, periods=periods)


@pytest.mark.parametrize("periods", [1, 4, 36])
def test_an_offer_for_a_period_not_offered_is_refused(periods: int) -> None:
    with pytest.raises(InvalidProduct, match=r"\[3, 6, 9, 12, 24\]"):
        CATALOG["bnpl-plan"].check_offer(principal_minor=10_000, periods=periods)


def test_with_changes_makes_the_next_version() -> None:
    original = CATALOG["cash-instalment"]
    changed = with_changes(original, annual_rate=Decimal("0.15"))
    assert (changed.version, changed.annual_rate) == (2, Decimal("0.15"))
    assert (original.version, original.annual_rate) == (1, Decimal("0.18"))
    assert with_changes(changed, grace_days=5).version == 3


def test_with_changes_validates_the_new_version() -> None:
    with pytest.raises(InvalidProduct, match="grace days"):
        with_changes(CATALOG["cash-instalment"], grace_days=91)


def test_a_product_default_period_must_be_one_it_offers() -> None:
    with pytest.raises(InvalidProduct, match="not in"):
        product_from_mapping(cash_loan(allowed_periods=[6, 24]))


def test_a_product_built_directly_is_validated_too() -> None:
    with pytest.raises(InvalidProduct, match="version"):
        Product(code="x", version=0, name="x", kind=ProductKind.INSTALMENT_LOAN)
