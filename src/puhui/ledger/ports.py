"""What the ledger needs from storage: append entries, read them back, sum balances."""

from __future__ import annotations

from typing import Protocol

from puhui.ledger.entries import JournalEntry


class JournalStore(Protocol):
    def find_hash(self, idempotency_key: str) -> tuple[int, str] | None:
        """(entry id, content hash) of the entry with this key, if one was posted."""

    def append_unless_posted(self, entry: JournalEntry) -> int | None:
        """Insert the entry and its postings and return the new entry id, or write nothing and
        return None when an entry with its key was posted before (one statement, no lookup
        first: almost every key is new)."""

    def balances(self) -> dict[tuple[str, str, str], int]:
        """Signed balance (debits − credits) per (account, funder, currency)."""
