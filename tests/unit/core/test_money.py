from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.core.errors import InvalidInput
from puhui.core.money import CNY, Money, currency_of, format_minor, parse_minor


def test_parse_minor_reads_major_units_exactly() -> None:
    assert parse_minor("5000") == 500000
    assert parse_minor("304.90") == 30490
    assert parse_minor(Decimal("0.01")) == 1


@pytest.mark.parametrize("text", ["12.345", "0.001", "1e-3"])
def test_parse_minor_refuses_more_decimals_than_the_currency_has(text: str) -> None:
    with pytest.raises(InvalidInput, match="more decimals than CNY allows"):
        parse_minor(text)


@pytest.mark.parametrize("text", ["abc", "", "NaN", "Infinity"])
def test_parse_minor_refuses_non_numbers(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_minor(text)


@given(st.integers(-(10**15), 10**15))
def test_format_and_parse_round_trip(amount_minor: int) -> None:
    assert parse_minor(format_minor(amount_minor)) == amount_minor


def test_money_refuses_floats_and_mixed_currencies() -> None:
    with pytest.raises(InvalidInput):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="cannot mix"):
        Money(1, CNY) + Money(1, currency_of("USD"))
    assert str(Money.parse("12.30")) == "12.30 CNY"


def test_unknown_currency_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="CNY"):
        currency_of("XXX")
