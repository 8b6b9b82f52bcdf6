"""What the credit-lines use cases need from storage (implemented by `puhui.storage`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

from puhui.compliance.profile import JurisdictionProfile
from puhui.ledger.ports import JournalStore
from puhui.lines.line import CreditLine, LineEvent


class LineStore(Protocol):
    def add(self, line: CreditLine, idempotency_key: str) -> int: ...

    def get(self, line_id: int, *, on: date, orders: Iterable[str] = ()) -> CreditLine:
        """The line, locked for the transaction, with its open and recent orders."""

    def save(self, line: CreditLine) -> None: ...

    def exposure(self, borrower_ref: str, on: date) -> tuple[int, int]:
        """Over the borrower's lines: (principal owed + held, what the lines commit on `on`)."""

    def history(self, line_id: int) -> list[LineEvent]: ...

    def add_statement(self, line_id: int, document: dict[str, Any]) -> None: ...

    def statements(self, line_id: int) -> list[dict[str, Any]]: ...

    def find_operation(self, idempotency_key: str) -> tuple[str, str, int] | None: ...

    def record_operation(
        self,
        idempotency_key: str,
        *,
        line_id: int,
        kind: str,
        request_hash: str,
        outcome: str,
        entry_id: int | None,
    ) -> None: ...


class KeyLock(Protocol):
    def lock_key(self, idempotency_key: str) -> None:
        """Serialise transactions on a key (a borrower) until commit."""


class LoanExposure(Protocol):
    def outstanding_principal(self, borrower_ref: str) -> int:
        """Principal owed on live loans and lines plus open holds."""

    def declined_since(self, borrower_ref: str, since: date) -> bool:
        """Whether an application of the borrower was declined on or after `since`."""


class LinesUnitOfWork(Protocol):
    profile: JurisdictionProfile

    @property
    def lines(self) -> LineStore: ...

    @property
    def journal(self) -> JournalStore: ...

    @property
    def events(self) -> KeyLock: ...

    @property
    def exposure(self) -> LoanExposure: ...
