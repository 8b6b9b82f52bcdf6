"""The unit of work: one database transaction with the repositories bound to it.

It rolls back unless the caller commits (services never commit; the command or job that calls
them decides the transaction boundary).
"""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from puhui.compliance.profile import JurisdictionProfile, load_profile
from puhui.storage import write_behind
from puhui.storage.access_repository import AccessRepository
from puhui.storage.browse_repository import BrowseRepository
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.conduct_repository import ConductRepository
from puhui.storage.customer_repository import CustomerRepository
from puhui.storage.decision_repository import DecisionRepository, ExposureRepository
from puhui.storage.event_repository import EventRepository
from puhui.storage.facility_repository import FacilityRepository
from puhui.storage.funder_repository import FunderRepository
from puhui.storage.journal_repository import JournalRepository
from puhui.storage.line_repository import LineRepository
from puhui.storage.loan_repository import LoanRepository
from puhui.storage.product_repository import ProductRepository


class SqlUnitOfWork:
    """`with SqlUnitOfWork(engine) as uow: ...; uow.commit()`.

    After a commit or rollback the next use of a repository opens a new transaction with fresh
    repositories (their caches belong to one transaction); a unit of work that is simply left
    after its commit costs no extra transaction.
    """

    connection: sa.Connection

    def __init__(self, engine: sa.Engine, profile: JurisdictionProfile | None = None) -> None:
        self._engine = engine
        self.profile = profile or load_profile()
        self._transaction: sa.RootTransaction | None = None

    def __enter__(self) -> SqlUnitOfWork:
        self.connection = self._engine.connect()
        self._postgres = self.connection.dialect.name == "postgresql"
        try:
            self._begin()
        except BaseException:
            self.connection.close()  # ends the transaction (and frees SQLite's writer gate)
            raise
        return self

    def _begin(self) -> None:
        self._transaction = self.connection.begin()
        self._calendar = CalendarRepository(self.connection)
        self._calendar.lock()
        self._products = ProductRepository(self.connection)
        self._loans = LoanRepository(
            self.connection, self._products, self._calendar.last_closed_date, self.profile
        )
        self._events = EventRepository(self.connection)
        self._facilities = FacilityRepository(self.connection)
        self._funders = FunderRepository(self.connection)
        self._journal = JournalRepository(self.connection)
        self._decisions = DecisionRepository(self.connection)
        self._exposure = ExposureRepository(self.connection)
        self._lines = LineRepository(self.connection)
        self._conduct = ConductRepository(self.connection)
        self._customers = CustomerRepository(self.connection)
        self._access = AccessRepository(self.connection)
        self._browse = BrowseRepository(self.connection)

    def _open(self) -> SqlUnitOfWork:
        if self._transaction is None:
            self._begin()
        return self

    @property
    def calendar(self) -> CalendarRepository:
        return self._open()._calendar

    @property
    def products(self) -> ProductRepository:
        return self._open()._products

    @property
    def loans(self) -> LoanRepository:
        return self._open()._loans

    @property
    def events(self) -> EventRepository:
        return self._open()._events

    @property
    def facilities(self) -> FacilityRepository:
        return self._open()._facilities

    @property
    def funders(self) -> FunderRepository:
        return self._open()._funders

    @property
    def journal(self) -> JournalRepository:
        return self._open()._journal

    @property
    def decisions(self) -> DecisionRepository:
        return self._open()._decisions

    @property
    def exposure(self) -> ExposureRepository:
        return self._open()._exposure

    @property
    def lines(self) -> LineRepository:
        return self._open()._lines

    @property
    def conduct(self) -> ConductRepository:
        return self._open()._conduct

    @property
    def customers(self) -> CustomerRepository:
        return self._open()._customers

    @property
    def access(self) -> AccessRepository:
        return self._open()._access

    @property
    def browse(self) -> BrowseRepository:
        return self._open()._browse

    def commit(self) -> None:
        if self._transaction is not None:
            if self._postgres:  # the queued writes and the COMMIT in one round trip
                try:
                    write_behind.flush(self.connection.connection, commit=True)
                except BaseException:
                    self.rollback()
                    raise
            self._transaction.commit()
            self._transaction = None

    def rollback(self) -> None:
        if self._transaction is not None:
            if self._connection_closed():
                # pg_batch closed it (a batch it could not read to its end): nothing to roll back
                # (the server did), and the pool must replace it; the original error stands.
                self.connection.invalidate()
            self._transaction.rollback()
            self._transaction = None

    def _connection_closed(self) -> bool:
        if not self._postgres or self.connection.invalidated:
            return False
        driver_connection = self.connection.connection.driver_connection
        return driver_connection is None or bool(driver_connection.closed)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.connection.close()
