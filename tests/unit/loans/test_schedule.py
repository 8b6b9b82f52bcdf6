"""Schedules: exact sums, month ends, golden values against independent references."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import assume, given, settings

from puhui.core.dates import DayCount
from puhui.core.rounding import RoundingMode
from puhui.loans.errors import InvalidTerms
from puhui.loans.schedule import _schedule_of, generate_schedule
from puhui.loans.terms import Frequency, HarvestDate, InterestBasis, Method, ScheduleTerms
from tests.unit.loans.strategies import schedule_terms


def terms(**changes: object) -> ScheduleTerms:
    values: dict[str, object] = {
        "principal_minor": 500_000,
        "annual_rate": Decimal("0.12"),
        "periods": 18,
        "start_date": date(2022, 11, 1),
    }
    values.update(changes)
    return ScheduleTerms(**values)  # type: ignore[arg-type]


@given(schedule_terms())
@settings(max_examples=300, deadline=None)
def test_any_schedule_repays_the_principal_to_the_fen(t: ScheduleTerms) -> None:
    rows = generate_schedule(t).instalments
    assert sum(r.principal_minor for r in rows) == t.principal_minor
    assert rows[-1].balance_minor == 0
    assert all(r.principal_minor >= 0 and r.interest_minor >= 0 for r in rows)
    dates = [r.due_date for r in rows]
    assert dates == sorted(dates)
    assert [r.period for r in rows] == list(range(1, len(rows) + 1))
    balance = t.principal_minor
    for row in rows:
        balance -= row.principal_minor
        assert row.balance_minor == balance


@given(schedule_terms(method=Method.EQUAL_INSTALMENT))
@settings(max_examples=200, deadline=None)
def test_equal_instalments_are_level_except_the_last(t: ScheduleTerms) -> None:
    rows = generate_schedule(t).instalments
    amortising = rows[len(rows) - (t.periods - t.principal_grace_periods) :]
    # Where a period's interest exceeds the rounded payment (a few fen over a long quarter),
    # that row pays its interest and nothing is level by construction: not this property.
    assume(all(r.principal_minor > 0 for r in amortising[:-1]))
    totals = {r.principal_minor + r.interest_minor for r in amortising[:-1]}
    assert len(totals) <= 1


def test_equal_instalment_matches_numpy_financial_on_the_period_basis() -> None:
    schedule = generate_schedule(terms())
    rate, periods, principal = 0.01, 18, 5000.0
    payment = npf.pmt(rate, periods, -principal)
    assert schedule.instalments[0].total_minor == round(payment * 100)
    for k, row in enumerate(schedule.instalments[:-1], start=1):
        assert abs(row.interest_minor - npf.ipmt(rate, k, periods, -principal) * 100) <= 1
        assert abs(row.principal_minor - npf.ppmt(rate, k, periods, -principal) * 100) <= 1
    assert schedule.apr.nominal_percent() == Decimal("12.00")
    assert schedule.apr.effective_percent() == Decimal("12.68")


def test_hand_checked_three_month_equal_principal_table() -> None:
    # 3,000.00 at 12 % a year, monthly: 1,000 principal each month, interest 1 % of the balance.
    schedule = generate_schedule(
        terms(principal_minor=300_000, periods=3, method=Method.EQUAL_PRINCIPAL)
    )
    assert [(r.principal_minor, r.interest_minor) for r in schedule.instalments] == [
        (100_000, 3_000),
        (100_000, 2_000),
        (100_000, 1_000),
    ]


def test_flat_interest_is_charged_on_the_original_principal() -> None:
    schedule = generate_schedule(terms(principal_minor=120_000, periods=12, method=Method.FLAT))
    assert {r.interest_minor for r in schedule.instalments} == {1_200}
    assert schedule.apr.nominal > Decimal("0.2")  # a flat 12 % costs about 21.5 % a year


def test_interest_only_pays_the_principal_at_the_end() -> None:
    rows = generate_schedule(terms(periods=6, method=Method.INTEREST_ONLY)).instalments
    assert [r.principal_minor for r in rows] == [0, 0, 0, 0, 0, 500_000]
    assert {r.interest_minor for r in rows} == {5_000}


def test_bullet_pays_simple_interest_at_maturity() -> None:
    rows = generate_schedule(terms(periods=18, method=Method.BULLET)).instalments
    assert len(rows) == 1
    assert rows[0].due_date == date(2024, 5, 1)
    assert rows[0].interest_minor == 90_000  # 5,000 × 1 % × 18


def test_month_end_start_rolls_through_february() -> None:
    rows = generate_schedule(terms(start_date=date(2024, 1, 31), periods=3)).instalments
    assert [r.due_date for r in rows] == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_daily_basis_levels_the_instalment_over_actual_period_lengths() -> None:
    t = terms(
        start_date=date(2024, 1, 31),
        periods=4,
        interest_basis=InterestBasis.DAILY,
        day_count=DayCount.ACTUAL_360,
    )
    rows = generate_schedule(t).instalments
    # Each period's interest is exact for its own days on the balance before it.
    balance = t.principal_minor
    previous = t.start_date
    for row in rows:
        days = (row.due_date - previous).days
        exact = Decimal(balance) * Decimal("0.12") * days / 360
        assert abs(row.interest_minor - exact) <= Decimal("0.5")
        balance -= row.principal_minor
        previous = row.due_date
    assert len({r.total_minor for r in rows[:-1]}) == 1


def test_principal_grace_then_amortises_over_the_rest() -> None:
    rows = generate_schedule(terms(periods=6, principal_grace_periods=2)).instalments
    assert [r.principal_minor for r in rows[:2]] == [0, 0]
    assert all(r.principal_minor > 0 for r in rows[2:])


def test_down_payment_is_the_first_row_due_on_the_start_date() -> None:
    rows = generate_schedule(terms(down_payment_rate=Decimal("0.25"), periods=3)).instalments
    assert rows[0].due_date == date(2022, 11, 1)
    assert (rows[0].principal_minor, rows[0].interest_minor) == (125_000, 0)
    assert sum(r.principal_minor for r in rows) == 500_000
    assert len(rows) == 4


def test_instalment_multiple_rounds_to_whole_yuan() -> None:
    rows = generate_schedule(terms(instalment_multiple_minor=100)).instalments
    assert {r.total_minor for r in rows[:-1]} == {30_500}
    assert sum(r.principal_minor for r in rows) == 500_000


def test_half_even_and_half_up_can_differ() -> None:
    up = generate_schedule(terms(rounding=RoundingMode.HALF_UP, principal_minor=50_050, periods=1))
    even = generate_schedule(
        terms(rounding=RoundingMode.HALF_EVEN, principal_minor=50_050, periods=1)
    )
    assert up.instalments[0].interest_minor == 501  # 500.5 → 501
    assert even.instalments[0].interest_minor == 500  # 500.5 → 500


def test_broken_first_period_is_priced_for_its_days() -> None:
    regular = generate_schedule(terms(periods=3))
    broken = generate_schedule(terms(periods=3, first_due_date=date(2022, 12, 16)))
    assert broken.instalments[0].due_date == date(2022, 12, 16)
    assert broken.instalments[1].due_date == date(2023, 1, 16)
    assert broken.instalments[0].interest_minor > regular.instalments[0].interest_minor


def test_bnpl_fee_plan_states_its_true_rate() -> None:
    schedule = generate_schedule(
        terms(
            principal_minor=300_000,
            annual_rate=Decimal(0),
            periods=6,
            method=Method.EQUAL_PRINCIPAL,
            fee_rate_per_period=Decimal("0.006"),
            down_payment_rate=Decimal("0.25"),
        )
    )
    assert {r.fee_minor for r in schedule.instalments[1:]} == {1_350}
    # 0.6 % a month on the original amount is about 12 % a year on the reducing balance.
    assert Decimal("11") < schedule.apr.nominal_percent() < Decimal("14")


def test_weekly_and_biweekly_steps() -> None:
    weekly = generate_schedule(terms(periods=2, frequency=Frequency.WEEKLY)).instalments
    biweekly = generate_schedule(terms(periods=2, frequency=Frequency.BIWEEKLY)).instalments
    assert [r.due_date for r in weekly] == [date(2022, 11, 8), date(2022, 11, 15)]
    assert [r.due_date for r in biweekly] == [date(2022, 11, 15), date(2022, 11, 29)]


def test_seasonal_principal_falls_on_harvest_dates() -> None:
    harvests = (
        HarvestDate(date(2024, 9, 15), Decimal("0.6")),
        HarvestDate(date(2025, 3, 1), Decimal("0.4")),
    )
    rows = generate_schedule(
        terms(
            start_date=date(2024, 3, 1),
            frequency=Frequency.QUARTERLY,
            harvest_dates=harvests,
            method=Method.INTEREST_ONLY,
            interest_basis=InterestBasis.DAILY,
        )
    ).instalments
    principal = {r.due_date: r.principal_minor for r in rows if r.principal_minor}
    assert principal == {date(2024, 9, 15): 300_000, date(2025, 3, 1): 200_000}
    assert all(r.interest_minor > 0 for r in rows)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"principal_minor": 0}, "principal must be a positive amount"),
        ({"principal_minor": -5}, "principal must be a positive amount"),
        ({"annual_rate": Decimal("1.5")}, "out of range"),
        ({"annual_rate": Decimal("-0.01")}, "out of range"),
        ({"periods": 0}, "periods must be 1–60"),
        ({"periods": 61}, "periods must be 1–60"),
        ({"method": "balloon"}, "unknown method 'balloon'"),
        ({"first_due_date": date(2022, 10, 1)}, "must fall after the start date"),
        ({"principal_grace_periods": 18}, "principal grace must be"),
        ({"down_payment_rate": Decimal(1)}, "down payment"),
    ],
)
def test_bad_terms_are_refused_with_a_clear_message(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidTerms, match=message):
        terms(**changes)


def test_a_remembered_schedule_is_the_same_schedule_with_the_callers_terms() -> None:
    """Equal terms written differently (0.18 and 0.180) share a remembered schedule, but each
    caller gets back its own terms object, and the rows equal a fresh computation's."""
    first = ScheduleTerms(500_000, Decimal("0.18"), 12, date(2025, 3, 3))
    second = ScheduleTerms(500_000, Decimal("0.180"), 12, date(2025, 3, 3))
    one, two = generate_schedule(first), generate_schedule(second)
    assert one.terms is first
    assert two.terms is second
    assert one.instalments == two.instalments
    assert one.apr == two.apr
    assert str(two.terms.annual_rate) == "0.180"
    fresh_rows, fresh_apr = _schedule_of.__wrapped__(second)  # computed again, not remembered
    assert two.instalments == fresh_rows
    assert two.apr == fresh_apr
    other = ScheduleTerms(500_000, Decimal("0.19"), 12, date(2025, 3, 3))
    assert generate_schedule(other).instalments != one.instalments
