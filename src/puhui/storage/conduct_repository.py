"""The contact log (planned and made collection contacts) and the human-review queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from puhui.compliance.reviews import ReviewRequest
from puhui.storage.driver import Driver

_REVIEW_COLUMNS = (
    "id, borrower_ref, subject, reasons, requested_on, status, outcome, reviewer, note, decided_on"
)


class ConductRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._driver = Driver(connection)

    # ---- contacts ------------------------------------------------------------------------

    def contacts_per_day(
        self, borrower_refs: list[str], start: date, end: date
    ) -> dict[str, dict[date, int]]:
        """Contacts planned or made per borrower and local day between `start` and `end`."""
        counts: dict[str, dict[date, int]] = {}
        for first in range(0, len(borrower_refs), 500):
            part = borrower_refs[first : first + 500]
            rows = self._driver.all(
                "SELECT borrower_ref, planned_at FROM contacts WHERE borrower_ref IN "
                f"({', '.join('?' * len(part))}) AND planned_at >= ? AND planned_at < ?",
                (*part, self._moment(start), self._moment(end)),
            )
            for ref, planned in rows:
                day = self._read_moment(planned).date()
                per_day = counts.setdefault(str(ref), {})
                per_day[day] = per_day.get(day, 0) + 1
        return counts

    def planned_subjects(self, day: date) -> set[tuple[str, str]]:
        rows = self._driver.all(
            "SELECT subject, kind FROM contacts WHERE plan_day = ?", (self._driver.date(day),)
        )
        return {(str(subject), str(kind)) for subject, kind in rows}

    def plan(self, rows: list[tuple[str, str, str, date, datetime]]) -> None:
        """(borrower, subject, kind, plan day, local time) rows as planned contacts."""
        self._driver.many(
            "INSERT INTO contacts (borrower_ref, subject, kind, plan_day, planned_at, status, "
            "outcome) VALUES (?, ?, ?, ?, ?, 'planned', '')",
            [
                (ref, subject, kind, self._driver.date(day), self._moment(at))
                for ref, subject, kind, day, at in rows
            ],
        )

    def record_outcome(self, contact_id: int, *, made: bool, outcome: str) -> bool:
        cursor_rows = self._driver.all(
            "SELECT id FROM contacts WHERE id = ? AND status = 'planned'", (contact_id,)
        )
        if not cursor_rows:
            return False
        self._driver.run(
            "UPDATE contacts SET status = ?, outcome = ? WHERE id = ?",
            ("made" if made else "failed", outcome[:200], contact_id),
        )
        return True

    def contacts(self, borrower_ref: str) -> list[tuple[Any, ...]]:
        return self._driver.all(
            "SELECT id, subject, kind, planned_at, status, outcome FROM contacts "
            "WHERE borrower_ref = ? ORDER BY planned_at",
            (borrower_ref,),
        )

    def _moment(self, value: date | datetime) -> Any:
        moment = (
            value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())
        )
        return (
            moment.replace(tzinfo=None)
            if self._driver.postgres
            else moment.replace(tzinfo=None).isoformat(sep=" ")
        )

    @staticmethod
    def _read_moment(value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

    # ---- human reviews -------------------------------------------------------------------

    def open_for(self, subject: str) -> ReviewRequest | None:
        row = self._driver.one(
            f"SELECT {_REVIEW_COLUMNS} FROM review_requests WHERE subject = ? AND status = 'open'",
            (subject,),
        )
        return None if row is None else self._review(row)

    def add(self, borrower_ref: str, subject: str, reasons: str, on: date) -> int:
        return self._driver.insert_id(
            "INSERT INTO review_requests (borrower_ref, subject, reasons, requested_on, status) "
            "VALUES (?, ?, ?, ?, 'open')",
            (borrower_ref, subject, reasons, self._driver.date(on)),
        )

    def get(self, request_id: int) -> ReviewRequest | None:
        row = self._driver.one(
            f"SELECT {_REVIEW_COLUMNS} FROM review_requests WHERE id = ?", (request_id,)
        )
        return None if row is None else self._review(row)

    def decide(self, request_id: int, *, outcome: str, reviewer: str, note: str, on: date) -> None:
        self._driver.run(
            "UPDATE review_requests SET status = 'decided', outcome = ?, reviewer = ?, note = ?, "
            "decided_on = ? WHERE id = ? AND status = 'open'",
            (outcome, reviewer, note, self._driver.date(on), request_id),
        )

    def open_requests(self) -> list[ReviewRequest]:
        rows = self._driver.all(
            f"SELECT {_REVIEW_COLUMNS} FROM review_requests WHERE status = 'open' ORDER BY id", ()
        )
        return [self._review(row) for row in rows]

    def _review(self, row: tuple[Any, ...]) -> ReviewRequest:
        return ReviewRequest(
            request_id=int(row[0]),
            borrower_ref=str(row[1]),
            subject=str(row[2]),
            reasons=str(row[3]),
            requested_on=self._driver.read_date(row[4]) or date.min,
            status=str(row[5]),
            outcome=row[6],
            reviewer=row[7],
            note=row[8],
            decided_on=self._driver.read_date(row[9]),
        )
