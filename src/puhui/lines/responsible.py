"""Responsible lending for credit lines: who may have one, how big, and when to speak up.

Every number comes from the jurisdiction profile in force on the business date:

- no consumer credit to students or to people under the minimum age;
- no grant or increase when the bureau shows more inquiries in 30 days than the profile allows
  (a borrower shopping for credit at several lenders);
- a line's limit is cut to what fits under the per-borrower caps (everything the borrower owes
  the lender or could draw) and, for individuals, under the income share (with other lenders'
  balances counted);
- rational-spending prompts when 30-day spending passes a share of income or one purchase lifts
  utilisation sharply;
- cooling-off: no increase while one is running (after a decline or a self-lowered limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from puhui.compliance.exposure import borrower_caps, income_cap_minor
from puhui.compliance.profile import JurisdictionProfile
from puhui.lines.errors import LineRefused


@dataclass(frozen=True, slots=True)
class BorrowerFacts:
    """What the lender knows of the borrower when it grants or raises a limit."""

    age: int
    is_student: bool
    monthly_income_minor: int
    bureau_inquiries_30d: int
    other_lenders_balance_minor: int


@dataclass(frozen=True, slots=True)
class Headroom:
    """How much more the borrower may be lent, and which cap binds."""

    minor: int
    binding_cap: str


def check_eligible(profile: JurisdictionProfile, facts: BorrowerFacts, on: date) -> None:
    """Refuse consumer credit to students and minors, and credit-shopping borrowers."""
    minimum_age = int(profile.value("minimum_age", on))
    if facts.age < minimum_age:
        raise LineRefused(
            "under_minimum_age", f"consumer credit needs the borrower to be {minimum_age} or older"
        )
    if facts.is_student and not profile.value_or_none("students_allowed", on):
        raise LineRefused("student", "the profile allows no consumer credit to students")
    inquiries = profile.value_or_none("multi_lending_max_inquiries_30d", on)
    if inquiries is not None and facts.bureau_inquiries_30d > int(inquiries):
        raise LineRefused(
            "multi_lending",
            f"the bureau shows {facts.bureau_inquiries_30d} credit inquiries in 30 days, more "
            f"than {inquiries}; no limit can be granted or raised now",
        )


def headroom(
    profile: JurisdictionProfile,
    facts: BorrowerFacts,
    *,
    committed_minor: int,
    on: date,
    net_assets_minor: int | None,
) -> Headroom:
    """What may still be committed to the borrower given `committed_minor` already is."""
    caps = borrower_caps(profile, is_merchant=False, on=on, net_assets_minor=net_assets_minor)
    room = {name: cap - committed_minor for name, cap in caps.items()}
    income_cap = income_cap_minor(profile, monthly_income_minor=facts.monthly_income_minor, on=on)
    if income_cap is not None:
        room["income share cap"] = income_cap - committed_minor - facts.other_lenders_balance_minor
    binding = min(room, key=lambda name: room[name])
    return Headroom(max(0, room[binding]), binding)


def in_cooling_off(cooling_off_until: date | None, on: date) -> bool:
    return cooling_off_until is not None and on <= cooling_off_until


def spending_prompts(
    profile: JurisdictionProfile,
    *,
    on: date,
    monthly_income_minor: int,
    spent_before_minor: int,
    spent_after_minor: int,
    limit_minor: int,
    used_before_minor: int,
    used_after_minor: int,
) -> list[str]:
    """Reason codes of the prompts an authorisation should show the borrower (maybe none)."""
    prompts = []
    share = profile.value_or_none("spending_prompt_income_share", on)
    if share is not None and monthly_income_minor > 0:
        threshold = Decimal(monthly_income_minor) * Decimal(str(share))
        if spent_before_minor <= threshold < spent_after_minor:
            prompts.append("spending_over_income_share")
    jump = profile.value_or_none("utilisation_jump_prompt", on)
    if jump is not None and limit_minor > 0:
        lift = Decimal(used_after_minor - used_before_minor) / limit_minor
        if lift >= Decimal(str(jump)):
            prompts.append("utilisation_jump")
    return prompts
