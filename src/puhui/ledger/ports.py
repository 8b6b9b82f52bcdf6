"""What the ledger needs from storage: append entries, read them back, sum balances."""

from __future__ import annotations

from typing import Protocol

from puhui.ledger.entries import JournalEntry


class JournalStore(Protocol):
    def find_hash(self, idempotency_key: str) -> tuple[int, str] | None:
        """(entry id, content hash) of the entry with this key, if one was posted."""

    def append(self, entry: JournalEntry) -> int:
        """Insert the entry and its postings; returns the new entry id."""

    def balances(self) -> dict[tuple[str, str, str], int]:
        """Signed balance (debits − credits) per (account, funder, currency)."""
