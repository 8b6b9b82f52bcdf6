"""Allocating money to what a loan owes, in the product's order.

The order is a list of (bucket, component) steps, Fineract's "advanced payment allocation":
past-due before due, and within each bucket penalty, fee, interest, principal — or whatever the
product says. Within a step, older instalments are paid first. Penalty interest is loan-level and
counts as past due. What is left after everything billed is the caller's to handle (prepayment
rule, credit balance).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from puhui.loans.products import Bucket, Component

if TYPE_CHECKING:
    from puhui.loans.loan import InstalmentRow, Loan

MAX_ROWS_PER_STEP = 1_000


def _rows_in_bucket(loan: Loan, bucket: Bucket, day: date) -> list[InstalmentRow]:
    rows = loan.billed_rows()
    if bucket is Bucket.PAST_DUE:
        return [r for r in rows if r.due_date < day]
    return [r for r in rows if r.due_date == day]


def _pay_component(row: InstalmentRow, component: Component, available: int) -> int:
    """Pay up to `available` of one component of a row; returns the amount paid."""
    if component is Component.PRINCIPAL:
        paid = min(available, row.unpaid_principal_minor)
        row.paid_principal_minor += paid
    elif component is Component.INTEREST:
        paid = min(available, row.unpaid_interest_minor)
        row.paid_interest_minor += paid
    else:
        paid = min(available, row.unpaid_fee_minor)
        row.paid_fee_minor += paid
    return paid


def allocate(
    loan: Loan,
    amount_minor: int,
    day: date,
    order: tuple[tuple[Bucket, Component], ...] | None = None,
) -> int:
    """Pay billed amounts of `loan` on `day` in `order` (default: the product's repayment
    order); returns what is left.

    The caller must have materialised penalty interest at `day` (so the anchor holds all of it).
    """
    remaining = amount_minor
    for bucket, component in order or loan.product.repayment_allocation:
        if remaining == 0:
            break
        if component is Component.PENALTY:
            if bucket is Bucket.PAST_DUE:
                paid = min(remaining, loan.penalty.anchor_unpaid_minor)
                loan.penalty.anchor_unpaid_minor -= paid
                remaining -= paid
            continue
        rows = _rows_in_bucket(loan, bucket, day)[:MAX_ROWS_PER_STEP]
        for row in rows:
            remaining -= _pay_component(row, component, remaining)
            if remaining == 0:
                break
    return remaining


def owed_billed(loan: Loan) -> int:
    """Everything billed and unpaid, penalty included (penalty must be materialised)."""
    return sum(r.unpaid_minor for r in loan.billed_rows()) + loan.penalty.anchor_unpaid_minor


def apply_credit_balance(loan: Loan, day: date) -> None:
    """Let a held credit balance pay what is billed; it is already the lender's cash."""
    loan.materialise_penalty(day)
    held = loan.credit_balance_minor
    applied = held - allocate(loan, held, day, loan.product.credit_allocation)
    loan.credit_balance_minor -= applied
    loan.refresh_delinquency(day)
    loan.close_if_repaid()
