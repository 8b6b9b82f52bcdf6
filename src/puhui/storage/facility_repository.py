"""Facilities and the outstanding principal of their draws."""

from __future__ import annotations

import sqlalchemy as sa

from puhui.loans.errors import LoanNotFound
from puhui.loans.facility import Facility
from puhui.storage.tables import facilities, loans


class FacilityRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, facility: Facility, *, idempotency_key: str) -> int:
        existing = self._connection.execute(
            sa.select(facilities.c.id).where(facilities.c.idempotency_key == idempotency_key)
        ).scalar()
        if existing is not None:
            return int(existing)
        result = self._connection.execute(
            sa.insert(facilities).values(
                borrower_ref=facility.borrower_ref,
                product_id=facility.product_id,
                funder=facility.funder,
                approved_minor=facility.approved_minor,
                start_date=facility.start_date,
                draw_deadline=facility.draw_deadline,
                maturity_date=facility.maturity_date,
                idempotency_key=idempotency_key,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def get(self, facility_id: int, *, for_update: bool = True) -> Facility:
        query = sa.select(facilities).where(facilities.c.id == facility_id)
        if for_update and self._connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        if row is None:
            raise LoanNotFound(f"no facility with id {facility_id}; check the id")
        return Facility(
            row["id"],
            row["borrower_ref"],
            row["product_id"],
            row["funder"],
            row["approved_minor"],
            row["start_date"],
            row["draw_deadline"],
            row["maturity_date"],
        )

    def outstanding(self, facility_id: int) -> int:
        value = self._connection.execute(
            sa.select(sa.func.coalesce(sa.func.sum(loans.c.principal_outstanding_minor), 0)).where(
                loans.c.facility_id == facility_id, loans.c.status.in_(("active", "overdue"))
            )
        ).scalar()
        return int(value or 0)
