"""A borrower's right to a human review of an automated decision (declined, limited, frozen).

The request names what is reviewed (`decision:<application id>`, `line:<id>`) and the reasons
the borrower was given; a reviewer records the outcome (upheld or overturned) with a note. One
open request per subject: asking again while one is open returns it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from puhui.core.errors import InvalidInput, NotFound

OUTCOMES = ("upheld", "overturned")


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    request_id: int
    borrower_ref: str
    subject: str
    reasons: str
    requested_on: date
    status: str
    outcome: str | None = None
    reviewer: str | None = None
    note: str | None = None
    decided_on: date | None = None


class ReviewStore(Protocol):
    def open_for(self, subject: str) -> ReviewRequest | None: ...

    def add(self, borrower_ref: str, subject: str, reasons: str, on: date) -> int: ...

    def get(self, request_id: int) -> ReviewRequest | None: ...

    def decide(
        self, request_id: int, *, outcome: str, reviewer: str, note: str, on: date
    ) -> None: ...

    def open_requests(self) -> list[ReviewRequest]: ...


def request_review(
    store: ReviewStore, *, borrower_ref: str, subject: str, reasons: str, on: date
) -> int:
    """Queue a human review of `subject`; returns the request id (the open one if any)."""
    if not subject or ":" not in subject:
        raise InvalidInput("name what to review as kind:id, e.g. decision:A-1 or line:12")
    existing = store.open_for(subject)
    if existing is not None:
        return existing.request_id
    return store.add(borrower_ref, subject, reasons, on)


def decide_review(
    store: ReviewStore, *, request_id: int, outcome: str, reviewer: str, note: str, on: date
) -> ReviewRequest:
    """Record a reviewer's outcome; a decided request cannot be decided again."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    if not reviewer or not note:
        raise InvalidInput("a review needs the reviewer's name and a note saying why")
    request = store.get(request_id)
    if request is None:
        raise NotFound(f"no review request {request_id}")
    if request.status != "open":
        raise InvalidInput(f"review request {request_id} was already decided ({request.outcome})")
    store.decide(request_id, outcome=outcome, reviewer=reviewer, note=note, on=on)
    decided = store.get(request_id)
    assert decided is not None
    return decided
