"""SQL twin of the straight-line interest accrual, so a database sums a day's accrual in place.

End-of-day needs the total interest accrued today over every live loan, but only a few percent of
loans have anything else to do. Summing in SQL keeps the other 90 % of rows out of Python entirely.
The expression mirrors `puhui.loans.accrual.straight_line_accrued` exactly (integer arithmetic,
half-up or half-even per loan); a property test checks it against the scalar function on both
databases. All operands are non-negative, so integer division is floor division on both.
"""

from __future__ import annotations


def _greatest(dialect: str, first: str, second: str) -> str:
    return f"MAX({first}, {second})" if dialect == "sqlite" else f"GREATEST({first}, {second})"


def _round_divide(numerator: str, denominator: str) -> str:
    """numerator / denominator rounded per the loan's `rounding` column (numerator ≥ 0)."""
    # No `%`: it is the parameter marker of PostgreSQL's driver. q − 2·(q / 2) is q mod 2.
    quotient = f"(({numerator}) / ({denominator}))"
    remainder = f"(({numerator}) - {quotient} * ({denominator}))"
    return (
        f"(CASE WHEN 2 * {remainder} > ({denominator}) OR (2 * {remainder} = ({denominator}) "
        f"AND (rounding = 'half_up' OR {quotient} - 2 * ({quotient} / 2) = 1)) "
        f"THEN {quotient} + 1 ELSE {quotient} END)"
    )


def accrued_interest_sql(on: str) -> str:
    """Interest of the loan's current instalment accrued by the end of day number `on`."""
    start, due = "next_accrual_start", "next_due_date"
    anchor, interest = "next_accrual_anchor_minor", "next_interest_minor"
    partial = _round_divide(f"({interest} - {anchor}) * (({on}) - {start})", f"{due} - {start}")
    return (
        f"(CASE WHEN {due} IS NULL THEN 0 WHEN ({on}) <= {start} THEN {anchor} "
        f"WHEN ({on}) >= {due} THEN {interest} ELSE {anchor} + {partial} END)"
    )


def interest_accrued_today_sql(dialect: str, day_param: str) -> str:
    """Interest accrued on day `day_param` by a loan not yet opened on it (since its last day)."""
    since = _greatest(dialect, f"{day_param} - 1", "opened_through")
    return f"({accrued_interest_sql(day_param)} - {accrued_interest_sql(since)})"
