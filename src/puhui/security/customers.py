"""Customer use cases: register (sealing personal data), read (masked unless the caller may see
it, and logged when unmasked), record and withdraw consent, and re-seal under a new key.

The store is a port (`CustomerStore`) so the rules here are the same behind HTTP, the console
and the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from puhui.core.errors import Conflict, InvalidInput, NotFound
from puhui.security.consent import ConsentRecord, Purpose
from puhui.security.credentials import hash_password
from puhui.security.personal_data import PERSONAL_FIELDS, Field, KeyRing, mask
from puhui.security.roles import Principal

KINDS = ("consumer", "merchant")
_CHECKS: dict[Field, tuple[re.Pattern[str], str]] = {
    Field.NAME: (re.compile(r"^\S.{0,99}$"), "1–100 characters"),
    Field.ID_NUMBER: (re.compile(r"^\d{17}[\dX]$"), "18 characters: 17 digits then a digit or X"),
    Field.PHONE: (re.compile(r"^1\d{10}$"), "11 digits starting with 1"),
    Field.BANK_CARD: (re.compile(r"^\d{12,19}$"), "12–19 digits"),
    Field.ADDRESS: (re.compile(r"^\S.{0,199}$"), "1–200 characters"),
}


class CustomerStore(Protocol):
    def add(
        self,
        *,
        kind: str,
        sealed: Mapping[Field, str],
        key_id: str,
        now: datetime,
        login: str | None = None,
        password_hash: str | None = None,
    ) -> int: ...
    def get(self, customer_id: int) -> Any: ...
    def login_taken(self, login: str) -> bool: ...
    def consents(self, customer_id: int) -> list[ConsentRecord]: ...
    def add_consent(self, customer_id: int, purpose: Purpose, scope: str, now: datetime) -> int: ...
    def withdraw_consent(self, customer_id: int, consent_id: int, now: datetime) -> bool: ...
    def log_read(
        self, customer_id: int, reader: str, fields: tuple[Field, ...], purpose: str, now: datetime
    ) -> None: ...
    def sealed_with_other_keys(self, current: str, *, limit: int) -> list[Any]: ...
    def reseal(self, customer_id: int, sealed: Mapping[Field, str], key_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class CustomerView:
    customer_id: int
    kind: str
    personal: dict[str, str]
    masked: bool
    created_at: datetime


def check_personal(personal: Mapping[Field, str]) -> None:
    problems = []
    for field in PERSONAL_FIELDS:
        pattern, rule = _CHECKS[field]
        value = personal.get(field, "")
        if not pattern.match(value):
            problems.append(f"{field.value} must be {rule}")
    if problems:
        raise InvalidInput("the customer's details are invalid: " + "; ".join(problems))


def register_customer(
    store: CustomerStore,
    keyring: KeyRing,
    *,
    kind: str,
    personal: Mapping[Field, str],
    now: datetime,
    login: str | None = None,
    password: str | None = None,
) -> int:
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {KINDS}, not {kind!r}")
    check_personal(personal)
    if (login is None) != (password is None):
        raise InvalidInput("give both a login and a password for the applicant pages, or neither")
    if login is not None and store.login_taken(login):
        raise Conflict(f"the login {login!r} is taken; choose another")
    return store.add(
        kind=kind,
        sealed={f: keyring.seal(f, personal[f]) for f in PERSONAL_FIELDS},
        key_id=keyring.current,
        now=now,
        login=login,
        password_hash=hash_password(password) if password is not None else None,
    )


def read_customer(
    store: CustomerStore,
    keyring: KeyRing,
    principal: Principal,
    customer_id: int,
    *,
    purpose: str,
    now: datetime,
) -> CustomerView:
    """Unmasked (and logged) for a caller with `pii:read` or the customer himself; else masked."""
    found = store.get(customer_id)
    if found is None or not principal.may_see_customer(customer_id):
        raise NotFound(f"no customer {customer_id}; check the id")
    opened = {f: keyring.open(f, found.sealed[f]) for f in PERSONAL_FIELDS}
    unmasked = principal.has("pii:read") or principal.customer_id == customer_id
    if unmasked:
        store.log_read(customer_id, principal.subject, PERSONAL_FIELDS, purpose, now)
        personal = {f.value: v for f, v in opened.items()}
    else:
        personal = {f.value: mask(f, v) for f, v in opened.items()}
    return CustomerView(customer_id, found.kind, personal, not unmasked, found.created_at)


def record_consent(
    store: CustomerStore, customer_id: int, purpose: str, scope: str, now: datetime
) -> int:
    if store.get(customer_id) is None:
        raise NotFound(f"no customer {customer_id}; check the id")
    try:
        chosen = Purpose(purpose)
    except ValueError:
        raise InvalidInput(
            f"purpose {purpose!r} is unknown; use one of {[p.value for p in Purpose]}"
        ) from None
    if not scope.strip():
        raise InvalidInput("say what the consent covers in scope (e.g. 'loan applications')")
    return store.add_consent(customer_id, chosen, scope.strip(), now)


def withdraw_consent(
    store: CustomerStore, customer_id: int, consent_id: int, now: datetime
) -> None:
    if not store.withdraw_consent(customer_id, consent_id, now):
        raise NotFound(
            f"customer {customer_id} has no live consent {consent_id}; it may already be withdrawn"
        )


def reseal_batch(store: CustomerStore, keyring: KeyRing, *, limit: int) -> int:
    """Re-seal up to `limit` customers sealed with an older key; returns how many were done.

    Each batch is one short transaction (the caller commits), so readers never wait long and
    every row is readable throughout: old rows open with the old key until re-sealed.
    """
    batch = store.sealed_with_other_keys(keyring.current, limit=limit)
    for customer in batch:
        plain = {f: keyring.open(f, customer.sealed[f]) for f in PERSONAL_FIELDS}
        store.reseal(
            customer.customer_id, {f: keyring.seal(f, v) for f, v in plain.items()}, keyring.current
        )
    return len(batch)


ProgressCallback = Callable[[int], None]
