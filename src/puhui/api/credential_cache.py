"""Caches of verified credentials, so a busy channel does not pay for a token signature check
and an API-key lookup on every request.

A bearer token is cached once verified, until its own expiry (it cannot change: it is signed).
An API key row is cached for KEY_TTL seconds: revoking a key takes effect within that time on
every server process — the price of not reading the key table on each checkout.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from puhui.security.credentials import TokenSigner
from puhui.security.roles import Principal
from puhui.storage.access_repository import ApiKeyRow

KEY_TTL = 10.0
MAX_ENTRIES = 10_000


class CredentialCache:
    def __init__(self) -> None:
        self._tokens: OrderedDict[str, tuple[Principal, int]] = OrderedDict()
        self._keys: dict[int, tuple[ApiKeyRow, float]] = {}
        self._lock = threading.Lock()

    def principal(self, signer: TokenSigner, token: str) -> Principal:
        now = time.time()
        with self._lock:
            found = self._tokens.get(token)
            if found is not None and found[1] > now:
                self._tokens.move_to_end(token)
                return found[0]
        principal, expires = signer.verify(token)
        with self._lock:
            self._tokens[token] = (principal, expires)
            while len(self._tokens) > MAX_ENTRIES:
                self._tokens.popitem(last=False)
        return principal

    def key(self, key_id: int) -> ApiKeyRow | None:
        with self._lock:
            found = self._keys.get(key_id)
        if found is None or time.monotonic() - found[1] > KEY_TTL:
            return None
        return found[0]

    def remember_key(self, row: ApiKeyRow) -> None:
        with self._lock:
            if len(self._keys) >= MAX_ENTRIES:
                self._keys.clear()
            self._keys[row.key_id] = (row, time.monotonic())
