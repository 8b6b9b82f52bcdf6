"""Loan events: appended once per idempotency key, read back in order for replay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from puhui.loans.events import EventKind, LoanEvent
from puhui.storage.tables import loan_events


def _event(row: Sequence[Any]) -> LoanEvent:
    kind, business_date, amount, key, reverses = row
    return LoanEvent(EventKind(kind), business_date, int(amount), key, reverses)


class EventRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    _columns = (
        loan_events.c.kind,
        loan_events.c.business_date,
        loan_events.c.amount_minor,
        loan_events.c.idempotency_key,
        loan_events.c.reverses_key,
    )

    def find(self, idempotency_key: str) -> tuple[int, LoanEvent, str | None] | None:
        row = self._connection.execute(
            sa.select(loan_events.c.loan_id, loan_events.c.outcome, *self._columns).where(
                loan_events.c.idempotency_key == idempotency_key
            )
        ).first()
        if row is None:
            return None
        return int(row[0]), _event(row[2:]), row[1]

    def append(
        self, loan_id: int, event: LoanEvent, *, entry_id: int | None, outcome: str | None
    ) -> None:
        self._connection.execute(
            sa.insert(loan_events).values(
                loan_id=loan_id,
                kind=event.kind.value,
                business_date=event.business_date,
                amount_minor=event.amount_minor,
                idempotency_key=event.idempotency_key,
                reverses_key=event.reverses_key,
                entry_id=entry_id,
                outcome=outcome,
            )
        )

    def for_loan(self, loan_id: int) -> list[LoanEvent]:
        rows = self._connection.execute(
            sa.select(*self._columns)
            .where(loan_events.c.loan_id == loan_id)
            .order_by(loan_events.c.id)
        ).all()
        return [_event(row) for row in rows]
