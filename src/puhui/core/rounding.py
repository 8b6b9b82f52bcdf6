"""Explicit rounding from exact Decimal intermediates back to integer minor units.

Every conversion from a rate computation to money goes through `round_minor`, which requires a
rounding mode, so no rounding ever happens by accident. Splitting a whole into parts that must sum
exactly (instalments, shares) uses `allocate_largest_remainder`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from puhui.core.errors import InvalidInput


class RoundingMode(StrEnum):
    """How a fractional minor-unit amount becomes an integer."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"

    @property
    def decimal_mode(self) -> str:
        return ROUND_HALF_UP if self is RoundingMode.HALF_UP else ROUND_HALF_EVEN


def round_minor(value: Decimal | Fraction, mode: RoundingMode) -> int:
    """Round an exact amount in minor units to an integer.

    Half-up rounds halves away from zero (the usual convention for money), half-even to the even
    neighbour (banker's rounding).
    """
    if isinstance(value, Fraction):
        return round_fraction(value.numerator, value.denominator, mode)
    return int(value.to_integral_value(rounding=mode.decimal_mode))


def round_fraction(numerator: int, denominator: int, mode: RoundingMode) -> int:
    """Round numerator/denominator to an integer exactly, with no Decimal context limits."""
    if denominator <= 0:
        raise InvalidInput("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    twice = 2 * remainder
    if twice > denominator or (
        twice == denominator and (mode is RoundingMode.HALF_UP or quotient % 2 == 1)
    ):
        quotient += 1
    return sign * quotient


def round_to_multiple(amount_minor: int | Decimal, multiple_minor: int, mode: RoundingMode) -> int:
    """Round an amount in minor units to a multiple (e.g. 100 fen = whole yuan)."""
    if multiple_minor <= 0:
        raise InvalidInput("instalment multiple must be positive")
    units = round_minor(Decimal(amount_minor) / multiple_minor, mode)
    return units * multiple_minor


def allocate_largest_remainder(total_minor: int, weights: list[int]) -> list[int]:
    """Split `total_minor` in proportion to `weights`; the parts sum exactly to the total.

    Each part gets the floor of its exact share; the leftover units go one each to the parts with
    the largest remainders (ties to the earliest part), so no part is off by more than one unit.
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise InvalidInput("weights must be non-negative with a positive sum")
    if total_minor < 0:
        raise InvalidInput("total must not be negative")
    weight_sum = sum(weights)
    parts = [total_minor * w // weight_sum for w in weights]
    remainders = [(total_minor * w % weight_sum, -i) for i, w in enumerate(weights)]
    leftover = total_minor - sum(parts)
    for _, negative_index in sorted(remainders, reverse=True)[:leftover]:
        parts[-negative_index] += 1
    return parts
