from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.core.errors import InvalidInput
from puhui.core.rounding import (
    RoundingMode,
    allocate_largest_remainder,
    round_fraction,
    round_minor,
    round_to_multiple,
)


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("2.5", RoundingMode.HALF_UP, 3),
        ("2.5", RoundingMode.HALF_EVEN, 2),
        ("3.5", RoundingMode.HALF_EVEN, 4),
        ("-2.5", RoundingMode.HALF_UP, -3),
        ("-2.5", RoundingMode.HALF_EVEN, -2),
        ("2.4999", RoundingMode.HALF_UP, 2),
    ],
)
def test_round_minor_follows_the_mode(value: str, mode: RoundingMode, expected: int) -> None:
    assert round_minor(Decimal(value), mode) == expected


@given(
    numerator=st.integers(-(10**15), 10**15),
    denominator=st.integers(1, 10**9),
    mode=st.sampled_from(RoundingMode),
)
def test_round_fraction_matches_decimal_rounding(
    numerator: int, denominator: int, mode: RoundingMode
) -> None:
    exact = Fraction(numerator, denominator)
    assert round_fraction(numerator, denominator, mode) == round_minor(exact, mode)
    assert abs(round_fraction(numerator, denominator, mode) - exact) <= Fraction(1, 2)


def test_round_to_multiple_rounds_to_whole_yuan() -> None:
    assert round_to_multiple(Decimal("30491.02"), 100, RoundingMode.HALF_UP) == 30500
    assert round_to_multiple(Decimal("30449.99"), 100, RoundingMode.HALF_UP) == 30400


@given(
    total=st.integers(0, 10**12),
    weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=50).filter(lambda w: sum(w) > 0),
)
def test_largest_remainder_parts_sum_exactly_and_stay_within_one_unit(
    total: int, weights: list[int]
) -> None:
    parts = allocate_largest_remainder(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(Fraction(part) - Fraction(total * weight, weight_sum)) < 1


def test_largest_remainder_refuses_empty_weights() -> None:
    with pytest.raises(InvalidInput):
        allocate_largest_remainder(100, [0, 0])
