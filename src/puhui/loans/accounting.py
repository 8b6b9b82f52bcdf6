"""A loan event's journal entry is the change in the loan's sub-ledger.

Receivables move by their balance change, income by its recognised change, and cash by what
crossed the lender's account (lent, received, paid out). If the loan's counters are consistent
the entry balances by construction; if they are not, the ledger refuses the entry — so a
servicing bug surfaces as an error, never as a silent mismatch.
"""

from __future__ import annotations

from datetime import date

from puhui.ledger.accounts import Account
from puhui.ledger.entries import JournalEntry, entry_from_deltas
from puhui.loans.loan import Balances


def balance_deltas(before: Balances, after: Balances) -> dict[Account, int]:
    """Signed postings (debit > 0) that move the ledger from `before` to `after`."""

    def change(name: str) -> int:
        return int(getattr(after, name)) - int(getattr(before, name))

    cash = (
        change("received_minor")
        + change("recovered_minor")
        - change("disbursed_minor")
        - change("paid_out_minor")
    )
    return {
        Account.PRINCIPAL_RECEIVABLE: change("principal_minor"),
        Account.INTEREST_RECEIVABLE: change("interest_minor"),
        Account.FEE_RECEIVABLE: change("fee_minor"),
        Account.PENALTY_RECEIVABLE: change("penalty_minor"),
        Account.CREDIT_BALANCE: -change("credit_minor"),
        Account.INTEREST_INCOME: -change("interest_income_minor"),
        Account.FEE_INCOME: -change("fee_income_minor"),
        Account.PENALTY_INCOME: -change("penalty_income_minor"),
        Account.RECOVERY_INCOME: -change("recovered_minor"),
        Account.WRITE_OFF_EXPENSE: change("written_off_minor"),
        Account.CASH: cash,
    }


def loan_entry(
    *,
    idempotency_key: str,
    kind: str,
    business_date: date,
    loan_id: int,
    funder: str,
    currency: str,
    before: Balances,
    after: Balances,
    description: str = "",
) -> JournalEntry | None:
    """The journal entry of one loan event, or None if it moved no money."""
    return entry_from_deltas(
        idempotency_key=idempotency_key,
        kind=kind,
        business_date=business_date,
        funder=funder,
        deltas=balance_deltas(before, after),
        loan_id=loan_id,
        currency=currency,
        description=description,
    )
