"""Checks of a new loan against the jurisdiction profile in force on its booking date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from puhui.compliance.profile import JurisdictionProfile
from puhui.core.errors import PuhuiError


class CostCapExceeded(PuhuiError):
    code = "cost_cap_exceeded"


def check_annual_cost(profile: JurisdictionProfile, *, apr: Decimal, on: date) -> None:
    """Refuse a loan whose annualised cost (interest and fees, IRR) exceeds the profile's cap.

    The cap is `annual_cost_cap` in force on `on`; before the profile sets one, nothing is
    checked here.
    """
    cap = profile.value_or_none("annual_cost_cap", on)
    if cap is None:
        return
    limit = Decimal(str(cap))
    if apr > limit:
        raise CostCapExceeded(
            f"the loan costs {apr * 100:.2f} % a year (APR, fees included), above the "
            f"{limit * 100:.2f} % cap of profile {profile.code} in force on {on}; lower the rate "
            "or the fees"
        )
