"""Instalment conversion: a purchase or a statement split into 3/6/9/12 monthly parts for a fee.

The borrower sees the quote — every part with its due date, the fee per period and the APR of
the real cash flows (IRR, fee included) — before agreeing. Each statement then bills one part:
its principal joins what is due, its fee becomes a fee receivable. Settling early bills the rest
of the principal at once; the fees of periods not yet billed are rebated or charged as the
product says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from puhui.core.dates import add_months
from puhui.core.rounding import RoundingMode, round_minor
from puhui.lines.errors import LineRefused
from puhui.lines.products import LineProduct
from puhui.loans.apr import AnnualisedRate, irr

DAYS_PER_MONTH = Fraction(365, 12)


def statement_date_after(statement_day: int, on: date) -> date:
    """The first statement date strictly after `on` for a line whose statement day is given."""
    candidate = on.replace(day=statement_day)
    return candidate if candidate > on else add_months(candidate, 1)


@dataclass(frozen=True, slots=True)
class QuoteRow:
    due_date: date
    principal_minor: int
    fee_minor: int

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.fee_minor


@dataclass(frozen=True, slots=True)
class ConversionQuote:
    """What converting `principal_minor` into `periods` parts costs, shown before agreeing."""

    principal_minor: int
    periods: int
    fee_rate_per_period: Decimal
    fee_per_period_minor: int
    rows: tuple[QuoteRow, ...]
    apr: AnnualisedRate

    @property
    def total_fee_minor(self) -> int:
        return self.fee_per_period_minor * self.periods


def principal_parts(principal_minor: int, periods: int) -> list[int]:
    """Equal parts in minor units; the remainder goes to the last part so they sum exactly."""
    part = principal_minor // periods
    return [part] * (periods - 1) + [principal_minor - part * (periods - 1)]


def quote_conversion(
    product: LineProduct,
    *,
    principal_minor: int,
    periods: int,
    on: date,
    statement_day: int,
) -> ConversionQuote:
    """The parts, fees and APR of converting on `on`; parts are billed on the next statements.

    Raises:
        LineRefused: the product offers no conversion into `periods` parts, or nothing to convert.
    """
    if periods not in product.conversion_fees:
        offered = ", ".join(str(p) for p in sorted(product.conversion_fees))
        raise LineRefused(
            "conversion_term_not_offered",
            f"{product.code} converts into {offered} parts, not {periods}; pick one of those",
        )
    if principal_minor <= 0:
        raise LineRefused("nothing_to_convert", "there is no principal to convert")
    rate = product.conversion_fees[periods]
    fee = round_minor(Decimal(principal_minor) * rate, RoundingMode.HALF_UP)
    first_statement = statement_date_after(statement_day, on)
    rows = tuple(
        QuoteRow(
            add_months(first_statement, index) + timedelta(product.statement_to_due_days),
            part,
            fee,
        )
        for index, part in enumerate(principal_parts(principal_minor, periods))
    )
    flows = [(Fraction(0), -principal_minor)] + [
        (Fraction((row.due_date - on).days) / DAYS_PER_MONTH, row.total_minor) for row in rows
    ]
    periodic = irr(flows, guess=rate * 2) if fee > 0 else Decimal(0)
    return ConversionQuote(
        principal_minor, periods, rate, fee, rows, AnnualisedRate(periodic, periods_per_year=12)
    )


@dataclass(slots=True)
class InstalmentPlan:
    """A conversion in progress: how much is converted, how many parts are billed."""

    plan_id: str
    created_on: date
    principal_minor: int
    periods: int
    fee_per_period_minor: int
    apr_percent: Decimal
    fee_rate: Decimal
    billed_count: int = 0
    billed_principal_minor: int = 0
    status: str = "active"  # active | completed | settled

    @property
    def remaining_principal_minor(self) -> int:
        return self.principal_minor - self.billed_principal_minor

    @property
    def unbilled_periods(self) -> int:
        return self.periods - self.billed_count

    def bill_next(self) -> tuple[int, int]:
        """(principal, fee) of the next part, as quoted; after a refund the unbilled principal
        is split evenly over the unbilled periods (the last part takes the remainder)."""
        parts = principal_parts(self.principal_minor, self.periods)
        if sum(parts[: self.billed_count]) == self.billed_principal_minor:
            principal = parts[self.billed_count]  # the quoted schedule, part by part
        else:  # a refund shrank the plan: spread what is left evenly
            principal = self.remaining_principal_minor // self.unbilled_periods
        if self.unbilled_periods == 1 or principal == 0:
            principal = self.remaining_principal_minor
        self.billed_count += 1
        self.billed_principal_minor += principal
        if self.remaining_principal_minor == 0:
            self.status = "completed"
        return principal, self.fee_per_period_minor

    def reduce(self, amount_minor: int) -> int:
        """Take a merchant refund off the unbilled principal; returns the part it absorbed.

        The fee of the periods still to bill is recomputed on the smaller principal, so the
        conversion never costs more than the rate quoted; nothing left ends the plan.
        """
        absorbed = min(amount_minor, self.remaining_principal_minor)
        self.principal_minor -= absorbed
        self.fee_per_period_minor = round_minor(
            Decimal(self.principal_minor) * self.fee_rate, RoundingMode.HALF_UP
        )
        if self.remaining_principal_minor == 0 and self.status == "active":
            self.status = "completed"
        return absorbed

    def to_json(self) -> dict[str, object]:
        return {
            "plan_id": self.plan_id,
            "created_on": self.created_on.isoformat(),
            "principal_minor": self.principal_minor,
            "periods": self.periods,
            "fee_per_period_minor": self.fee_per_period_minor,
            "apr_percent": str(self.apr_percent),
            "fee_rate": str(self.fee_rate),
            "billed_count": self.billed_count,
            "billed_principal_minor": self.billed_principal_minor,
            "status": self.status,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> InstalmentPlan:
        return cls(
            plan_id=str(data["plan_id"]),
            created_on=date.fromisoformat(str(data["created_on"])),
            principal_minor=int(str(data["principal_minor"])),
            periods=int(str(data["periods"])),
            fee_per_period_minor=int(str(data["fee_per_period_minor"])),
            apr_percent=Decimal(str(data["apr_percent"])),
            fee_rate=Decimal(str(data["fee_rate"])),
            billed_count=int(str(data["billed_count"])),
            billed_principal_minor=int(str(data["billed_principal_minor"])),
            status=str(data["status"]),
        )
