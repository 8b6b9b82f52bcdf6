"""Loan events: appended once per idempotency key, read back in order for replay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from puhui.loans.events import EventKind, LoanEvent
from puhui.storage.driver import Driver

_COLUMNS = "kind, business_date, amount_minor, idempotency_key, reverses_key, request_hash"
_FIND = f"SELECT loan_id, outcome, {_COLUMNS} FROM loan_events WHERE idempotency_key = ?"
_FOR_LOAN = f"SELECT {_COLUMNS} FROM loan_events WHERE loan_id = ? ORDER BY id"
_INSERT = (
    "INSERT INTO loan_events (loan_id, kind, business_date, amount_minor, idempotency_key, "
    "reverses_key, request_hash, entry_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class EventRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._driver = Driver(connection)

    def _event(self, row: Sequence[Any]) -> LoanEvent:
        kind, business_date, amount, key, reverses, request = row
        day = self._driver.read_date(business_date)
        assert day is not None
        return LoanEvent(EventKind(kind), day, int(amount), key, reverses, request)

    def find(self, idempotency_key: str) -> tuple[int, LoanEvent, str | None] | None:
        row = self._driver.one(_FIND, (idempotency_key,))
        if row is None:
            return None
        return int(row[0]), self._event(row[2:]), row[1]

    def append(
        self, loan_id: int, event: LoanEvent, *, entry_id: int | None, outcome: str | None
    ) -> None:
        self._driver.later(
            _INSERT,
            (
                loan_id,
                event.kind.value,
                self._driver.date(event.business_date),
                event.amount_minor,
                event.idempotency_key,
                event.reverses_key,
                event.request,
                entry_id,
                outcome,
            ),
        )

    def lock_key(self, idempotency_key: str) -> None:
        """Serialise requests carrying one key when no loan row exists yet to lock (bookings).

        PostgreSQL: a transaction-scoped advisory lock on the key's hash. SQLite: BEGIN
        IMMEDIATE already makes writers take turns.

        The lock travels with the transaction's next statement (write-behind): the server takes
        it before running that statement, and nothing in between touches the database.
        """
        if self._driver.postgres:
            self._driver.later(
                "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (idempotency_key,)
            )

    def for_loan(self, loan_id: int) -> list[LoanEvent]:
        return [self._event(row) for row in self._driver.all(_FOR_LOAN, (loan_id,))]
