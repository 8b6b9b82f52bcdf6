"""Accrual formulas shared by the one-loan path and the vectorised end-of-day.

Interest accrues straight-line over each instalment's period: a row with interest I, an accrual
anchor (date s, amount a already accrued at s) and due date e has accrued
    a + round((I − a) × (d − s) / (e − s))
on day d (clamped to [s, e]). At the due date the whole I has accrued, so billing never leaves a
residue, and the one rounding per day is exact and idempotent: the value on a day does not depend
on how many times or in which batches earlier days were processed.

Penalty interest accrues on overdue principal (base B) at the penalty rate p = num/den a year over
`basis` days, for each day past the anchor date on which the loan is beyond its grace days:
    anchor_unpaid + round(B × num × days / (den × basis)).
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from puhui.core.rounding import RoundingMode, round_fraction


def straight_line_accrued(
    *,
    interest_minor: int,
    anchor_minor: int,
    anchor_date: date,
    due_date: date,
    on: date,
    mode: RoundingMode,
) -> int:
    """Interest of a row accrued by the end of day `on` (see module docstring)."""
    if on <= anchor_date:
        return anchor_minor
    if on >= due_date:
        return interest_minor
    elapsed = (on - anchor_date).days
    length = (due_date - anchor_date).days
    return anchor_minor + round_fraction((interest_minor - anchor_minor) * elapsed, length, mode)


def penalty_days(*, anchor_date: date, threshold_date: date | None, on: date) -> int:
    """Days in (max(anchor, threshold), on] on which penalty interest runs."""
    if threshold_date is None:
        return 0
    return max(0, (on - max(anchor_date, threshold_date)).days)


def penalty_accrued(
    *, base_minor: int, annual_rate: Fraction, basis_days: int, days: int, mode: RoundingMode
) -> int:
    """Penalty interest on `base_minor` for `days` days at `annual_rate` over `basis_days`."""
    if days <= 0 or base_minor == 0 or annual_rate == 0:
        return 0
    numerator = base_minor * annual_rate.numerator * days
    return round_fraction(numerator, annual_rate.denominator * basis_days, mode)


def penalty_threshold(oldest_unpaid_due_date: date | None, grace_days: int) -> date | None:
    """Penalty runs on days after this date (the last day of grace)."""
    if oldest_unpaid_due_date is None:
        return None
    return oldest_unpaid_due_date + timedelta(days=grace_days)
