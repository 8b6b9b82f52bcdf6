"""Journal entries: immutable, at least two postings, debits equal credits per currency.

A posting's `amount_minor` is signed: positive debits, negative credits. That keeps "balanced"
a one-line sum and makes a reversal the same postings with the signs flipped. Each entry carries
the idempotency key of the event it records and a hash of its content, so that posting the same
event twice is harmless and posting different content under the same key is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from puhui.ledger.accounts import Account
from puhui.ledger.errors import InvalidPosting, UnbalancedEntry

MAX_POSTINGS_PER_ENTRY = 1_000
MAX_KEY_LENGTH = 200
# Keys of entries puhui posts itself (end-of-day, opening balances); client keys may not use it.
SYSTEM_KEY_PREFIX = "sys:"


def system_key(*parts: object) -> str:
    """An idempotency key in the system's own namespace."""
    return SYSTEM_KEY_PREFIX + ":".join(str(part) for part in parts)


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of an entry: signed amount (debit > 0, credit < 0) on an account for a funder.

    `loan_id` ties the leg to one loan's sub-ledger when the entry covers many loans (a bulk
    disbursal); otherwise the entry's own loan id applies.
    """

    account: Account
    amount_minor: int
    funder: str
    currency: str = "CNY"
    loan_id: int | None = None

    def __post_init__(self) -> None:
        amount = self.amount_minor
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise InvalidPosting(f"posting on {self.account} needs a non-zero integer amount")


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced set of postings recording one money event."""

    idempotency_key: str
    kind: str
    business_date: date
    postings: tuple[Posting, ...]
    loan_id: int | None = None
    description: str = ""
    reverses_key: str | None = None
    content_hash: str = field(init=False)

    def __post_init__(self) -> None:
        if not self.idempotency_key or len(self.idempotency_key) > MAX_KEY_LENGTH:
            raise InvalidPosting(
                f"an entry needs an idempotency key of 1–{MAX_KEY_LENGTH} characters"
            )
        if not 2 <= len(self.postings) <= MAX_POSTINGS_PER_ENTRY:
            raise UnbalancedEntry(
                f"entry {self.idempotency_key} needs 2–{MAX_POSTINGS_PER_ENTRY} postings, "
                f"has {len(self.postings)}"
            )
        totals: dict[str, int] = defaultdict(int)
        for posting in self.postings:
            totals[posting.currency] += posting.amount_minor
        unbalanced = {c: t for c, t in totals.items() if t != 0}
        if unbalanced:
            raise UnbalancedEntry(
                f"entry {self.idempotency_key} does not balance: debits − credits = {unbalanced}"
            )
        object.__setattr__(self, "content_hash", self._hash())

    def _hash(self) -> str:
        content = {
            "kind": self.kind,
            "date": self.business_date.isoformat(),
            "loan": self.loan_id,
            "reverses": self.reverses_key,
            "postings": sorted(
                (p.account.value, p.funder, p.currency, p.amount_minor, p.loan_id or 0)
                for p in self.postings
            ),
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def reversal(self, *, idempotency_key: str, business_date: date) -> JournalEntry:
        """The entry that cancels this one: same postings, signs flipped."""
        flipped = tuple(
            Posting(p.account, -p.amount_minor, p.funder, p.currency, p.loan_id)
            for p in self.postings
        )
        return JournalEntry(
            idempotency_key=idempotency_key,
            kind=f"reversal:{self.kind}",
            business_date=business_date,
            postings=flipped,
            loan_id=self.loan_id,
            description=f"reverses {self.idempotency_key}",
            reverses_key=self.idempotency_key,
        )


def entry_from_deltas(
    *,
    idempotency_key: str,
    kind: str,
    business_date: date,
    funder: str,
    deltas: dict[Account, int],
    loan_id: int | None = None,
    currency: str = "CNY",
    description: str = "",
) -> JournalEntry | None:
    """An entry from signed per-account amounts (debit > 0); None when every delta is zero."""
    postings = tuple(
        Posting(account, amount, funder, currency)
        for account, amount in sorted(deltas.items())
        if amount != 0
    )
    if not postings:
        return None
    return JournalEntry(
        idempotency_key=idempotency_key,
        kind=kind,
        business_date=business_date,
        postings=postings,
        loan_id=loan_id,
        description=description,
    )
