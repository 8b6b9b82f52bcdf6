"""Appending journal entries and reading balances; there is deliberately no update or delete."""

from __future__ import annotations

import sqlalchemy as sa

from puhui.ledger.entries import JournalEntry
from puhui.storage.driver import Driver
from puhui.storage.tables import postings

_FIND = "SELECT id, content_hash FROM journal_entries WHERE idempotency_key = ?"
# A key posted before inserts nothing and returns no row (SQLite ≥ 3.35 and PostgreSQL);
# the caller then reads the first entry's hash. A concurrent posting of the same key makes
# PostgreSQL wait for it, then do nothing: the read after it sees the committed entry. On
# PostgreSQL a replay still draws an id from the sequence, so entry ids have gaps (ids order
# entries; they were never a gapless count).
_INSERT_NEW_ENTRY = (
    "INSERT INTO journal_entries (idempotency_key, content_hash, kind, business_date, loan_id, "
    "reverses_key, description) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)
_INSERT_POSTING = (
    "INSERT INTO postings (entry_id, account, funder, currency, amount_minor, loan_id) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


class JournalRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._driver = Driver(connection)

    def find_hash(self, idempotency_key: str) -> tuple[int, str] | None:
        row = self._driver.one(_FIND, (idempotency_key,))
        return None if row is None else (int(row[0]), str(row[1]))

    def append_unless_posted(self, entry: JournalEntry) -> int | None:
        inserted = self._driver.one(
            _INSERT_NEW_ENTRY,
            (
                entry.idempotency_key,
                entry.content_hash,
                entry.kind,
                self._driver.date(entry.business_date),
                entry.loan_id,
                entry.reverses_key,
                entry.description,
            ),
        )
        if inserted is None:
            return None
        entry_id = int(inserted[0])
        self._driver.many_later(
            _INSERT_POSTING,
            [
                (
                    entry_id,
                    p.account.value,
                    p.funder,
                    p.currency,
                    p.amount_minor,
                    p.loan_id if p.loan_id is not None else entry.loan_id,
                )
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
