"""Loan events: appended once per idempotency key, read back in order for replay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from puhui.loans.events import EventKind, LoanEvent
from puhui.storage.driver import Driver

_COLUMNS = "kind, business_date, amount_minor, idempotency_key, reverses_key"
_FIND = f"SELECT loan_id, outcome, {_COLUMNS} FROM loan_events WHERE idempotency_key = ?"
_FOR_LOAN = f"SELECT {_COLUMNS} FROM loan_events WHERE loan_id = ? ORDER BY id"
_INSERT = (
    "INSERT INTO loan_events (loan_id, kind, business_date, amount_minor, idempotency_key, "
    "reverses_key, entry_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class EventRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._driver = Driver(connection)

    def _event(self, row: Sequence[Any]) -> LoanEvent:
        kind, business_date, amount, key, reverses = row
        day = self._driver.read_date(business_date)
        assert day is not None
        return LoanEvent(EventKind(kind), day, int(amount), key, reverses)

    def find(self, idempotency_key: str) -> tuple[int, LoanEvent, str | None] | None:
        row = self._driver.one(_FIND, (idempotency_key,))
        if row is None:
            return None
        return int(row[0]), self._event(row[2:]), row[1]

    def append(
        self, loan_id: int, event: LoanEvent, *, entry_id: int | None, outcome: str | None
    ) -> None:
        self._driver.run(
            _INSERT,
            (
                loan_id,
                event.kind.value,
                self._driver.date(event.business_date),
                event.amount_minor,
                event.idempotency_key,
                event.reverses_key,
                entry_id,
                outcome,
            ),
        )

    def for_loan(self, loan_id: int) -> list[LoanEvent]:
        return [self._event(row) for row in self._driver.all(_FOR_LOAN, (loan_id,))]
