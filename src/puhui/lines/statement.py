"""A statement as the borrower receives it: totals, due date, minimum payment, the period's
transactions and every instalment conversion with its APR. Once stored it never changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from puhui.compliance.profile import JurisdictionProfile
from puhui.lines.line import CreditLine, LineEvent

STATEMENT_KINDS = frozenset(
    {
        "captured",
        "refunded",
        "cash_drawn",
        "paid",
        "late",
        "converted",
        "plan_settled",
        "credit_paid_out",
    }
)
"""Events that appear as transaction lines on a statement."""


def cut_statement_document(
    line: CreditLine,
    day: date,
    stored_events: Iterable[LineEvent],
    profile: JurisdictionProfile,
) -> dict[str, Any]:
    """Cut the line's statement of `day` (see `CreditLine.close_statement`) and build its
    document from the events stored since the previous statement and those just recorded."""
    since = line.last_statement_on
    allowed = bool(profile.value_or_none("minimum_payment_allowed", day))
    document = line.close_statement(day, minimum_payment_allowed=allowed)
    document["line_id"] = line.line_id
    document["currency"] = line.product.currency.code
    document["lines"] = [
        {
            "date": event.business_date.isoformat(),
            "kind": event.kind,
            "amount_minor": event.amount_minor,
            "reference": event.detail.get("reference", ""),
        }
        for event in [*stored_events, *line.new_events]
        if event.kind in STATEMENT_KINDS
        and (since is None or event.business_date > since)
        and event.business_date <= day
    ]
    document["instalment_plans"] = [plan.to_json() for plan in line.plans.values()]
    return document
