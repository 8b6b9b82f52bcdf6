"""Turning command-line text into domain values, with messages that say how to write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from puhui.core.errors import InvalidInput
from puhui.core.money import CNY, Currency, parse_minor


def parse_day(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} {text!r} is not a date; write it as YYYY-MM-DD") from None


def parse_percent(text: str, what: str) -> Decimal:
    """A percentage ("12", "7.25") as a rate (0.12, 0.0725)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{what} {text!r} is not a number; write it like 12 or 7.25") from None
    if not value.is_finite():
        raise InvalidInput(f"{what} must be a finite number")
    return value / 100


def parse_amount(text: str, what: str = "amount", currency: Currency = CNY) -> int:
    """An amount in major units ("304.91") as minor units (30491)."""
    return parse_minor(text, currency, what=what)
