"""Vectorised twins of the one-loan accrual formulas (`puhui.loans.accrual`), exact in int64.

NumPy has no exact rational rounding, so it is written here: integer division with the remainder
compared against half the divisor, half-up or half-even per loan. Property tests check every
function against the scalar version on random inputs, including the bounds asserted below.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

NO_DAY = np.int64(-(10**9))  # day number standing in for SQL NULL dates
INT64_SAFE = np.int64(2**62)


def round_divide(
    numerator: Int64Array, denominator: Int64Array, half_even: BoolArray
) -> Int64Array:
    """numerator / denominator rounded to an integer (half-up, or half-even where flagged).

    Exactly `puhui.core.rounding.round_fraction`, element-wise; denominators must be positive.
    """
    sign = np.where(numerator < 0, -1, 1).astype(np.int64)
    magnitude = np.abs(numerator)
    quotient, remainder = np.divmod(magnitude, denominator)
    twice = 2 * remainder
    round_up = (twice > denominator) | ((twice == denominator) & (~half_even | (quotient % 2 == 1)))
    rounded: Int64Array = sign * (quotient + round_up.astype(np.int64))
    return rounded


def straight_line_accrued(
    *,
    interest: Int64Array,
    anchor: Int64Array,
    anchor_day: Int64Array,
    due_day: Int64Array,
    on_day: Int64Array,
    half_even: BoolArray,
) -> Int64Array:
    """Twin of `loans.accrual.straight_line_accrued` (rows without a period give 0)."""
    length = np.maximum(due_day - anchor_day, 1)
    elapsed = np.clip(on_day - anchor_day, 0, length)
    partial = anchor + round_divide((interest - anchor) * elapsed, length, half_even)
    value = np.where(on_day <= anchor_day, anchor, np.where(on_day >= due_day, interest, partial))
    return np.where(due_day == NO_DAY, 0, value)


def penalty_accrued(
    *,
    base: Int64Array,
    rate_numerator: Int64Array,
    rate_denominator: Int64Array,
    basis_days: Int64Array,
    days: Int64Array,
    half_even: BoolArray,
) -> Int64Array:
    """Twin of `loans.accrual.penalty_accrued`, overflow-free by splitting off the quotient.

    base × num × days / (den × basis) = q × days + (r × days) / (den × basis) with
    (q, r) = divmod(base × num, den × basis): only `r × days` needs rounding, and it is small.
    """
    scaled = base * rate_numerator
    if np.any(scaled >= INT64_SAFE):
        raise OverflowError("penalty base × rate numerator exceeds the int64 safe bound")
    divisor = rate_denominator * basis_days
    quotient, remainder = np.divmod(scaled, divisor)
    days = np.maximum(days, 0)
    # The tie-break of half-even needs the parity of the whole result, so round here rather
    # than with round_divide on the remainder part alone.
    extra, left = np.divmod(remainder * days, divisor)
    whole = quotient * days + extra
    twice = 2 * left
    round_up = (twice > divisor) | ((twice == divisor) & (~half_even | (whole % 2 == 1)))
    result: Int64Array = whole + round_up.astype(np.int64)
    return result


def penalty_days(
    *, anchor_day: Int64Array, threshold_day: Int64Array, on_day: Int64Array
) -> Int64Array:
    """Twin of `loans.accrual.penalty_days` (no threshold → 0 days)."""
    days = on_day - np.maximum(anchor_day, threshold_day)
    return np.where(threshold_day == NO_DAY, 0, np.maximum(days, 0))


ColumnGetter = Callable[[str], Int64Array]


def accrued_interest_from_row(col: ColumnGetter, on: Int64Array) -> Int64Array:
    """Twin of `Loan.accrued_unbilled` from a loan row's `next_*` columns (live loans)."""
    return straight_line_accrued(
        interest=col("next_interest_minor"),
        anchor=col("next_accrual_anchor_minor"),
        anchor_day=col("next_accrual_start"),
        due_day=col("next_due_date"),
        on_day=on,
        half_even=col("half_even").astype(np.bool_),
    )


def penalty_accrued_from_row(col: ColumnGetter, on: Int64Array) -> Int64Array:
    """Penalty accrued since the loan row's anchor by the end of `on` (live loans); the
    unpaid penalty is the anchor's unpaid amount plus this (`Loan.penalty_unpaid`)."""
    days = penalty_days(
        anchor_day=col("penalty_anchor_date"),
        threshold_day=col("penalty_threshold_date"),
        on_day=on,
    )
    return penalty_accrued(
        base=col("penalty_base_minor"),
        rate_numerator=col("penalty_rate_numerator"),
        rate_denominator=col("penalty_rate_denominator"),
        basis_days=col("penalty_basis_days"),
        days=days,
        half_even=col("half_even").astype(np.bool_),
    )
