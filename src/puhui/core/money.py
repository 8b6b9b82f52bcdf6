"""Money as an integer count of minor units (fen for CNY) plus its currency.

Floats never touch money: amounts enter as decimal text or integers, are checked against the
currency's number of decimals (so "12.345" yuan is refused rather than silently rounded), and
leave as exact decimal text.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from puhui.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency and how many decimals its minor unit has."""

    code: str
    minor_digits: int

    @property
    def minor_per_major(self) -> int:
        return int(10**self.minor_digits)


CNY = Currency("CNY", 2)
# No single amount in lending comes near this (10 trillion yuan); beyond it, input is a typo.
MAX_AMOUNT_MINOR = 10**15
CURRENCIES: dict[str, Currency] = {c.code: c for c in (CNY, Currency("USD", 2), Currency("JPY", 0))}


def currency_of(code: str) -> Currency:
    """Look a currency up by ISO code; unknown codes are refused with the known ones listed."""
    try:
        return CURRENCIES[code.upper()]
    except KeyError:
        known = ", ".join(sorted(CURRENCIES))
        raise InvalidInput(f"unknown currency {code!r}; use one of {known}") from None


def parse_minor(
    text: str | int | Decimal, currency: Currency = CNY, *, what: str = "amount"
) -> int:
    """Parse a decimal amount in major units ("5000", "304.90") into minor units.

    Raises:
        InvalidInput: not a number, or more decimals than the currency has.
    """
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidInput(f"{what} {text!r} is not a number; write it like 1234.56") from None
    if not value.is_finite():
        raise InvalidInput(f"{what} must be a finite number, got {text!r}")
    scaled = value * currency.minor_per_major
    if abs(scaled) > MAX_AMOUNT_MINOR:
        raise InvalidInput(
            f"{what} {text} is too large; amounts are at most {MAX_AMOUNT_MINOR} minor units"
        )
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            f"{what} {text} has more decimals than {currency.code} allows "
            f"({currency.minor_digits}); round it to {currency.minor_digits} decimals"
        )
    return int(scaled)


def format_minor(amount_minor: int, currency: Currency = CNY) -> str:
    """Exact decimal text of an amount in minor units: 30490 → "304.90"."""
    if currency.minor_digits == 0:
        return str(amount_minor)
    sign = "-" if amount_minor < 0 else ""
    major, minor = divmod(abs(amount_minor), currency.minor_per_major)
    return f"{sign}{major}.{minor:0{currency.minor_digits}d}"


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of one currency in integer minor units."""

    amount_minor: int
    currency: Currency = CNY

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise InvalidInput(
                f"money amounts are integers of minor units, got {self.amount_minor!r}"
            )

    @classmethod
    def parse(cls, text: str | int | Decimal, currency: Currency = CNY) -> Money:
        return cls(parse_minor(text, currency), currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(f"cannot mix {self.currency.code} and {other.currency.code}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __str__(self) -> str:
        return f"{format_minor(self.amount_minor, self.currency)} {self.currency.code}"
