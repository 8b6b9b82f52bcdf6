"""Staff sign-ins, channel API keys and HTTP idempotency records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from puhui.storage.driver import Driver
from puhui.storage.tables import api_keys, staff_users


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
        self._driver = Driver(connection)

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

    # The idempotency records are on every money-moving request: plain SQL on the DBAPI cursor
    # (like the other hot paths), which costs a fraction of building Core statements each time.

    def idempotency(self, principal: str, key: str) -> IdempotencyRecord | None:
        row = self._driver.one(
            "SELECT request_hash, state, status_code, response FROM idempotency_records "
            "WHERE principal = ? AND key = ?",
            (principal, key),
        )
        return None if row is None else IdempotencyRecord(row[0], row[1], row[2], row[3])

    def hold_idempotency_key(
        self, principal: str, key: str, *, stale_before: datetime
    ) -> tuple[bool, IdempotencyRecord | None]:
        """Hold the key for the rest of this transaction and read its record.

        Returns (False, None) if another transaction is running a request with the key now;
        else (True, the record or None). The record leaves out a claim still `in_flight` from
        before `stale_before` (the process that made it died: its request may run again).
        On PostgreSQL the hold is a transaction-scoped advisory lock (tried, not waited for),
        sent with the read in one round trip; the read is a statement of its own, so it sees
        what committed before the lock was granted. SQLite's write lock already lets one
        transaction run at a time."""
        find = (
            "SELECT request_hash, state, status_code, response FROM idempotency_records "
            "WHERE principal = ? AND key = ? AND NOT (state = 'in_flight' AND created_at < ?)",
            (principal, key, self._driver.moment(stale_before)),
        )
        if not self._driver.postgres:
            rows = self._driver.all(*find)
        else:
            held, rows = self._driver.reads(
                (
                    "SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0))",
                    (f"idempotency\n{principal}\n{key}",),
                ),
                find,
            )
            if not held[0][0]:
                return False, None
        return True, (IdempotencyRecord(*rows[0]) if rows else None)

    def save_idempotent(
        self,
        principal: str,
        key: str,
        request_hash: str,
        status_code: int,
        response: str,
        now: datetime,
    ) -> None:
        """Store the answer to a request that ran (replacing a dead claim, if one was left)."""
        self._driver.later(
            "INSERT INTO idempotency_records (principal, key, request_hash, state, status_code, "
            "response, created_at) VALUES (?, ?, ?, 'done', ?, ?, ?) "
            "ON CONFLICT (principal, key) DO UPDATE SET request_hash = excluded.request_hash, "
            "state = 'done', status_code = excluded.status_code, response = excluded.response, "
            "created_at = excluded.created_at WHERE idempotency_records.state = 'in_flight'",
            (principal, key, request_hash, status_code, response, self._driver.moment(now)),
        )

    def start_idempotent(
        self, principal: str, key: str, request_hash: str, now: datetime, *, stale_before: datetime
    ) -> bool:
        """Claim the key; False if another request holds (or held) it. A claim still in flight
        from before `stale_before` (its process died) is taken over by the same request."""
        cursor = self._driver.raw_cursor()
        try:
            cursor.execute(
                self._driver.translate(
                    "INSERT INTO idempotency_records (principal, key, request_hash, state, "
                    "created_at) VALUES (?, ?, ?, 'in_flight', ?) ON CONFLICT DO NOTHING"
                ),
                (principal, key, request_hash, self._driver.moment(now)),
            )
            if cursor.rowcount == 1:
                return True
            cursor.execute(
                self._driver.translate(
                    "UPDATE idempotency_records SET created_at = ? WHERE principal = ? AND key = ? "
                    "AND request_hash = ? AND state = 'in_flight' AND created_at < ?"
                ),
                (
                    self._driver.moment(now),
                    principal,
                    key,
                    request_hash,
                    self._driver.moment(stale_before),
                ),
            )
            return bool(cursor.rowcount == 1)
        finally:
            cursor.close()

    def finish_idempotent(self, principal: str, key: str, status_code: int, response: str) -> None:
        self._driver.run(
            "UPDATE idempotency_records SET state = 'done', status_code = ?, response = ? "
            "WHERE principal = ? AND key = ?",
            (status_code, response, principal, key),
        )

    def forget_idempotent(self, principal: str, key: str) -> None:
        """Release a claim whose request failed or must be retried, so the caller may retry."""
        self._driver.run(
            "DELETE FROM idempotency_records WHERE principal = ? AND key = ? "
            "AND state = 'in_flight'",
            (principal, key),
        )
