"""Hypothesis strategies for valid schedule terms (shared by the loans tests)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from puhui.core.dates import DayCount
from puhui.core.rounding import RoundingMode
from puhui.loans.terms import Frequency, InterestBasis, Method, ScheduleTerms

rates = st.decimals(min_value=Decimal(0), max_value=Decimal("0.36"), places=4)


@st.composite
def schedule_terms(draw: st.DrawFn, method: Method | None = None) -> ScheduleTerms:
    chosen = method or draw(st.sampled_from(Method))
    periods = draw(st.integers(1, 60))
    amortising = chosen in (Method.EQUAL_INSTALMENT, Method.EQUAL_PRINCIPAL, Method.FLAT)
    grace = draw(st.integers(0, periods - 1)) if amortising and periods > 1 else 0
    start = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
    frequency = draw(st.sampled_from(Frequency))
    multiple = draw(st.sampled_from([1, 1, 10, 100]))
    # A coarse multiple needs a principal worth at least a multiple per period.
    smallest = max(100, 3 * multiple * periods)
    return ScheduleTerms(
        principal_minor=draw(st.integers(smallest, 10**9)),
        annual_rate=draw(rates),
        periods=periods,
        start_date=start,
        frequency=frequency,
        method=chosen,
        interest_basis=draw(st.sampled_from(InterestBasis)),
        day_count=draw(st.sampled_from(DayCount)),
        rounding=draw(st.sampled_from(RoundingMode)),
        instalment_multiple_minor=multiple,
        principal_grace_periods=grace,
        down_payment_rate=draw(st.sampled_from([Decimal(0), Decimal("0.1"), Decimal("0.25")])),
        fee_rate_per_period=draw(st.sampled_from([Decimal(0), Decimal("0.006")])),
    )
