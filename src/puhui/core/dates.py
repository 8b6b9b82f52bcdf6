"""Calendar arithmetic for schedules: month stepping that keeps month ends, and day counts.

Due dates are always computed from the start date (start + k months), never by stepping from
the previous due date, so 31 Jan → 28/29 Feb → 31 Mar rather than drifting to the 28th.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


class DayCount(StrEnum):
    """Day-count conventions: how many days a span has and how many days a year has."""

    THIRTY_360 = "30/360"
    ACTUAL_360 = "actual/360"
    ACTUAL_365 = "actual/365"
    ACTUAL_ACTUAL = "actual/actual"


def add_months(start: date, months: int) -> date:
    """`start` plus `months` calendar months, clamped to the end of a shorter month."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def add_days(start: date, days: int) -> date:
    return start + timedelta(days=days)


def days_30_360(start: date, end: date) -> int:
    """Days between two dates under the 30/360 (US/ISDA bond basis) convention."""
    d1 = min(start.day, 30)
    d2 = min(end.day, 30) if d1 == 30 else end.day
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def day_count_days(start: date, end: date, convention: DayCount) -> int:
    """Days in [start, end) as the convention counts them."""
    if convention is DayCount.THIRTY_360:
        return days_30_360(start, end)
    return (end - start).days


def year_fraction(start: date, end: date, convention: DayCount) -> Fraction:
    """Exact fraction of a year between two dates under the convention.

    actual/actual follows ISDA: days falling in a leap year count over 366, the others over 365.
    """
    if convention is DayCount.THIRTY_360:
        return Fraction(days_30_360(start, end), 360)
    if convention is DayCount.ACTUAL_360:
        return Fraction((end - start).days, 360)
    if convention is DayCount.ACTUAL_365:
        return Fraction((end - start).days, 365)
    total = Fraction(0)
    cursor = start
    while cursor < end:
        year_end = date(cursor.year + 1, 1, 1)
        segment_end = min(year_end, end)
        days_in_year = 366 if calendar.isleap(cursor.year) else 365
        total += Fraction((segment_end - cursor).days, days_in_year)
        cursor = segment_end
    return total


def daily_basis_days(convention: DayCount) -> int:
    """Days in a year for a one-day rate (penalty interest, daily accrual).

    360 for the /360 conventions; 365 otherwise (actual/actual charges a leap day at 1/365 too,
    a deliberate simplification documented in docs/servicing.md).
    """
    return 360 if convention in (DayCount.THIRTY_360, DayCount.ACTUAL_360) else 365


def as_fraction(value: Decimal) -> Fraction:
    """Exact Fraction of a Decimal (Decimal → Fraction is lossless)."""
    return Fraction(value)
