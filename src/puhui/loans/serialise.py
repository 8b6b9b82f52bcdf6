"""Schedule terms to and from plain JSON-able data (stored with each loan for replay)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from puhui.core.money import currency_of
from puhui.loans.terms import HarvestDate, ScheduleTerms


def terms_to_dict(terms: ScheduleTerms) -> dict[str, Any]:
    return {
        "principal_minor": terms.principal_minor,
        "annual_rate": str(terms.annual_rate),
        "periods": terms.periods,
        "start_date": terms.start_date.isoformat(),
        "frequency": terms.frequency.value,
        "method": terms.method.value,
        "interest_basis": terms.interest_basis.value,
        "day_count": terms.day_count.value,
        "rounding": terms.rounding.value,
        "instalment_multiple_minor": terms.instalment_multiple_minor,
        "principal_grace_periods": terms.principal_grace_periods,
        "first_due_date": terms.first_due_date.isoformat() if terms.first_due_date else None,
        "down_payment_rate": str(terms.down_payment_rate),
        "fee_rate_per_period": str(terms.fee_rate_per_period),
        "harvest_dates": [
            [h.due_date.isoformat(), str(h.principal_share)] for h in terms.harvest_dates
        ],
        "currency": terms.currency.code,
    }


def terms_from_dict(data: dict[str, Any]) -> ScheduleTerms:
    first_due = data.get("first_due_date")
    return ScheduleTerms(
        principal_minor=int(data["principal_minor"]),
        annual_rate=Decimal(data["annual_rate"]),
        periods=int(data["periods"]),
        start_date=date.fromisoformat(data["start_date"]),
        frequency=data["frequency"],
        method=data["method"],
        interest_basis=data["interest_basis"],
        day_count=data["day_count"],
        rounding=data["rounding"],
        instalment_multiple_minor=int(data["instalment_multiple_minor"]),
        principal_grace_periods=int(data["principal_grace_periods"]),
        first_due_date=date.fromisoformat(first_due) if first_due else None,
        down_payment_rate=Decimal(data["down_payment_rate"]),
        fee_rate_per_period=Decimal(data["fee_rate_per_period"]),
        harvest_dates=tuple(
            HarvestDate(date.fromisoformat(d), Decimal(s)) for d, s in data["harvest_dates"]
        ),
        currency=currency_of(data["currency"]),
    )
