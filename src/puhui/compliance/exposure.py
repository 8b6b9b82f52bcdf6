"""What one borrower may owe the lender: the profile's caps on the business date.

Loans (at acceptance) and credit lines (at opening, every checkout, draw and limit increase)
check against the same caps, so a borrower cannot exceed them by spreading across products.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from puhui.compliance.errors import InvalidProfile
from puhui.compliance.profile import JurisdictionProfile


class NetAssetsMissing(InvalidProfile):
    code = "lender_figures_missing"


def borrower_caps(
    profile: JurisdictionProfile,
    *,
    is_merchant: bool,
    on: date,
    net_assets_minor: int | None,
) -> dict[str, int]:
    """The per-borrower balance cap (business and consumer differ) and, where the profile sets
    one, the concentration cap (a share of the lender's prior year-end net assets)."""
    key = (
        "per_borrower_balance_business_minor"
        if is_merchant
        else "per_borrower_balance_consumer_minor"
    )
    caps = {"per-borrower cap": int(profile.value(key, on))}
    share = profile.value_or_none("single_borrower_net_assets_share", on)
    if share is not None:
        if net_assets_minor is None:
            raise NetAssetsMissing(
                "the profile limits one borrower to a share of the lender's net assets; "
                "configure the lender's net assets (LenderFigures)"
            )
        caps["concentration cap"] = int(Decimal(net_assets_minor) * Decimal(str(share)))
    return caps


def income_cap_minor(
    profile: JurisdictionProfile, *, monthly_income_minor: int, on: date
) -> int | None:
    """An individual's cap as a share of annual income, where the profile applies one."""
    if not profile.value_or_none("consumer_income_share_applies", on):
        return None
    share = profile.value_or_none("consumer_income_share_cap", on)
    if share is None:
        return None
    return int(Decimal(monthly_income_minor * 12) * Decimal(str(share)))
