"""The lender's own figures that regulation measures limits against.

The concentration limit caps what one borrower may owe at a share of the lender's net assets at
the prior year-end. Those net assets are the audited figure finance sets once a year — not a sum
of the lending ledger, which has no operating costs, tax or other business — so they are
configuration: a figure per date from which it applies (a new lender's paid-in capital until its
first year-end, then each audited year-end figure).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from puhui.credit.errors import LenderFiguresMissing


@dataclass(frozen=True, slots=True)
class LenderFigures:
    """Net assets in minor units, each applying from its date until the next one."""

    net_assets: tuple[tuple[date, int], ...]

    @classmethod
    def of(cls, figures: Iterable[tuple[date, int]]) -> LenderFigures:
        ordered = tuple(sorted(figures))
        dates = [day for day, _ in ordered]
        if len(set(dates)) != len(dates):
            raise LenderFiguresMissing("two net-assets figures for one date; keep one")
        if any(value <= 0 for _, value in ordered):
            raise LenderFiguresMissing("net assets must be positive minor units")
        return cls(ordered)

    def net_assets_on(self, on: date) -> int:
        """The figure in force on `on` (raises when none applies yet)."""
        index = bisect_right([day for day, _ in self.net_assets], on) - 1
        if index < 0:
            raise LenderFiguresMissing(
                f"no net-assets figure of the lender applies on {on}; the concentration limit "
                "cannot be checked — add the prior year-end figure (or the paid-in capital)"
            )
        return self.net_assets[index][1]
