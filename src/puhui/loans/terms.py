"""The contractual terms a repayment schedule is generated from, validated on construction.

Terms are an immutable value: a product supplies defaults, an offer fills in the amount, rate
and dates, and the schedule generator turns them into instalments. Validation happens here so that
no half-valid terms ever reach the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from puhui.core.dates import DayCount, add_days, add_months
from puhui.core.money import CNY, Currency
from puhui.core.rounding import RoundingMode, round_minor
from puhui.loans.errors import InvalidTerms

MAX_PERIODS = 60
MAX_ANNUAL_RATE = Decimal("1")  # 100 % a year: beyond this the terms are a typo, not a product


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @property
    def periods_per_year(self) -> int:
        return {"weekly": 52, "biweekly": 26, "monthly": 12, "quarterly": 4}[self.value]

    def step(self, anchor: date, periods: int) -> date:
        """The date `periods` periods after `anchor`, always computed from the anchor."""
        if self is Frequency.WEEKLY:
            return add_days(anchor, 7 * periods)
        if self is Frequency.BIWEEKLY:
            return add_days(anchor, 14 * periods)
        if self is Frequency.MONTHLY:
            return add_months(anchor, periods)
        return add_months(anchor, 3 * periods)


class Method(StrEnum):
    """How principal and interest are spread over the instalments."""

    EQUAL_INSTALMENT = "equal_instalment"  # annuity: level total payment
    EQUAL_PRINCIPAL = "equal_principal"  # level principal, interest on the reducing balance
    FLAT = "flat"  # interest on the original principal every period
    INTEREST_ONLY = "interest_only"  # interest every period, all principal at the end
    BULLET = "bullet"  # one payment of principal and all interest at maturity


class InterestBasis(StrEnum):
    """PERIOD: rate / periods-per-year each period. DAILY: rate × the period's year fraction."""

    PERIOD = "period"
    DAILY = "daily"


def _enum(enum_type: type[StrEnum], value: object, what: str) -> StrEnum:
    try:
        return enum_type(str(value))
    except ValueError:
        options = ", ".join(m.value for m in enum_type)
        raise InvalidTerms(f"unknown {what} {value!r}; use one of: {options}") from None


@dataclass(frozen=True, slots=True)
class HarvestDate:
    """A seasonal loan's principal due date and the share of principal due then."""

    due_date: date
    principal_share: Decimal


@dataclass(frozen=True, slots=True)
class ScheduleTerms:
    """Everything the schedule generator needs; amounts in minor units, rates as Decimal.

    `fee_rate_per_period` is charged every period on the financed amount (BNPL "fee-based" plans).
    `down_payment_rate` makes the first row a principal-only payment due on the start date.
    `first_due_date` makes a broken first period; later due dates step from it.
    `harvest_dates` makes a seasonal loan: principal due on those dates, interest every period.
    """

    principal_minor: int
    annual_rate: Decimal
    periods: int
    start_date: date
    frequency: Frequency = Frequency.MONTHLY
    method: Method = Method.EQUAL_INSTALMENT
    interest_basis: InterestBasis = InterestBasis.PERIOD
    day_count: DayCount = DayCount.ACTUAL_360
    rounding: RoundingMode = RoundingMode.HALF_UP
    instalment_multiple_minor: int = 1
    principal_grace_periods: int = 0
    first_due_date: date | None = None
    down_payment_rate: Decimal = Decimal(0)
    fee_rate_per_period: Decimal = Decimal(0)
    harvest_dates: tuple[HarvestDate, ...] = field(default=())
    currency: Currency = CNY

    def __post_init__(self) -> None:
        # Coerce enum-typed fields given as text, with a clear message on an unknown value.
        for name, enum_type, what in (
            ("frequency", Frequency, "frequency"),
            ("method", Method, "method"),
            ("interest_basis", InterestBasis, "interest basis"),
            ("day_count", DayCount, "day count"),
            ("rounding", RoundingMode, "rounding mode"),
        ):
            object.__setattr__(self, name, _enum(enum_type, getattr(self, name), what))
        self._validate()

    def _validate(self) -> None:
        if not isinstance(self.principal_minor, int) or self.principal_minor <= 0:
            raise InvalidTerms(f"principal must be a positive amount, got {self.principal_minor}")
        if not isinstance(self.annual_rate, Decimal) or not self.annual_rate.is_finite():
            raise InvalidTerms("annual rate must be a finite Decimal")
        if not Decimal(0) <= self.annual_rate <= MAX_ANNUAL_RATE:
            raise InvalidTerms(
                f"annual rate {self.annual_rate * 100}% is out of range; give 0–100 % a year"
            )
        if not 1 <= self.periods <= MAX_PERIODS:
            raise InvalidTerms(f"periods must be 1–{MAX_PERIODS}, got {self.periods}")
        if self.instalment_multiple_minor < 1:
            raise InvalidTerms("instalment multiple must be at least one minor unit")
        self._validate_grace()
        if not Decimal(0) <= self.down_payment_rate < 1:
            raise InvalidTerms("down payment must be 0 % or more and below 100 % of the principal")
        if not Decimal(0) <= self.fee_rate_per_period <= Decimal("0.1"):
            raise InvalidTerms("fee per period must be 0–10 % of the financed amount")
        if self.first_due_date is not None:
            self._validate_first_due_date(self.first_due_date)
        if self.harvest_dates:
            self._validate_harvests()

    def _validate_first_due_date(self, first_due: date) -> None:
        if self.method is Method.BULLET:
            # A bullet's only due date is its maturity: any date after the start, one period.
            if first_due <= self.start_date or self.periods != 1:
                raise InvalidTerms(
                    f"a bullet maturing on {first_due} needs periods = 1 and a "
                    f"maturity after the start date {self.start_date}"
                )
            return
        regular_second = self.frequency.step(self.start_date, 2)
        if not self.start_date < first_due < regular_second:
            raise InvalidTerms(
                f"first due date {first_due} must fall after the start date "
                f"{self.start_date} and before {regular_second} (two periods later)"
            )

    def _validate_grace(self) -> None:
        grace = self.principal_grace_periods
        if grace < 0 or grace >= self.periods:
            raise InvalidTerms(
                f"principal grace must be 0 to periods − 1 ({self.periods - 1}), got {grace}"
            )
        if grace and self.method in (Method.INTEREST_ONLY, Method.BULLET):
            raise InvalidTerms(
                f"principal grace applies to amortising methods, not {self.method.value}"
            )

    def _validate_harvests(self) -> None:
        dates = [h.due_date for h in self.harvest_dates]
        if dates != sorted(set(dates)) or dates[0] <= self.start_date:
            raise InvalidTerms("harvest dates must be after the start date, in order, no repeats")
        shares = [h.principal_share for h in self.harvest_dates]
        if any(s <= 0 for s in shares) or sum(shares) != 1:
            raise InvalidTerms("harvest principal shares must be positive and sum to 1 (100 %)")

    @property
    def down_payment_minor(self) -> int:
        return round_minor(self.principal_minor * self.down_payment_rate, self.rounding)

    @property
    def financed_minor(self) -> int:
        return self.principal_minor - self.down_payment_minor

    def regular_due_dates(self) -> list[date]:
        """Due dates of the periods 1..n (after any down payment)."""
        if self.first_due_date is None:
            return [self.frequency.step(self.start_date, k) for k in range(1, self.periods + 1)]
        return [self.frequency.step(self.first_due_date, k) for k in range(self.periods)]
