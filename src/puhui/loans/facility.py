"""Revolving working-capital facilities: draw any amount up to the approved amount until the
draw deadline; each draw is a loan (daily interest, repay any amount any day) due at the
facility's maturity. Repaid principal can be drawn again until the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from puhui.core.errors import InvalidInput
from puhui.loans.errors import InvalidProduct
from puhui.loans.products import Product, ProductKind


class DrawRefused(InvalidInput):
    code = "draw_refused"


@dataclass(frozen=True, slots=True)
class Facility:
    facility_id: int
    borrower_ref: str
    product_id: int
    funder: str
    approved_minor: int
    start_date: date
    draw_deadline: date
    maturity_date: date


def facility_dates(product: Product, start: date) -> tuple[date, date]:
    """(draw deadline, maturity) of a facility of `product` opened on `start`."""
    if product.kind is not ProductKind.REVOLVING_DRAW:
        raise InvalidProduct(f"{product.code} is not a revolving product")
    return (
        start + timedelta(days=product.draw_period_days),
        start + timedelta(days=product.facility_term_days),
    )


def check_draw(facility: Facility, *, outstanding_minor: int, amount_minor: int, day: date) -> None:
    """Refuse a draw after the deadline or beyond what is available."""
    if amount_minor <= 0:
        raise DrawRefused(f"a draw must be a positive amount, got {amount_minor}")
    if not facility.start_date <= day <= facility.draw_deadline:
        raise DrawRefused(
            f"facility {facility.facility_id} takes draws from {facility.start_date} to "
            f"{facility.draw_deadline}; {day} is outside that window"
        )
    available = facility.approved_minor - outstanding_minor
    if amount_minor > available:
        raise DrawRefused(
            f"facility {facility.facility_id} has {available} available "
            f"(approved {facility.approved_minor}, outstanding {outstanding_minor}); "
            f"draw {amount_minor} is too much"
        )
