"""What decisioning needs from storage (implemented by `puhui.storage`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from puhui.credit.application import Application
from puhui.credit.decision import DecisionRecord
from puhui.loans.ports import ServicingUnitOfWork


class DecisionStore(Protocol):
    def find(self, application_id: str) -> tuple[DecisionRecord, Application] | None: ...

    def append(self, record: DecisionRecord, application: Application) -> None: ...


class ExposureSource(Protocol):
    def outstanding_principal(self, borrower_ref: str) -> int:
        """Principal the borrower owes on every live loan (all products)."""

    def outstanding_principal_later(self, borrower_ref: str) -> Callable[[], int]:
        """The same, asked now and answered with the next read (no round trip of its own on
        PostgreSQL); calling the result gives the answer."""


class CreditUnitOfWork(ServicingUnitOfWork, Protocol):
    @property
    def decisions(self) -> DecisionStore: ...

    @property
    def exposure(self) -> ExposureSource: ...
