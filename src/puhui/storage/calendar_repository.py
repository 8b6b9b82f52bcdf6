"""The business calendar: which day end-of-day last closed, and whether one is running."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from puhui.storage.tables import system_state

LAST_CLOSED = "last_closed_date"
EOD_RUNNING = "eod_running_date"


class CalendarRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def _get(self, key: str) -> date | None:
        value = self._connection.execute(
            sa.select(system_state.c.value).where(system_state.c.key == key)
        ).scalar()
        return date.fromisoformat(value) if value else None

    def _set(self, key: str, value: date | None) -> None:
        text = value.isoformat() if value else None
        updated = self._connection.execute(
            sa.update(system_state).where(system_state.c.key == key).values(value=text)
        )
        if updated.rowcount == 0:
            self._connection.execute(sa.insert(system_state).values(key=key, value=text))

    def last_closed_date(self) -> date | None:
        return self._get(LAST_CLOSED)

    def eod_running(self) -> date | None:
        return self._get(EOD_RUNNING)

    def mark_running(self, day: date | None) -> None:
        self._set(EOD_RUNNING, day)

    def mark_closed(self, day: date) -> None:
        self._set(LAST_CLOSED, day)

    def lock(self) -> None:
        """Serialise against end-of-day on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
        if self._connection.dialect.name == "postgresql":
            self._connection.execute(
                sa.select(system_state.c.key)
                .where(system_state.c.key == LAST_CLOSED)
                .with_for_update(read=True)
            )
