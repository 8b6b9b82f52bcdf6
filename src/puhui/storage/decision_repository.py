"""Decision records (append-only) and borrowers' exposure across their live loans and lines."""

from __future__ import annotations

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
    def __init__(self, connection: sa.Connection) -> None:
        self._driver = Driver(connection)

    def find(self, application_id: str) -> tuple[DecisionRecord, Application] | None:
        row = self._driver.one(_FIND, (application_id,))
        if row is None:
            return None
        return DecisionRecord.from_json(row[0]), Application.from_json(row[1])

    def append(self, record: DecisionRecord, application: Application) -> None:
        self._driver.run(
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


class ExposureRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._driver = Driver(connection)

    def outstanding_principal(self, borrower_ref: str) -> int:
        """Principal the borrower owes on live loans and lines, plus his open checkout holds."""
        row = self._driver.one(_EXPOSURE, (borrower_ref, borrower_ref))
        return int(row[0]) if row else 0
