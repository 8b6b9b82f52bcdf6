"""Loan events as data, and replaying them: the loan is a fold of its events over days.

Storing events lets a reversal (a bounced payment) be exact: the loan is rebuilt from its terms
with every event but the reversed one, run to the same day, and the journal entry of the reversal
is the difference between the two states — including interest that accrued on the higher
balance since the payment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from puhui.core.errors import require
from puhui.loans.loan import Loan, originate
from puhui.loans.operations import merchant_refund, pay_out_credit, repay, write_off
from puhui.loans.products import Product
from puhui.loans.terms import ScheduleTerms

MAX_EVENTS_PER_LOAN = 100_000


class EventKind(StrEnum):
    DISBURSAL = "disbursal"
    REPAYMENT = "repayment"
    MERCHANT_REFUND = "merchant_refund"
    WRITE_OFF = "write_off"
    CREDIT_PAYOUT = "credit_payout"
    REVERSAL = "reversal"

    @property
    def reversible(self) -> bool:
        return self in (EventKind.REPAYMENT, EventKind.MERCHANT_REFUND)


@dataclass(frozen=True, slots=True)
class LoanEvent:
    """One thing that happened to a loan on a business day, keyed for idempotency."""

    kind: EventKind
    business_date: date
    amount_minor: int
    idempotency_key: str
    reverses_key: str | None = None
    request: str = ""  # the rest of the request that must match on a replay (a booking's terms)

    def same_request(self, other: LoanEvent) -> bool:
        return (
            self.kind,
            self.business_date,
            self.amount_minor,
            self.reverses_key,
            self.request,
        ) == (
            other.kind,
            other.business_date,
            other.amount_minor,
            other.reverses_key,
            other.request,
        )


def apply_event(loan: Loan, event: LoanEvent) -> None:
    """Apply one event to the loan (the loan is brought to the event's day first)."""
    if event.kind is EventKind.REPAYMENT:
        repay(loan, event.amount_minor, event.business_date)
    elif event.kind is EventKind.MERCHANT_REFUND:
        merchant_refund(loan, event.amount_minor, event.business_date)
    elif event.kind is EventKind.WRITE_OFF:
        write_off(loan, event.business_date)
    elif event.kind is EventKind.CREDIT_PAYOUT:
        pay_out_credit(loan, event.amount_minor, event.business_date)
    loan.events_applied.append(event.idempotency_key)


def effective_events(events: Iterable[LoanEvent]) -> list[LoanEvent]:
    """The events that still count: reversals and what they reversed drop out."""
    ordered = list(events)
    require(len(ordered) <= MAX_EVENTS_PER_LOAN, "too many events on one loan")
    reversed_keys = {e.reverses_key for e in ordered if e.kind is EventKind.REVERSAL}
    return [
        e
        for e in ordered
        if e.kind not in (EventKind.REVERSAL, EventKind.DISBURSAL)
        and e.idempotency_key not in reversed_keys
    ]


def replay(
    *,
    loan_id: int,
    product: Product,
    terms: ScheduleTerms,
    funder: str,
    events: Iterable[LoanEvent],
    to_day: date,
    facility_id: int | None = None,
) -> Loan:
    """Rebuild a loan from its terms and events, brought to (and opened on) `to_day`."""
    loan = originate(
        loan_id=loan_id, product=product, terms=terms, funder=funder, facility_id=facility_id
    )
    for event in effective_events(events):
        apply_event(loan, event)
    loan.advance_to(max(to_day, loan.opened_through))
    return loan
