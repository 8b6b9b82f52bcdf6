"""Errors of the credit-lines context; each says what was wrong and how to put it right."""

from __future__ import annotations

from puhui.core.errors import Conflict, InvalidInput, NotFound, PuhuiError


class InvalidLineProduct(InvalidInput):
    code = "invalid_line_product"


class LineNotFound(NotFound):
    code = "line_not_found"


class OrderNotFound(NotFound):
    code = "order_not_found"


class LineRefused(PuhuiError):
    """An operation the line's state or its limits do not allow (nothing was changed).

    `reason_code` is the stable reason a checkout or an app shows (e.g. ``over_available``).
    """

    code = "line_refused"

    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(f"{message} [{reason_code}]")
        self.reason_code = reason_code


class OrderConflict(Conflict):
    """An order id reused with a different amount: a new order needs a new id."""

    code = "order_conflict"
