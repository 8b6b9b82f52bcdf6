"""The annualised rate of a schedule's real cash flows (IRR), fees included.

This is the number a borrower must be shown ahead of any daily or monthly rate: the rate that
discounts every payment back to the principal actually made available. Time is measured in the
schedule's periods: a cash flow on the k-th regular due date is at time k exactly, and a flow on any
other date (down payment at 0, a broken first period, a harvest date) sits between grid points in
proportion to its days. The periodic IRR r gives nominal APR = r × periods-per-year and effective
APR = (1 + r) ** periods-per-year − 1.

The solver runs in Decimal (28+ significant digits): Newton's method from the contract rate,
falling back to bisection, bounded at 200 iterations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Protocol

from puhui.core.errors import InvariantBroken

if TYPE_CHECKING:
    from puhui.loans.terms import ScheduleTerms

MAX_ITERATIONS = 200
TOLERANCE = Decimal("1e-20")


class CashFlowRow(Protocol):
    @property
    def due_date(self) -> date: ...

    @property
    def total_minor(self) -> int: ...


@dataclass(frozen=True, slots=True)
class AnnualisedRate:
    """Periodic IRR and its nominal and effective annual equivalents (fractions, not percent)."""

    periodic: Decimal
    periods_per_year: int

    @property
    def nominal(self) -> Decimal:
        return self.periodic * self.periods_per_year

    @property
    def effective(self) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = 40
            return (1 + self.periodic) ** self.periods_per_year - 1

    def nominal_percent(self, places: int = 2) -> Decimal:
        return _percent(self.nominal, places)

    def effective_percent(self, places: int = 2) -> Decimal:
        return _percent(self.effective, places)


def _percent(rate: Decimal, places: int) -> Decimal:
    return (rate * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _periods_before(terms: ScheduleTerms, when: date) -> int:
    """A close estimate of how many whole periods lie between the start and `when`."""
    start = terms.start_date
    months = (when.year - start.year) * 12 + when.month - start.month
    estimate = {
        "weekly": (when - start).days // 7,
        "biweekly": (when - start).days // 14,
        "monthly": months,
        "quarterly": months // 3,
    }[terms.frequency.value]
    return max(estimate - 1, 0)


def period_time(terms: ScheduleTerms, when: date) -> Fraction:
    """Time of a date in periods from the start: integers on the regular grid, pro rata between."""
    if when <= terms.start_date:
        return Fraction(0)
    step = terms.frequency.step
    k = _periods_before(terms, when)
    while step(terms.start_date, k + 1) <= when:  # the estimate is at most one period short
        k += 1
    while k > 0 and step(terms.start_date, k) > when:
        k -= 1
    grid_start, grid_end = step(terms.start_date, k), step(terms.start_date, k + 1)
    return k + Fraction((when - grid_start).days, (grid_end - grid_start).days)


def annualised_rate(terms: ScheduleTerms, rows: Sequence[CashFlowRow]) -> AnnualisedRate:
    """APR of lending `terms.principal_minor` on the start date against `rows` as repayments."""
    flows: list[tuple[Fraction, int]] = [(Fraction(0), -terms.principal_minor)]
    flows += [(period_time(terms, row.due_date), row.total_minor) for row in rows]
    guess = Decimal(terms.annual_rate) / terms.frequency.periods_per_year
    return AnnualisedRate(irr(flows, guess), terms.frequency.periods_per_year)


def _npv_and_slope(flows: list[tuple[Decimal, int]], rate: Decimal) -> tuple[Decimal, Decimal]:
    npv = Decimal(0)
    slope = Decimal(0)
    base = 1 + rate
    for time, amount in flows:
        discount = base**-time
        npv += amount * discount
        slope -= time * amount * discount / base
    return npv, slope


def irr(flows: list[tuple[Fraction, int]], guess: Decimal = Decimal("0.01")) -> Decimal:
    """Periodic rate r with Σ amount × (1 + r) ** −time = 0 (first flow negative).

    Raises:
        InvariantBroken: the flows have no sign change (no rate exists), which is a bug upstream.
    """
    if not any(a < 0 for _, a in flows) or not any(a > 0 for _, a in flows):
        raise InvariantBroken("IRR needs both an outflow and an inflow")
    with localcontext() as ctx:
        ctx.prec = 34
        decimal_flows = [(Decimal(t.numerator) / Decimal(t.denominator), a) for t, a in flows]
        rate = guess
        for _ in range(MAX_ITERATIONS):
            npv, slope = _npv_and_slope(decimal_flows, rate)
            if slope == 0:
                break
            step = npv / slope
            rate -= step
            if rate <= -1:
                break
            if abs(step) < TOLERANCE:
                return +rate
        return _bisect(decimal_flows)


def _bisect(flows: list[tuple[Decimal, int]]) -> Decimal:
    low, high = Decimal("-0.99"), Decimal(10)
    npv_low, _ = _npv_and_slope(flows, low)
    for _ in range(MAX_ITERATIONS):
        middle = (low + high) / 2
        npv_middle, _ = _npv_and_slope(flows, middle)
        if (npv_middle > 0) == (npv_low > 0):
            low, npv_low = middle, npv_middle
        else:
            high = middle
        if high - low < TOLERANCE:
            break
    return (low + high) / 2
