"""The base error every puhui context subclasses.

Each error carries a stable machine-readable `code` (the API and the CLI map codes, never
messages) and a message that tells a person what was wrong and what to do about it.
"""

from __future__ import annotations


class PuhuiError(Exception):
    """Base of all expected puhui errors; `code` is stable across releases."""

    code: str = "puhui_error"
    retryable: bool = False  # the same request may succeed later unchanged (e.g. during EOD)

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(PuhuiError):
    """The caller passed a value that can never be valid; fix the input and retry."""

    code = "invalid_input"


class NotFound(PuhuiError):
    """The thing asked for does not exist."""

    code = "not_found"


class Conflict(PuhuiError):
    """The request clashes with the current state (e.g. an idempotency key reused)."""

    code = "conflict"


class InvariantBroken(AssertionError):
    """A bug: an invariant that must always hold did not. Never caught, never swallowed."""


class PuhuiWarning(UserWarning):
    """Warnings puhui itself raises; the test suite turns them into errors."""


def require(condition: bool, message: str) -> None:
    """Assert a production invariant; raises InvariantBroken (a bug), not a user error."""
    if not condition:
        raise InvariantBroken(message)
