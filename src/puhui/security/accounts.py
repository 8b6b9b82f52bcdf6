"""Provisioning sign-ins: staff users with a role, and channel API keys with scopes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Protocol

from puhui.core.errors import Conflict, InvalidInput
from puhui.security.credentials import (
    IssuedKey,
    api_key_digest,
    format_api_key,
    hash_password,
    new_api_key_secret,
)
from puhui.security.roles import CHANNEL_SCOPES, STAFF_ROLES, Role

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,63}$")


class AccessStore(Protocol):
    def add_user(
        self, username: str, password_hash: str, role: str, funder: str | None, now: datetime
    ) -> int: ...
    def user(self, username: str) -> Any: ...
    def add_key(self, name: str, digest: str, scopes: frozenset[str], now: datetime) -> int: ...


def add_staff_user(
    store: AccessStore,
    *,
    username: str,
    password: str,
    role: str,
    now: datetime,
    funder: str | None = None,
) -> int:
    if not USERNAME.match(username):
        raise InvalidInput(
            f"username {username!r} must be 3–64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter"
        )
    try:
        chosen = Role(role)
    except ValueError:
        chosen = None
    if chosen not in STAFF_ROLES:
        raise InvalidInput(
            f"role {role!r} is not a staff role; choose one of {[r.value for r in STAFF_ROLES]}"
        )
    if (chosen is Role.PARTNER_BANK) != (funder is not None):
        raise InvalidInput("a partner-bank user needs --funder (its funder code); others none")
    if store.user(username) is not None:
        raise Conflict(f"user {username!r} exists already; choose another username")
    return store.add_user(username, hash_password(password), chosen.value, funder, now)


def issue_api_key(store: AccessStore, *, name: str, scopes: set[str], now: datetime) -> str:
    """Create a channel key; returns the full key text, which is shown once and never stored."""
    if not name.strip():
        raise InvalidInput("name the channel the key is for (e.g. 'checkout')")
    unknown = scopes - CHANNEL_SCOPES
    if not scopes or unknown:
        raise InvalidInput(
            f"choose the key's scopes among {sorted(CHANNEL_SCOPES)}"
            + (f"; {sorted(unknown)} are not allowed" if unknown else "")
        )
    secret = new_api_key_secret()
    key_id = store.add_key(name.strip(), api_key_digest(secret), frozenset(scopes), now)
    issued = IssuedKey(key_id, secret)
    return format_api_key(issued.key_id, issued.secret)
