"""The vectorised accrual formulas agree exactly with their one-loan scalar twins."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.batch.vector_math import (
    NO_DAY,
    BoolArray,
    Int64Array,
    penalty_accrued,
    penalty_days,
    round_divide,
    straight_line_accrued,
)
from puhui.core.rounding import RoundingMode, round_fraction
from puhui.loans import accrual

EPOCH = date(1970, 1, 1)


def day(number: int) -> date:
    return EPOCH + timedelta(days=number)


def ints(values: list[int]) -> Int64Array:
    return np.array(values, dtype=np.int64)


def flags(values: list[bool]) -> BoolArray:
    return np.array(values, dtype=np.bool_)


def mode(half_even: bool) -> RoundingMode:
    return RoundingMode.HALF_EVEN if half_even else RoundingMode.HALF_UP


@st.composite
def fractions_with_ties(draw: st.DrawFn) -> tuple[int, int, bool]:
    """(numerator, denominator, half_even), often exactly halfway between two integers."""
    denominator = draw(st.integers(1, 10**9))
    quotient = draw(st.integers(0, 10**9))
    remainder = draw(st.one_of(st.integers(0, denominator - 1), st.just(denominator // 2)))
    sign = draw(st.sampled_from([-1, 1]))
    return sign * (quotient * denominator + remainder), denominator, draw(st.booleans())


@pytest.mark.parametrize(
    ("numerator", "denominator", "half_even", "expected"),
    [
        (5, 2, False, 3),
        (5, 2, True, 2),
        (7, 2, True, 4),
        (-5, 2, False, -3),
        (-5, 2, True, -2),
        (-7, 2, True, -4),
        (4, 3, False, 1),
        (-5, 3, True, -2),
        (0, 7, True, 0),
    ],
)
def test_round_divide_rounds_halves_per_loan(
    numerator: int, denominator: int, half_even: bool, expected: int
) -> None:
    result = round_divide(ints([numerator]), ints([denominator]), flags([half_even]))
    assert result.tolist() == [expected]


@given(st.lists(fractions_with_ties(), min_size=1, max_size=40))
@settings(max_examples=200)
def test_round_divide_matches_round_fraction_element_by_element(
    rows: list[tuple[int, int, bool]],
) -> None:
    numerators, denominators, half_even = zip(*rows, strict=True)
    result = round_divide(ints(list(numerators)), ints(list(denominators)), flags(list(half_even)))
    assert result.tolist() == [round_fraction(n, d, mode(e)) for n, d, e in rows]


@st.composite
def accrual_rows(draw: st.DrawFn) -> tuple[int, int, int, int, int, bool]:
    """(interest, anchor, anchor_day, due_day, on_day, half_even); due_day may be NO_DAY."""
    anchor = draw(st.integers(0, 10**9))
    interest = anchor + draw(st.integers(0, 10**9))
    anchor_day = draw(st.integers(0, 40_000))
    due_day = anchor_day + draw(st.integers(1, 400))
    on_day = draw(st.integers(anchor_day - 30, due_day + 30))
    if draw(st.booleans()) and draw(st.booleans()):
        due_day = int(NO_DAY)
    return interest, anchor, anchor_day, due_day, on_day, draw(st.booleans())


def scalar_straight_line(row: tuple[int, int, int, int, int, bool]) -> int:
    interest, anchor, anchor_day, due_day, on_day, half_even = row
    if due_day == NO_DAY:
        return 0
    return accrual.straight_line_accrued(
        interest_minor=interest,
        anchor_minor=anchor,
        anchor_date=day(anchor_day),
        due_date=day(due_day),
        on=day(on_day),
        mode=mode(half_even),
    )


def vector_straight_line(rows: list[tuple[int, int, int, int, int, bool]]) -> list[int]:
    interest, anchor, anchor_day, due_day, on_day, half_even = zip(*rows, strict=True)
    result = straight_line_accrued(
        interest=ints(list(interest)),
        anchor=ints(list(anchor)),
        anchor_day=ints(list(anchor_day)),
        due_day=ints(list(due_day)),
        on_day=ints(list(on_day)),
        half_even=flags(list(half_even)),
    )
    return [int(v) for v in result]


@given(st.lists(accrual_rows(), min_size=1, max_size=40))
@settings(max_examples=200)
def test_straight_line_accrued_matches_the_scalar_formula(
    rows: list[tuple[int, int, int, int, int, bool]],
) -> None:
    assert vector_straight_line(rows) == [scalar_straight_line(row) for row in rows]


def test_straight_line_accrual_runs_from_anchor_to_interest() -> None:
    # 10 days, 100 anchor, 1000 interest: 90 a day.
    rows = [(1_000, 100, 50, 60, on, False) for on in (49, 50, 51, 55, 59, 60, 61)]
    assert vector_straight_line(rows) == [100, 100, 190, 550, 910, 1_000, 1_000]


def test_rows_without_a_due_date_accrue_nothing() -> None:
    rows = [(1_000, 100, 50, int(NO_DAY), on, True) for on in (0, 55, 10**6)]
    assert vector_straight_line(rows) == [0, 0, 0]


@st.composite
def penalty_day_rows(draw: st.DrawFn) -> tuple[int, int, int]:
    """(anchor_day, threshold_day, on_day) near each other; threshold_day may be NO_DAY."""
    anchor_day = draw(st.integers(0, 40_000))
    threshold_day = anchor_day + draw(st.integers(-60, 60))
    on_day = max(anchor_day, threshold_day) + draw(st.integers(-30, 400))
    if draw(st.integers(0, 3)) == 0:
        threshold_day = int(NO_DAY)
    return anchor_day, threshold_day, on_day


@given(st.lists(penalty_day_rows(), min_size=1, max_size=40))
@settings(max_examples=200)
def test_penalty_days_match_the_scalar_count(rows: list[tuple[int, int, int]]) -> None:
    anchor_day, threshold_day, on_day = zip(*rows, strict=True)
    result = penalty_days(
        anchor_day=ints(list(anchor_day)),
        threshold_day=ints(list(threshold_day)),
        on_day=ints(list(on_day)),
    )
    expected = [
        accrual.penalty_days(
            anchor_date=day(a), threshold_date=None if t == NO_DAY else day(t), on=day(o)
        )
        for a, t, o in rows
    ]
    assert result.tolist() == expected


def test_penalty_days_count_days_after_the_later_of_anchor_and_threshold() -> None:
    result = penalty_days(
        anchor_day=ints([100, 100, 100, 100, 100, 100]),
        threshold_day=ints([90, 110, 110, 110, 110, int(NO_DAY)]),
        on_day=ints([105, 105, 110, 111, 115, 200]),
    )
    assert result.tolist() == [5, 0, 0, 1, 5, 0]


@st.composite
def penalty_rows(draw: st.DrawFn, half_even: bool) -> tuple[int, int, int, int, int, bool]:
    """(base, rate numerator, rate denominator, basis, days, half_even)."""
    return (
        draw(st.integers(0, 10**10)),
        draw(st.integers(0, 10**6)),
        draw(st.one_of(st.sampled_from([1, 2, 100, 4_000, 10_000]), st.integers(1, 10**6))),
        draw(st.sampled_from([360, 365])),
        draw(st.integers(-5, 3650)),
        half_even,
    )


def is_exact_half(row: tuple[int, int, int, int, int, bool]) -> bool:
    base, numerator, denominator, basis, days, _ = row
    exact = Fraction(base * numerator * max(days, 0), denominator * basis)
    return exact.denominator == 2


def vector_penalty(rows: list[tuple[int, int, int, int, int, bool]]) -> list[int]:
    base, numerator, denominator, basis, days, half_even = zip(*rows, strict=True)
    result = penalty_accrued(
        base=ints(list(base)),
        rate_numerator=ints(list(numerator)),
        rate_denominator=ints(list(denominator)),
        basis_days=ints(list(basis)),
        days=ints(list(days)),
        half_even=flags(list(half_even)),
    )
    return [int(v) for v in result]


def scalar_penalty(row: tuple[int, int, int, int, int, bool]) -> int:
    base, numerator, denominator, basis, days, half_even = row
    return accrual.penalty_accrued(
        base_minor=base,
        annual_rate=Fraction(numerator, denominator),
        basis_days=basis,
        days=days,
        mode=mode(half_even),
    )


@given(st.lists(penalty_rows(half_even=False), min_size=1, max_size=40))
@settings(max_examples=200)
def test_half_up_penalty_accrued_matches_the_scalar_formula(
    rows: list[tuple[int, int, int, int, int, bool]],
) -> None:
    assert vector_penalty(rows) == [scalar_penalty(row) for row in rows]


@given(st.lists(penalty_rows(half_even=True), min_size=1, max_size=40))
@settings(max_examples=200)
def test_half_even_penalty_accrued_matches_the_scalar_formula(
    rows: list[tuple[int, int, int, int, int, bool]],
) -> None:
    assert vector_penalty(rows) == [scalar_penalty(row) for row in rows]


@pytest.mark.parametrize(
    "row",
    [(2_000, 27, 100, 360, 1, True), (2_000, 27, 100, 360, 3, True), (3, 180, 1, 360, 1, True)],
    ids=["20-yuan-1-day", "20-yuan-3-days", "tiny"],
)
def test_half_even_penalty_accrued_matches_the_scalar_formula_on_exact_halves(
    row: tuple[int, int, int, int, int, bool],
) -> None:
    assert is_exact_half(row)
    assert vector_penalty([row]) == [scalar_penalty(row)]


def test_half_even_penalty_accrued_agrees_on_exact_halves_below_one_fen_a_day() -> None:
    # 10.00 CNY at 27 %/360: 0.75 fen a day, so 2 days = 1.5 fen → 2 (half-even), exactly.
    rows = [(1_000, 27, 100, 360, 1, True), (1_000, 27, 100, 360, 2, True)]
    assert vector_penalty(rows) == [scalar_penalty(row) for row in rows] == [1, 2]


def test_half_up_penalty_accrued_rounds_an_exact_half_up() -> None:
    # 20.00 CNY at 27 %/360 for 1 day = 1.5 fen.
    assert vector_penalty([(2_000, 27, 100, 360, 1, False)]) == [2]


def test_penalty_accrued_on_a_realistic_loan() -> None:
    # 10,000.00 overdue at 27 % a year (18 % × 1.5), actual/360, for 30 days: 225.00 exactly.
    rows = [(1_000_000, 27, 100, 360, 30, False), (1_000_000, 27, 100, 360, 0, False)]
    assert vector_penalty(rows) == [22_500, 0]


def test_penalty_accrued_rounds_the_exact_half_per_loan() -> None:
    # base × 1/2 a year for a whole 360-day year: 1 → ½ and 3 → 1½, exactly halfway.
    rows = [(1, 1, 2, 360, 360, False), (1, 1, 2, 360, 360, True), (3, 1, 2, 360, 360, True)]
    assert vector_penalty(rows) == [1, 0, 2]


def test_penalty_accrued_refuses_a_base_times_numerator_beyond_the_safe_bound() -> None:
    with pytest.raises(OverflowError):
        vector_penalty([(2**31, 2**31, 1, 360, 1, False)])


def test_penalty_accrued_accepts_a_base_times_numerator_just_below_the_bound() -> None:
    row = (2**62 - 1, 1, 1, 360, 1, False)
    assert vector_penalty([row]) == [scalar_penalty(row)]


def test_penalty_accrued_checks_the_bound_on_every_row() -> None:
    with pytest.raises(OverflowError):
        vector_penalty([(100, 1, 1, 360, 1, False), (2**40, 2**22, 7, 365, 1, True)])
