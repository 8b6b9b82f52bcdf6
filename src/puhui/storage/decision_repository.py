"""Decision records (append-only) and borrowers' exposure across their live loans and lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa

from puhui.credit.application import Application
from puhui.credit.decision import DecisionRecord
from puhui.storage.driver import Driver

_FIND = "SELECT record, application FROM decisions WHERE application_id = ?"
_INSERT = (
    "INSERT INTO decisions (application_id, applicant_id, business_date, outcome, "
    "application_hash, record, application) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_EXPOSURE = (
    "SELECT (SELECT COALESCE(SUM(principal_outstanding_minor), 0) FROM loans "
    "WHERE borrower_ref = ? AND status IN ('active', 'overdue')) + "
    "(SELECT COALESCE(SUM(purchase_minor + cash_minor + converted_minor + held_minor), 0) "
    "FROM credit_lines WHERE borrower_ref = ?)"
)


class DecisionRepository:
    """Decisions are written once and never changed, so one found in this transaction is kept
    for it (accepting an offer looks its decision up twice); "not found" is not kept, since
    another transaction may store it a moment later."""

    def __init__(self, connection: sa.Connection) -> None:
        self._driver = Driver(connection)
        self._found: dict[str, tuple[DecisionRecord, Application]] = {}

    def find(self, application_id: str) -> tuple[DecisionRecord, Application] | None:
        if application_id in self._found:
            return self._found[application_id]
        row = self._driver.one(_FIND, (application_id,))
        if row is None:
            return None
        found = DecisionRecord.from_json(row[0]), Application.from_json(row[1])
        self._found[application_id] = found
        return found

    def append(self, record: DecisionRecord, application: Application) -> None:
        self._driver.later(
            _INSERT,
            (
                record.application_id,
                record.applicant_id,
                self._driver.date(record.business_date),
                record.outcome,
                record.application_hash,
                record.to_json(),
                application.to_json(),
            ),
        )


APPLICANT_PREFIX = "applicant-"  # credit.service.borrower_ref: the engine's borrower refs


def applicant_of(borrower_ref: str) -> int | None:
    """The applicant id behind an engine-issued borrower reference (None for other refs)."""
    number = borrower_ref.removeprefix(APPLICANT_PREFIX)
    return int(number) if borrower_ref.startswith(APPLICANT_PREFIX) and number.isdigit() else None


class ExposureRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._driver = Driver(connection)

    def declined_since(self, borrower_ref: str, since: date) -> bool:
        """Whether the engine declined an application of the borrower on or after `since`."""
        applicant = applicant_of(borrower_ref)
        if applicant is None:
            return False
        row = self._driver.one(
            "SELECT 1 FROM decisions WHERE applicant_id = ? AND outcome = 'decline' "
            "AND business_date >= ? LIMIT 1",
            (applicant, self._driver.date(since)),
        )
        return row is not None

    def outstanding_principal(self, borrower_ref: str) -> int:
        """Principal the borrower owes on live loans and lines, plus his open checkout holds."""
        row = self._driver.one(_EXPOSURE, (borrower_ref, borrower_ref))
        return int(row[0]) if row else 0

    def outstanding_principal_later(self, borrower_ref: str) -> Callable[[], int]:
        """`outstanding_principal`, sent with the next read (PostgreSQL)."""
        rows = self._driver.ask(_EXPOSURE, (borrower_ref, borrower_ref))

        def owed() -> int:
            answer = rows()
            return int(answer[0][0]) if answer else 0

        return owed
