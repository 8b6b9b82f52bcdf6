"""Read-side queries for lists and pages (API, console): keyset pagination by id, filters.

Keyset pagination (`id > cursor ORDER BY id LIMIT n`) costs the same on the millionth page as on
the first, unlike OFFSET.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from puhui.storage.driver import Driver
from puhui.storage.tables import (
    credit_lines,
    decisions,
    journal_entries,
    loans,
    postings,
    products,
)


@dataclass(frozen=True, slots=True)
class LoanRow:
    loan_id: int
    product_code: str
    borrower_ref: str
    funder: str
    status: str
    principal_minor: int
    start_date: date
    days_past_due: int
    delinquency_bucket: str


class BrowseRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._driver = Driver(connection)

    def decisions(
        self,
        *,
        after_id: int,
        limit: int,
        outcome: str | None = None,
        applicant_id: int | None = None,
    ) -> list[tuple[int, str, int, date, str]]:
        query = sa.select(
            decisions.c.id,
            decisions.c.application_id,
            decisions.c.applicant_id,
            decisions.c.business_date,
            decisions.c.outcome,
        ).where(decisions.c.id > after_id)
        if outcome is not None:
            query = query.where(decisions.c.outcome == outcome)
        if applicant_id is not None:
            query = query.where(decisions.c.applicant_id == applicant_id)
        rows = self._connection.execute(query.order_by(decisions.c.id).limit(limit)).all()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def loans(
        self,
        *,
        after_id: int,
        limit: int,
        status: str | None = None,
        product_code: str | None = None,
        borrower_ref: str | None = None,
        funder: str | None = None,
    ) -> list[LoanRow]:
        query = (
            sa.select(
                loans.c.id,
                products.c.code,
                loans.c.borrower_ref,
                loans.c.funder,
                loans.c.status,
                loans.c.principal_minor,
                loans.c.start_date,
                loans.c.days_past_due,
                loans.c.delinquency_bucket,
            )
            .join(products, products.c.id == loans.c.product_id)
            .where(loans.c.id > after_id)
        )
        for column, value in (
            (loans.c.status, status),
            (products.c.code, product_code),
            (loans.c.borrower_ref, borrower_ref),
            (loans.c.funder, funder),
        ):
            if value is not None:
                query = query.where(column == value)
        rows = self._connection.execute(query.order_by(loans.c.id).limit(limit)).all()
        return [LoanRow(*row) for row in rows]

    def loan_owner(self, loan_id: int) -> tuple[str, str] | None:
        """(borrower ref, funder) of a loan, for access checks before loading it."""
        row = self._driver.one("SELECT borrower_ref, funder FROM loans WHERE id = ?", (loan_id,))
        return None if row is None else (row[0], row[1])

    def line_owner(self, line_id: int) -> tuple[str, str] | None:
        row = self._driver.one(
            "SELECT borrower_ref, funder FROM credit_lines WHERE id = ?", (line_id,)
        )
        return None if row is None else (row[0], row[1])

    def lines_of(self, borrower_ref: str) -> list[int]:
        rows = self._connection.execute(
            sa.select(credit_lines.c.id)
            .where(credit_lines.c.borrower_ref == borrower_ref)
            .order_by(credit_lines.c.id)
        ).all()
        return [row[0] for row in rows]

    def lines(self, *, after_id: int, limit: int) -> list[tuple[int, str, str]]:
        rows = self._connection.execute(
            sa.select(credit_lines.c.id, credit_lines.c.borrower_ref, credit_lines.c.status)
            .where(credit_lines.c.id > after_id)
            .order_by(credit_lines.c.id)
            .limit(limit)
        ).all()
        return [(r[0], r[1], r[2]) for r in rows]

    def postings_for_loan(self, loan_id: int) -> list[dict[str, Any]]:
        rows = self._connection.execute(
            sa.select(
                journal_entries.c.id,
                journal_entries.c.business_date,
                journal_entries.c.kind,
                postings.c.account,
                postings.c.funder,
                postings.c.amount_minor,
            )
            .join(journal_entries, journal_entries.c.id == postings.c.entry_id)
            .where(postings.c.loan_id == loan_id)
            .order_by(postings.c.id)
        ).all()
        return [
            {
                "entry_id": r[0],
                "business_date": r[1].isoformat(),
                "kind": r[2],
                "account": r[3],
                "funder": r[4],
                "amount_minor": r[5],
            }
            for r in rows
        ]
