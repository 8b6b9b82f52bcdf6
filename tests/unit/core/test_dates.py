from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.core.dates import DayCount, add_months, days_30_360, year_fraction


def test_month_end_due_dates_roll_without_drifting() -> None:
    start = date(2024, 1, 31)
    assert [add_months(start, k) for k in range(1, 4)] == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 120))
def test_add_months_keeps_the_day_or_clamps_to_month_end(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day == start.day or result.day < start.day


def test_30_360_counts_thirty_days_a_month() -> None:
    assert days_30_360(date(2024, 1, 31), date(2024, 2, 29)) == 29
    assert days_30_360(date(2024, 1, 30), date(2024, 3, 31)) == 60
    assert days_30_360(date(2024, 1, 15), date(2025, 1, 15)) == 360


@pytest.mark.parametrize(
    ("convention", "expected"),
    [
        (DayCount.ACTUAL_360, Fraction(366, 360)),
        (DayCount.ACTUAL_365, Fraction(366, 365)),
        (DayCount.ACTUAL_ACTUAL, Fraction(1)),
        (DayCount.THIRTY_360, Fraction(1)),
    ],
)
def test_year_fraction_of_the_leap_year_2024(convention: DayCount, expected: Fraction) -> None:
    assert year_fraction(date(2024, 1, 1), date(2025, 1, 1), convention) == expected


def test_actual_actual_splits_across_year_ends() -> None:
    fraction = year_fraction(date(2023, 12, 1), date(2024, 2, 1), DayCount.ACTUAL_ACTUAL)
    assert fraction == Fraction(31, 365) + Fraction(31, 366)
