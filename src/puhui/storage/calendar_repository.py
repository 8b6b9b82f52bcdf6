"""The business calendar: which day end-of-day last closed, and whether one is running."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from puhui.storage.driver import Driver
from puhui.storage.tables import system_state

LAST_CLOSED = "last_closed_date"
EOD_RUNNING = "eod_running_date"
_READ = "SELECT key, value FROM system_state WHERE key IN (?, ?)"


class CalendarRepository:
    """Reads are cached for the transaction: the calendar only changes under end-of-day's
    exclusive lock, which waits for every transaction holding the shared one (`lock`)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._cache: dict[str, date | None] | None = None
        self._locking = False

    def _get(self, key: str) -> date | None:
        if self._cache is None and self._locking:
            Driver(self._connection).send_queued()  # the locked read, queued by `lock`
        if self._cache is None:
            # Both dates in one plain query (SQLite, or a transaction that took no lock).
            self._fill(Driver(self._connection).all(_READ, (LAST_CLOSED, EOD_RUNNING)))
        assert self._cache is not None
        return self._cache.get(key)

    def _fill(self, rows: list[tuple[Any, ...]]) -> None:
        self._cache = {LAST_CLOSED: None, EOD_RUNNING: None}
        self._cache.update({k: date.fromisoformat(v) if v else None for k, v in rows})

    def _set(self, key: str, value: date | None) -> None:
        self._get(key)
        assert self._cache is not None
        self._cache[key] = value
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
        """Hold end-of-day off while this transaction posts events (PostgreSQL).

        A shared lock on the calendar rows: end-of-day's updates of them wait for every
        transaction holding it, and later ones then see the run and refuse. The rows are read in
        the same statement (it starts every unit of work); a locked row is read as committed
        after any wait, so the dates are current. Only end-of-day updates these rows, in the
        same key order, and it holds nothing else a unit of work then waits for. SQLite needs
        no lock: BEGIN IMMEDIATE already makes writers take turns.

        The statement is queued (write-behind): it goes first in the transaction's next round
        trip, so the lock is held before anything after it runs, at no round trip of its own.
        """
        if self._connection.dialect.name == "postgresql":
            # In key order; end-of-day updates them in the same order (no deadlock).
            self._locking = True
            Driver(self._connection).read_later(
                _READ + " ORDER BY key FOR SHARE", (LAST_CLOSED, EOD_RUNNING), self._fill
            )

    def ensure_rows(self) -> None:
        """Create the calendar rows (so there is always a row to lock)."""
        for key in (LAST_CLOSED, EOD_RUNNING):
            exists = self._connection.execute(
                sa.select(system_state.c.key).where(system_state.c.key == key)
            ).first()
            if exists is None:
                self._connection.execute(sa.insert(system_state).values(key=key, value=None))
