"""Appending journal entries and reading balances; there is deliberately no update or delete."""

from __future__ import annotations

import sqlalchemy as sa

from puhui.ledger.entries import JournalEntry
from puhui.storage.tables import journal_entries, postings


class JournalRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def find_hash(self, idempotency_key: str) -> tuple[int, str] | None:
        row = self._connection.execute(
            sa.select(journal_entries.c.id, journal_entries.c.content_hash).where(
                journal_entries.c.idempotency_key == idempotency_key
            )
        ).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def append(self, entry: JournalEntry) -> int:
        result = self._connection.execute(
            sa.insert(journal_entries).values(
                idempotency_key=entry.idempotency_key,
                content_hash=entry.content_hash,
                kind=entry.kind,
                business_date=entry.business_date,
                loan_id=entry.loan_id,
                reverses_key=entry.reverses_key,
                description=entry.description,
            )
        )
        entry_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        self._connection.execute(
            sa.insert(postings),
            [
                {
                    "entry_id": entry_id,
                    "account": p.account.value,
                    "funder": p.funder,
                    "currency": p.currency,
                    "amount_minor": p.amount_minor,
                    "loan_id": p.loan_id if p.loan_id is not None else entry.loan_id,
                }
                for p in entry.postings
            ],
        )
        return entry_id

    def balances(self) -> dict[tuple[str, str, str], int]:
        rows = self._connection.execute(
            sa.select(
                postings.c.account,
                postings.c.funder,
                postings.c.currency,
                sa.func.sum(postings.c.amount_minor),
            ).group_by(postings.c.account, postings.c.funder, postings.c.currency)
        ).all()
        return {(r[0], r[1], r[2]): int(r[3]) for r in rows}
