"""Domain objects as the API's JSON shapes (plain dicts matching the response models).

The console pages render the same views, so an operator and an integrator see one truth.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from puhui.credit.decision import DecisionRecord, Offer
from puhui.credit.features import DESCRIPTIONS
from puhui.lines.line import CreditLine
from puhui.loans.events import LoanEvent
from puhui.loans.loan import Loan
from puhui.loans.products import shipped_catalog
from puhui.loans.schedule import generate_schedule


def offer_instalments(offer: Offer, start: date) -> list[dict[str, Any]]:
    """The offer's exact instalment table, as the loan would be booked today."""
    terms = shipped_catalog()[offer.product_code].terms(
        principal_minor=offer.amount_minor,
        start_date=start,
        overrides={"annual_rate": Decimal(offer.annual_rate), "periods": offer.periods},
    )
    return [
        {
            "seq": index + 1,
            "due_date": row.due_date.isoformat(),
            "principal_minor": row.principal_minor,
            "interest_minor": row.interest_minor,
            "fee_minor": row.fee_minor,
            "total_minor": row.principal_minor + row.interest_minor + row.fee_minor,
        }
        for index, row in enumerate(generate_schedule(terms).instalments)
    ]


def decision_view(record: DecisionRecord, *, with_instalments: bool = True) -> dict[str, Any]:
    offer = record.offer
    offer_view: dict[str, Any] | None = None
    if offer is not None:
        offer_view = {
            "product_code": offer.product_code,
            "amount_minor": offer.amount_minor,
            "periods": offer.periods,
            "apr_percent": offer.apr_nominal_percent,
            "apr_effective_percent": offer.apr_effective_percent,
            "annual_rate_percent": str(
                (Decimal(offer.annual_rate) * 100).quantize(Decimal("0.01"))
            ),
            "first_instalment_minor": offer.first_instalment_minor,
            "total_repayable_minor": offer.total_repayable_minor,
            "band": offer.band,
            "instalments": offer_instalments(offer, record.business_date)
            if with_instalments
            else [],
        }
    return {
        "application_id": record.application_id,
        "customer_id": record.applicant_id,
        "business_date": record.business_date.isoformat(),
        "outcome": record.outcome,
        "offer": offer_view,
        "reasons": [
            {"code": r.code, "description": r.description, "source": r.source}
            for r in record.reasons
        ],
        "rules_fired": list(record.rules_fired),
        "score": record.score,
        "pd": record.pd,
        "model": record.model,
        "rule_set": record.rule_set,
        "strategy": record.strategy,
        "features": [
            {"name": name, "description": DESCRIPTIONS.get(name, name), "value": value}
            for name, value in record.features.items()
        ],
    }


def loan_view(loan: Loan, loan_id: int, borrower_ref: str) -> dict[str, Any]:
    balances = loan.balances()
    return {
        "loan_id": loan_id,
        "product_code": loan.product.code,
        "borrower_ref": borrower_ref,
        "funder": loan.funder,
        "status": loan.status.value,
        "principal_minor": loan.terms.principal_minor,
        "start_date": loan.terms.start_date.isoformat(),
        "days_past_due": loan.days_past_due,
        "as_of": loan.opened_through.isoformat(),
        "owed": {
            "principal_minor": balances.principal_minor,
            "interest_minor": balances.interest_minor,
            "fee_minor": balances.fee_minor,
            "penalty_minor": balances.penalty_minor,
            "credit_minor": balances.credit_minor,
        },
        "schedule": [
            {
                "seq": row.seq,
                "due_date": row.due_date.isoformat(),
                "kind": row.kind.value,
                "principal_minor": row.principal_minor,
                "interest_minor": row.interest_minor,
                "fee_minor": row.fee_minor,
                "late_fee_minor": row.late_fee_minor,
                "paid_minor": row.paid_principal_minor
                + row.paid_interest_minor
                + row.paid_fee_minor,
            }
            for row in loan.rows
        ],
    }


def event_view(event: LoanEvent) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "business_date": event.business_date.isoformat(),
        "amount_minor": event.amount_minor,
        "key": event.idempotency_key,
        "reverses_key": event.reverses_key,
    }


def line_view(line: CreditLine, on: date) -> dict[str, Any]:
    balances = line.balances
    return {
        "line_id": line.line_id,
        "product_code": line.product.code,
        "borrower_ref": line.borrower_ref,
        "status": line.status.value,
        "limit_minor": line.limit_minor(on),
        "available_minor": line.available_minor(on),
        "held_minor": line.held_minor,
        "owed_minor": balances.owed_minor,
        "statement_due_minor": line.statement_due_minor,
        "minimum_due_minor": line.minimum_due_minor,
        "due_on": line.due_on.isoformat() if line.due_on else None,
        "days_past_due": line.days_past_due(on),
        "plans": [
            {"plan_id": plan_id, "periods": plan.periods, "apr_percent": str(plan.apr_percent)}
            for plan_id, plan in line.plans.items()
        ],
    }
