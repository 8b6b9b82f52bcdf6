"""Posting to the ledger: idempotent by key, atomic with the caller's unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from puhui.core.errors import InvariantBroken
from puhui.ledger.entries import JournalEntry
from puhui.ledger.errors import IdempotencyConflict
from puhui.ledger.ports import JournalStore


@dataclass(frozen=True, slots=True)
class PostResult:
    entry_id: int
    replayed: bool


def post_entry(store: JournalStore, entry: JournalEntry) -> PostResult:
    """Append `entry` unless its key was posted before.

    The same key with the same content returns the first entry (`replayed=True`); the same key
    with different content raises IdempotencyConflict and writes nothing.
    """
    entry_id = store.append_unless_posted(entry)
    if entry_id is not None:
        return PostResult(entry_id, replayed=False)
    existing = store.find_hash(entry.idempotency_key)
    if existing is None:
        raise InvariantBroken("a posted key's entry is gone: the journal is append-only")
    entry_id, content_hash = existing
    if content_hash != entry.content_hash:
        raise IdempotencyConflict(
            f"idempotency key {entry.idempotency_key!r} was already used for a different "
            "entry; use a new key for a new event"
        )
    return PostResult(entry_id, replayed=True)
