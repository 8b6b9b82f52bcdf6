"""What loan servicing needs from storage (implemented by `puhui.storage`, faked in tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from puhui.compliance.profile import JurisdictionProfile
from puhui.ledger.ports import JournalStore
from puhui.loans.events import LoanEvent
from puhui.loans.facility import Facility
from puhui.loans.loan import Loan
from puhui.loans.products import Product


class ProductStore(Protocol):
    def current(self, code: str) -> tuple[int, Product]:
        """(id, product) of the newest version of a product code."""

    def by_id(self, product_id: int) -> Product: ...

    def register(self, product: Product) -> int:
        """Store a product version (idempotent for identical definitions); returns its id."""


class LoanStore(Protocol):
    def add(self, loan: Loan, *, product_id: int, borrower_ref: str) -> int:
        """Insert a new loan and its instalments; returns the id the database gave it."""

    def get(self, loan_id: int, *, for_update: bool = True) -> Loan: ...

    def save(self, loan: Loan) -> None: ...


class EventStore(Protocol):
    def find(self, idempotency_key: str) -> tuple[int, LoanEvent, str | None] | None:
        """(loan id, event, stored outcome) of the event with this key, if any."""

    def append(
        self, loan_id: int, event: LoanEvent, *, entry_id: int | None, outcome: str | None
    ) -> None: ...

    def for_loan(self, loan_id: int) -> list[LoanEvent]: ...

    def lock_key(self, idempotency_key: str) -> None:
        """Make concurrent requests with this key take turns (bookings have no row to lock)."""


class FacilityStore(Protocol):
    def add(self, facility: Facility, *, idempotency_key: str) -> int: ...

    def get(self, facility_id: int, *, for_update: bool = True) -> Facility: ...

    def outstanding(self, facility_id: int) -> int: ...


class FunderStore(Protocol):
    def exists(self, code: str) -> bool: ...

    def exists_later(self, code: str) -> Callable[[], bool]:
        """`exists`, asked now and answered with the next read (no round trip of its own on
        PostgreSQL); calling the result gives the answer."""


class BusinessCalendar(Protocol):
    def last_closed_date(self) -> date | None: ...

    def eod_running(self) -> date | None: ...


class ServicingUnitOfWork(Protocol):
    """The stores a servicing use case works with, all in one transaction, and the
    jurisdiction profile whose limits it enforces."""

    @property
    def profile(self) -> JurisdictionProfile: ...

    @property
    def products(self) -> ProductStore: ...

    @property
    def loans(self) -> LoanStore: ...

    @property
    def events(self) -> EventStore: ...

    @property
    def facilities(self) -> FacilityStore: ...

    @property
    def funders(self) -> FunderStore: ...

    @property
    def journal(self) -> JournalStore: ...

    @property
    def calendar(self) -> BusinessCalendar: ...
