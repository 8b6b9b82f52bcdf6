"""Exact repayment schedules: principal parts sum to the principal to the fen.

A schedule is a pure function of its terms. Each period gets an exact rate factor (a Fraction):
rate / periods-per-year on the period basis, rate × the period's year fraction on the daily basis
(so a 31-day month costs more than a 28-day one). Interest is rounded per period with the terms'
rounding mode; the last instalment takes whatever principal is left, so rounding never leaks.

The equal instalment on the daily basis is levelled over the actual period lengths, each period
with its own rate factor (the "progressive" method of Fineract): the payment A solves
balance_n = 0 for balance_i = balance_{i-1} × (1 + r_i) − A.

`amortise` is the shared engine: `generate_schedule` feeds it the terms' due dates, and servicing
feeds it the remaining due dates after a prepayment or a merchant refund (re-amortisation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache

from puhui.core.dates import year_fraction
from puhui.core.money import format_minor
from puhui.core.rounding import allocate_largest_remainder, round_fraction, round_to_multiple
from puhui.loans.apr import AnnualisedRate, annualised_rate
from puhui.loans.errors import InvalidTerms
from puhui.loans.terms import InterestBasis, Method, ScheduleTerms


@dataclass(frozen=True, slots=True)
class Instalment:
    """One row of a schedule; amounts in minor units, `balance` is principal left after it."""

    period: int
    due_date: date
    principal_minor: int
    interest_minor: int
    fee_minor: int
    balance_minor: int

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fee_minor


@dataclass(frozen=True, slots=True)
class Schedule:
    """A full schedule with the annualised rate of its cash flows (what a borrower is shown)."""

    terms: ScheduleTerms
    instalments: tuple[Instalment, ...]
    apr: AnnualisedRate

    @property
    def total_interest_minor(self) -> int:
        return sum(i.interest_minor for i in self.instalments)

    @property
    def total_fee_minor(self) -> int:
        return sum(i.fee_minor for i in self.instalments)


def _round(value: Fraction, terms: ScheduleTerms) -> int:
    return round_fraction(value.numerator, value.denominator, terms.rounding)


def uses_day_count(terms: ScheduleTerms) -> bool:
    """Seasonal loans and the daily basis price each period by its days."""
    return terms.interest_basis is InterestBasis.DAILY or bool(terms.harvest_dates)


def rate_factor(
    terms: ScheduleTerms, start: date, end: date, regular: tuple[date, date] | None = None
) -> Fraction:
    """Exact rate factor of the period [start, end).

    On the period basis a full period costs rate / periods-per-year; a broken period costs that
    pro rata to its days over the days of `regular` (a regular period it belongs to).
    """
    annual = Fraction(terms.annual_rate)
    if uses_day_count(terms):
        return annual * year_fraction(start, end, terms.day_count)
    per_period = annual / terms.frequency.periods_per_year
    if regular is None or regular == (start, end):
        return per_period
    regular_length = year_fraction(regular[0], regular[1], terms.day_count)
    return per_period * year_fraction(start, end, terms.day_count) / regular_length


def schedule_rate_factors(terms: ScheduleTerms, due_dates: list[date]) -> list[Fraction]:
    """Rate factor of each period of a new schedule ending on `due_dates`."""
    factors = []
    previous = terms.start_date
    for index, due in enumerate(due_dates):
        regular = None
        if index == 0 and terms.first_due_date is not None:
            regular = (terms.start_date, terms.frequency.step(terms.start_date, 1))
        factors.append(rate_factor(terms, previous, due, regular))
        previous = due
    return factors


def level_payment(balance_minor: int, factors: list[Fraction]) -> Decimal:
    """The level payment that amortises `balance_minor` over periods with these rate factors."""
    with localcontext() as ctx:
        ctx.prec = 50
        growth = [Decimal(f.numerator) / Decimal(f.denominator) + 1 for f in factors]
        if all(g == 1 for g in growth):
            return Decimal(balance_minor) / len(factors)
        compounded = Decimal(1)
        annuity_sum = Decimal(0)
        for g in reversed(growth):
            annuity_sum += compounded
            compounded *= g
        return Decimal(balance_minor) * compounded / annuity_sum


MAX_LEVEL_STEPS = 10


def _floor_to_multiple(amount: Decimal, multiple: int) -> int:
    return int(amount // multiple) * multiple


def _repays_early(terms: ScheduleTerms, balance: int, factors: list[Fraction], level: int) -> bool:
    """Would this level payment clear the balance before the last period?"""
    for factor in factors[:-1]:
        balance -= max(0, level - _round(balance * factor, terms))
        if balance <= 0:
            return True
    return False


def level_amount(terms: ScheduleTerms, balance_minor: int, factors: list[Fraction]) -> int:
    """The level instalment, rounded to the terms' multiple with the terms' rounding mode.

    If rounding up would repay the loan before its last period (tiny balances, coarse
    multiples), it is rounded down instead, so every period keeps a payment and the last one
    takes the remainder.
    """
    payment = level_payment(balance_minor, factors)
    multiple = terms.instalment_multiple_minor
    level = round_to_multiple(payment, multiple, terms.rounding)
    # Interest rounded down on small balances can make even the exact payment finish early;
    # step down a multiple at a time (a couple of steps at most) until the last period pays.
    for _ in range(MAX_LEVEL_STEPS):
        if level <= multiple or not _repays_early(terms, balance_minor, factors, level):
            break
        level = min(level - multiple, _floor_to_multiple(payment, multiple))
    if level <= 0:
        raise InvalidTerms(
            f"the instalment ({format_minor(round(payment))}) is smaller than the instalment "
            f"multiple ({format_minor(terms.instalment_multiple_minor)}); lower the multiple or "
            "the periods"
        )
    return level


def level_principal(terms: ScheduleTerms, balance_minor: int, periods: int) -> int:
    """The level principal part of equal-principal and flat schedules (rounded down where
    rounding up would repay the principal before the last period)."""
    exact = Decimal(balance_minor) / periods
    level = round_to_multiple(exact, terms.instalment_multiple_minor, terms.rounding)
    if level * (periods - 1) >= balance_minor and periods > 1:
        level = _floor_to_multiple(exact, terms.instalment_multiple_minor)
    if level <= 0:
        raise InvalidTerms(
            f"the principal per period ({format_minor(round(exact))}) is smaller than the "
            f"instalment multiple ({format_minor(terms.instalment_multiple_minor)}); lower the "
            "multiple"
        )
    return level


@dataclass(frozen=True, slots=True)
class AmortisationPlan:
    """What `amortise` needs besides the terms; `keep_*` pins a level amount (reduce-term)."""

    balance_minor: int
    due_dates: tuple[date, ...]
    factors: tuple[Fraction, ...]
    fee_per_period_minor: int = 0
    grace_periods: int = 0
    interest_base_minor: int | None = None  # flat: interest on this amount, not the balance
    keep_level_total_minor: int | None = None
    keep_level_principal_minor: int | None = None


def amortise(terms: ScheduleTerms, plan: AmortisationPlan) -> list[Instalment]:
    """Rows (numbered from 1) that repay `plan.balance_minor` over `plan.due_dates`.

    With a pinned level amount (reduce-term after a prepayment) the rows stop as soon as the
    balance is repaid, so the loan ends earlier.
    """
    method = terms.method
    count = len(plan.due_dates)
    grace = plan.grace_periods
    if method is Method.BULLET:
        interest = _round(plan.balance_minor * sum(plan.factors, Fraction(0)), terms)
        fee = plan.fee_per_period_minor * count
        return [Instalment(1, plan.due_dates[-1], plan.balance_minor, interest, fee, 0)]
    level_total = plan.keep_level_total_minor
    if method is Method.EQUAL_INSTALMENT and level_total is None:
        level_total = level_amount(terms, plan.balance_minor, list(plan.factors[grace:]))
    principal_step = plan.keep_level_principal_minor
    if method in (Method.EQUAL_PRINCIPAL, Method.FLAT) and principal_step is None:
        principal_step = level_principal(terms, plan.balance_minor, count - grace)
    flat_base = (
        plan.interest_base_minor if plan.interest_base_minor is not None else plan.balance_minor
    )
    rows: list[Instalment] = []
    balance = plan.balance_minor
    for index, (due, factor) in enumerate(zip(plan.due_dates, plan.factors, strict=True)):
        base = flat_base if method is Method.FLAT else balance
        interest = _round(base * factor, terms)
        if index == count - 1:
            principal = balance
        elif index < grace or method is Method.INTEREST_ONLY:
            principal = 0
        elif method is Method.EQUAL_INSTALMENT:
            principal = min(balance, max(0, (level_total or 0) - interest))
        else:
            principal = min(balance, principal_step or 0)
        balance -= principal
        rows.append(
            Instalment(len(rows) + 1, due, principal, interest, plan.fee_per_period_minor, balance)
        )
        if balance == 0 and (plan.keep_level_total_minor or plan.keep_level_principal_minor):
            break
    return rows


def fee_per_period(terms: ScheduleTerms, basis_minor: int) -> int:
    """The per-period fee of a fee-based plan: a rate on the financed amount."""
    return _round(basis_minor * Fraction(terms.fee_rate_per_period), terms)


def generate_schedule(terms: ScheduleTerms) -> Schedule:
    """Build the schedule for `terms` (see the module docstring for the arithmetic).

    Remembered for the last few thousand terms: an application's offer is scheduled when it is
    decided, again for the instalment table the applicant sees and again when the loan is
    booked, and the exact-fraction arithmetic and the APR solve are most of a decision's cost.
    A schedule is a pure function of its (frozen, hashable) terms, so a remembered one is the
    same schedule; it is returned with the caller's own terms object.
    """
    instalments, apr = _schedule_of(terms)
    return Schedule(terms, instalments, apr)


@lru_cache(maxsize=4096)
def _schedule_of(terms: ScheduleTerms) -> tuple[tuple[Instalment, ...], AnnualisedRate]:
    head = _down_payment_row(terms)
    body = _seasonal_rows(terms) if terms.harvest_dates else _regular_rows(terms)
    offset = len(head)
    rows = head + [
        Instalment(
            r.period + offset,
            r.due_date,
            r.principal_minor,
            r.interest_minor,
            r.fee_minor,
            r.balance_minor,
        )
        for r in body
    ]
    instalments = tuple(rows)
    return instalments, annualised_rate(terms, instalments)


def _down_payment_row(terms: ScheduleTerms) -> list[Instalment]:
    if terms.down_payment_minor == 0:
        return []
    return [Instalment(1, terms.start_date, terms.down_payment_minor, 0, 0, terms.financed_minor)]


def _regular_rows(terms: ScheduleTerms) -> list[Instalment]:
    due_dates = terms.regular_due_dates()
    plan = AmortisationPlan(
        balance_minor=terms.financed_minor,
        due_dates=tuple(due_dates),
        factors=tuple(schedule_rate_factors(terms, due_dates)),
        fee_per_period_minor=fee_per_period(terms, terms.financed_minor),
        grace_periods=terms.principal_grace_periods,
    )
    return amortise(terms, plan)


def seasonal_due_dates(terms: ScheduleTerms, after: date) -> list[date]:
    """Interest dates (every period from the start) up to the last harvest, plus the harvests."""
    last_harvest = terms.harvest_dates[-1].due_date
    dates = {h.due_date for h in terms.harvest_dates}
    k = 1
    while (due := terms.frequency.step(terms.start_date, k)) < last_harvest:
        dates.add(due)
        k += 1
    return sorted(d for d in dates if d > after)


def seasonal_rows(
    terms: ScheduleTerms,
    *,
    balance_minor: int,
    start: date,
    principal_by_date: dict[date, int],
    fee_minor: int,
) -> list[Instalment]:
    """Seasonal rows from `start`: interest on the balance per day count, principal on harvests."""
    rows: list[Instalment] = []
    balance = balance_minor
    previous = start
    for due in seasonal_due_dates(terms, start):
        interest = _round(balance * rate_factor(terms, previous, due), terms)
        principal = min(balance, principal_by_date.get(due, 0))
        if due == terms.harvest_dates[-1].due_date:
            principal = balance
        balance -= principal
        rows.append(Instalment(len(rows) + 1, due, principal, interest, fee_minor, balance))
        previous = due
    return rows


def harvest_principal(terms: ScheduleTerms, balance_minor: int) -> dict[date, int]:
    """Split a balance over the harvest dates by their shares (largest remainder, exact)."""
    shares = [h.principal_share for h in terms.harvest_dates]
    scale = 10 ** max(max(0, -int(s.as_tuple().exponent)) for s in shares)
    parts = allocate_largest_remainder(balance_minor, [int(s * scale) for s in shares])
    return {h.due_date: part for h, part in zip(terms.harvest_dates, parts, strict=True)}


def _seasonal_rows(terms: ScheduleTerms) -> list[Instalment]:
    return seasonal_rows(
        terms,
        balance_minor=terms.financed_minor,
        start=terms.start_date,
        principal_by_date=harvest_principal(terms, terms.financed_minor),
        fee_minor=fee_per_period(terms, terms.financed_minor),
    )
