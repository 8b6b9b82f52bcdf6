"""Helpers the routers share: the request's business day, cursors, the caller's customer."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from puhui.api.problems import ApiProblem
from puhui.core.errors import NotFound
from puhui.credit.service import borrower_ref
from puhui.security.roles import Principal, Role

MAX_PAGE = 200


def now() -> datetime:
    """Wall-clock time (naive UTC) for audit stamps; business dates come from the calendar."""
    return datetime.now(UTC).replace(tzinfo=None)


def encode_cursor(last_id: int | str | None) -> str | None:
    if last_id is None:
        return None
    return base64.urlsafe_b64encode(str(last_id).encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(
            400, "cursor_invalid", "the cursor is not one this API returned; start without it"
        ) from None


def decode_id_cursor(cursor: str | None) -> int:
    text = decode_cursor(cursor)
    if text is None:
        return 0
    if not text.isdigit() or len(text) > 18:
        raise ApiProblem(
            400, "cursor_invalid", "the cursor is not one this API returned; start without it"
        )
    return int(text)


def own_customer(principal: Principal, customer_id: int) -> None:
    """A borrower acts only for himself; others (staff, channels) for any customer."""
    if not principal.may_see_customer(customer_id):
        raise NotFound(f"no customer {customer_id} visible to you; check the id")


def visible_borrower(principal: Principal) -> str | None:
    """The only borrower reference a borrower may see (None: any)."""
    if principal.role is Role.BORROWER:
        return borrower_ref(principal.customer_id or 0)
    return None
