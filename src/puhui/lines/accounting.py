"""A line event's journal entry is the change in the line's sub-ledger (as for loans).

Receivables move by their change, income by the change in what was recognised, and cash by
what crossed the lender's account (paid to merchants and borrowers, received from borrowers and
merchants). A wrong balance change cannot slip through: the entry would not balance and the
ledger would refuse it.
"""

from __future__ import annotations

from datetime import date

from puhui.ledger.accounts import Account
from puhui.ledger.entries import JournalEntry, entry_from_deltas
from puhui.lines.line import LineBalances


def line_deltas(before: LineBalances, after: LineBalances) -> dict[Account, int]:
    """Signed postings (debit > 0) that move the ledger from `before` to `after`."""

    def change(name: str) -> int:
        return int(getattr(after, name)) - int(getattr(before, name))

    cash = (
        change("received_minor")
        + change("refunds_in_minor")
        - change("lent_minor")
        - change("paid_out_minor")
    )
    return {
        Account.LINE_PRINCIPAL_RECEIVABLE: change("principal_minor"),
        Account.LINE_INTEREST_RECEIVABLE: change("interest_minor"),
        Account.LINE_FEE_RECEIVABLE: change("fee_minor"),
        Account.LINE_CREDIT_BALANCE: -change("credit_minor"),
        Account.LINE_INTEREST_INCOME: -change("interest_income_minor"),
        Account.LINE_FEE_INCOME: -change("fee_income_minor"),
        Account.CASH: cash,
    }


def line_entry(
    *,
    idempotency_key: str,
    kind: str,
    business_date: date,
    line_id: int,
    funder: str,
    currency: str,
    before: LineBalances,
    after: LineBalances,
) -> JournalEntry | None:
    """The journal entry of one line operation, or None if it moved no money (a hold)."""
    return entry_from_deltas(
        idempotency_key=idempotency_key,
        kind=f"line:{kind}",
        business_date=business_date,
        funder=funder,
        deltas=line_deltas(before, after),
        currency=currency,
        description=f"credit line {line_id}",
    )
