"""Customers (personal data stored sealed), their consent records and the personal-data access
log. The repository stores and returns sealed text only; sealing and opening happen in
`security.personal_data`, so no plaintext personal data passes through SQL parameters' logs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from puhui.security.consent import ConsentRecord, Purpose
from puhui.security.personal_data import PERSONAL_FIELDS, Field
from puhui.storage.driver import Driver
from puhui.storage.tables import consents, customers, personal_data_reads, staff_users


@dataclass(frozen=True, slots=True)
class SealedCustomer:
    customer_id: int
    kind: str
    sealed: dict[Field, str]
    key_id: str
    login: str | None
    password_hash: str | None
    created_at: datetime


def _column(field: Field) -> str:
    return f"{field.value}_sealed"


_CUSTOMER_COLUMNS = (
    "id",
    "kind",
    *(_column(f) for f in PERSONAL_FIELDS),
    "key_id",
    "login",
    "password_hash",
    "created_at",
)
_SELECT_CUSTOMER = f"SELECT {', '.join(_CUSTOMER_COLUMNS)} FROM customers WHERE id = ?"
_SELECT_CONSENTS = (
    "SELECT id, customer_id, purpose, scope, granted_at, withdrawn_at FROM consents "
    "WHERE customer_id = ? ORDER BY id"
)


def _sealed_customer(values: Mapping[Any, Any]) -> SealedCustomer:
    """A customer from its row's columns by name (created_at already a datetime)."""
    return SealedCustomer(
        customer_id=values["id"],
        kind=values["kind"],
        sealed={f: values[_column(f)] for f in PERSONAL_FIELDS},
        key_id=values["key_id"],
        login=values["login"],
        password_hash=values["password_hash"],
        created_at=values["created_at"],
    )


class CustomerRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._driver = Driver(connection)

    def add(
        self,
        *,
        kind: str,
        sealed: Mapping[Field, str],
        key_id: str,
        now: datetime,
        login: str | None = None,
        password_hash: str | None = None,
    ) -> int:
        values = {_column(f): sealed[f] for f in PERSONAL_FIELDS}
        result = self._connection.execute(
            sa.insert(customers).values(
                kind=kind,
                key_id=key_id,
                created_at=now,
                login=login,
                password_hash=password_hash,
                **values,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def add_many(self, rows: list[dict[str, object]]) -> None:
        """Bulk insert with explicit ids (the simulator's applicants); keeps the id sequence
        ahead of them on PostgreSQL so later registrations get fresh ids."""
        if not rows:
            return
        self._connection.execute(sa.insert(customers), rows)
        if self._connection.dialect.name == "postgresql":
            self._connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('customers', 'id'), "
                "(SELECT MAX(id) FROM customers))"
            )

    @staticmethod
    def sealed_row(
        customer_id: int, kind: str, sealed: Mapping[Field, str], key_id: str, now: datetime
    ) -> dict[str, object]:
        return {
            "id": customer_id,
            "kind": kind,
            "key_id": key_id,
            "created_at": now,
            **{_column(f): sealed[f] for f in PERSONAL_FIELDS},
        }

    def set_login(self, customer_id: int, login: str, password_hash: str) -> None:
        self._connection.execute(
            sa.update(customers)
            .where(customers.c.id == customer_id)
            .values(login=login, password_hash=password_hash)
        )

    def get(self, customer_id: int) -> SealedCustomer | None:
        # Plain SQL (see storage.driver): every application and acceptance reads its customer.
        return self._sealed(self._driver.all(_SELECT_CUSTOMER, (customer_id,)))

    def get_with_consents(
        self, customer_id: int
    ) -> tuple[SealedCustomer | None, list[ConsentRecord]]:
        """The customer and his consent records, read together (one round trip on PostgreSQL):
        an application and an acceptance need both."""
        customer, consents = self._driver.reads(
            (_SELECT_CUSTOMER, (customer_id,)), (_SELECT_CONSENTS, (customer_id,))
        )
        return self._sealed(customer), self._consents(consents)

    def _sealed(self, rows: list[tuple[Any, ...]]) -> SealedCustomer | None:
        if not rows:
            return None
        values = dict(zip(_CUSTOMER_COLUMNS, rows[0], strict=True))
        values["created_at"] = self._driver.read_moment(values["created_at"])
        return _sealed_customer(values)

    def by_login(self, login: str) -> SealedCustomer | None:
        row = self._connection.execute(
            sa.select(customers).where(customers.c.login == login)
        ).first()
        return None if row is None else self._customer(row)

    def login_taken(self, login: str) -> bool:
        """A borrower or a staff user signs in with this name already."""
        return (
            self._connection.execute(
                sa.select(customers.c.id).where(customers.c.login == login)
            ).first()
            is not None
            or self._connection.execute(
                sa.select(staff_users.c.id).where(staff_users.c.username == login)
            ).first()
            is not None
        )

    def page(self, *, after_id: int, limit: int) -> list[SealedCustomer]:
        rows = self._connection.execute(
            sa.select(customers)
            .where(customers.c.id > after_id)
            .order_by(customers.c.id)
            .limit(limit)
        ).all()
        return [self._customer(row) for row in rows]

    def sealed_with_other_keys(self, current: str, *, limit: int) -> list[SealedCustomer]:
        rows = self._connection.execute(
            sa.select(customers)
            .where(customers.c.key_id != current)
            .order_by(customers.c.id)
            .limit(limit)
            .with_for_update()
        ).all()
        return [self._customer(row) for row in rows]

    def reseal(self, customer_id: int, sealed: Mapping[Field, str], key_id: str) -> None:
        self._connection.execute(
            sa.update(customers)
            .where(customers.c.id == customer_id)
            .values(key_id=key_id, **{_column(f): v for f, v in sealed.items()})
        )

    def count_by_key(self) -> dict[str, int]:
        rows = self._connection.execute(
            sa.select(customers.c.key_id, sa.func.count()).group_by(customers.c.key_id)
        ).all()
        return {key: int(count) for key, count in rows}

    @staticmethod
    def _customer(row: sa.Row) -> SealedCustomer:  # type: ignore[type-arg]
        return _sealed_customer(row._mapping)

    # --- consent ---

    def add_consent(self, customer_id: int, purpose: Purpose, scope: str, now: datetime) -> int:
        result = self._connection.execute(
            sa.insert(consents).values(
                customer_id=customer_id, purpose=purpose.value, scope=scope, granted_at=now
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def withdraw_consent(self, customer_id: int, consent_id: int, now: datetime) -> bool:
        updated = self._connection.execute(
            sa.update(consents)
            .where(
                consents.c.id == consent_id,
                consents.c.customer_id == customer_id,
                consents.c.withdrawn_at.is_(None),
            )
            .values(withdrawn_at=now)
        )
        return updated.rowcount == 1

    def consents(self, customer_id: int) -> list[ConsentRecord]:
        return self._consents(self._driver.all(_SELECT_CONSENTS, (customer_id,)))

    def _consents(self, rows: list[tuple[Any, ...]]) -> list[ConsentRecord]:
        records = []
        for consent_id, customer, purpose, scope, granted_at, withdrawn_at in rows:
            granted = self._driver.read_moment(granted_at)
            assert granted is not None, "consents.granted_at is NOT NULL"
            withdrawn = self._driver.read_moment(withdrawn_at)
            records.append(
                ConsentRecord(consent_id, customer, Purpose(purpose), scope, granted, withdrawn)
            )
        return records

    # --- access log ---

    def log_read(
        self, customer_id: int, reader: str, fields: tuple[Field, ...], purpose: str, now: datetime
    ) -> None:
        self._connection.execute(
            sa.insert(personal_data_reads).values(
                customer_id=customer_id,
                reader=reader,
                fields=",".join(f.value for f in fields),
                purpose=purpose,
                read_at=now,
            )
        )

    def reads(self, customer_id: int) -> list[tuple[str, str, str, datetime]]:
        rows = self._connection.execute(
            sa.select(
                personal_data_reads.c.reader,
                personal_data_reads.c.fields,
                personal_data_reads.c.purpose,
                personal_data_reads.c.read_at,
            )
            .where(personal_data_reads.c.customer_id == customer_id)
            .order_by(personal_data_reads.c.id)
        ).all()
        return [(r[0], r[1], r[2], r[3]) for r in rows]
