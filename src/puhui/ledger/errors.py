"""Errors of the ledger context."""

from __future__ import annotations

from puhui.core.errors import Conflict, InvalidInput


class UnbalancedEntry(InvalidInput):
    code = "unbalanced_entry"


class InvalidPosting(InvalidInput):
    code = "invalid_posting"


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"
