"""Funders: who provides a loan's money (the platform now, partner banks later)."""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa

from puhui.core.errors import InvalidInput
from puhui.storage.driver import Driver
from puhui.storage.tables import funders

FUNDER_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FIND = "SELECT 1 FROM funders WHERE code = ?"


class FunderRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def register(self, code: str, name: str) -> None:
        """Add a funder (idempotent). Codes are plain names: batch SQL embeds them."""
        if not FUNDER_CODE.fullmatch(code):
            raise InvalidInput(f"funder code {code!r} must be 1–64 letters, digits, '-' or '_'")
        if not self.exists(code):
            self._connection.execute(sa.insert(funders).values(code=code, name=name))

    def exists(self, code: str) -> bool:
        # Plain SQL (see storage.driver): every booking checks its funder.
        found = Driver(self._connection).one(_FIND, (code,))
        return found is not None

    def exists_later(self, code: str) -> Callable[[], bool]:
        """Queued on PostgreSQL: a booking's funder check travels with its product read."""
        rows = Driver(self._connection).ask(_FIND, (code,))
        return lambda: bool(rows())

    def codes(self) -> list[str]:
        return sorted(self._connection.execute(sa.select(funders.c.code)).scalars())
