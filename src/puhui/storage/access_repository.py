"""Staff sign-ins, channel API keys and HTTP idempotency records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from puhui.storage.tables import api_keys, idempotency_records, staff_users


@dataclass(frozen=True, slots=True)
class StaffUser:
    user_id: int
    username: str
    password_hash: str
    role: str
    funder: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    key_id: int
    name: str
    secret_digest: str
    scopes: frozenset[str]
    active: bool


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    request_hash: str
    state: str  # in_flight | done
    status_code: int | None
    response: str | None


class AccessRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add_user(
        self, username: str, password_hash: str, role: str, funder: str | None, now: datetime
    ) -> int:
        result = self._connection.execute(
            sa.insert(staff_users).values(
                username=username,
                password_hash=password_hash,
                role=role,
                funder=funder,
                active=True,
                created_at=now,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def user(self, username: str) -> StaffUser | None:
        row = self._connection.execute(
            sa.select(staff_users).where(staff_users.c.username == username)
        ).first()
        if row is None:
            return None
        return StaffUser(
            row.id, row.username, row.password_hash, row.role, row.funder, bool(row.active)
        )

    def add_key(self, name: str, digest: str, scopes: frozenset[str], now: datetime) -> int:
        result = self._connection.execute(
            sa.insert(api_keys).values(
                name=name,
                secret_digest=digest,
                scopes=" ".join(sorted(scopes)),
                active=True,
                created_at=now,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def key(self, key_id: int) -> ApiKeyRow | None:
        row = self._connection.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            return None
        return ApiKeyRow(
            row.id, row.name, row.secret_digest, frozenset(row.scopes.split()), bool(row.active)
        )

    def idempotency(self, principal: str, key: str) -> IdempotencyRecord | None:
        row = self._connection.execute(
            sa.select(idempotency_records).where(
                idempotency_records.c.principal == principal, idempotency_records.c.key == key
            )
        ).first()
        if row is None:
            return None
        return IdempotencyRecord(row.request_hash, row.state, row.status_code, row.response)

    def start_idempotent(self, principal: str, key: str, request_hash: str, now: datetime) -> bool:
        """Claim the key; False if another request already holds it (or held it)."""
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    sa.insert(idempotency_records).values(
                        principal=principal,
                        key=key,
                        request_hash=request_hash,
                        state="in_flight",
                        created_at=now,
                    )
                )
        except sa.exc.IntegrityError:
            return False
        return True

    def finish_idempotent(self, principal: str, key: str, status_code: int, response: str) -> None:
        self._connection.execute(
            sa.update(idempotency_records)
            .where(idempotency_records.c.principal == principal, idempotency_records.c.key == key)
            .values(state="done", status_code=status_code, response=response)
        )

    def forget_idempotent(self, principal: str, key: str) -> None:
        """Release a claim whose request failed unexpectedly, so the caller may retry it."""
        self._connection.execute(
            sa.delete(idempotency_records).where(
                idempotency_records.c.principal == principal,
                idempotency_records.c.key == key,
                idempotency_records.c.state == "in_flight",
            )
        )
