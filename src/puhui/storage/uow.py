"""The unit of work: one database transaction with the repositories bound to it.

It rolls back unless the caller commits (services never commit; the command or job that calls
them decides the transaction boundary).
"""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from puhui.compliance.profile import JurisdictionProfile, load_profile
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.event_repository import EventRepository
from puhui.storage.facility_repository import FacilityRepository
from puhui.storage.funder_repository import FunderRepository
from puhui.storage.journal_repository import JournalRepository
from puhui.storage.loan_repository import LoanRepository
from puhui.storage.product_repository import ProductRepository


class SqlUnitOfWork:
    """`with SqlUnitOfWork(engine) as uow: ...; uow.commit()`."""

    products: ProductRepository
    loans: LoanRepository
    events: EventRepository
    facilities: FacilityRepository
    funders: FunderRepository
    journal: JournalRepository
    calendar: CalendarRepository
    connection: sa.Connection

    def __init__(self, engine: sa.Engine, profile: JurisdictionProfile | None = None) -> None:
        self._engine = engine
        self.profile = profile or load_profile()

    def __enter__(self) -> SqlUnitOfWork:
        self.connection = self._engine.connect()
        self._begin()
        return self

    def _begin(self) -> None:
        """A new transaction with fresh repositories (their caches belong to one transaction)."""
        self._transaction = self.connection.begin()
        self.calendar = CalendarRepository(self.connection)
        self.calendar.lock()
        self.products = ProductRepository(self.connection)
        self.loans = LoanRepository(
            self.connection, self.products, self.calendar.last_closed_date(), self.profile
        )
        self.events = EventRepository(self.connection)
        self.facilities = FacilityRepository(self.connection)
        self.funders = FunderRepository(self.connection)
        self.journal = JournalRepository(self.connection)

    def commit(self) -> None:
        """Commit; the unit of work carries on in a new transaction."""
        self._transaction.commit()
        self._begin()

    def rollback(self) -> None:
        self._transaction.rollback()
        self._begin()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._transaction.rollback()
        finally:
            self.connection.close()
