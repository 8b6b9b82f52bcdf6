"""Errors of the loans context; each says what was wrong and how to put it right."""

from __future__ import annotations

from puhui.core.errors import Conflict, InvalidInput, NotFound, PuhuiError


class InvalidTerms(InvalidInput):
    code = "invalid_loan_terms"


class InvalidProduct(InvalidInput):
    code = "invalid_product"


class LoanNotFound(NotFound):
    code = "loan_not_found"


class IllegalTransition(PuhuiError):
    code = "illegal_loan_transition"


class LoanNotPayable(PuhuiError):
    code = "loan_not_payable"


class BusinessDateClosed(PuhuiError):
    code = "business_date_closed"


class EndOfDayInProgress(BusinessDateClosed):
    """End-of-day is running: the same request will succeed once it has finished."""

    code = "end_of_day_in_progress"
    retryable = True


class DuplicateEvent(Conflict):
    code = "idempotency_key_reused"


class NothingToReverse(PuhuiError):
    code = "nothing_to_reverse"


class DateOutOfRange(InvalidInput):
    code = "date_out_of_range"


class ReversalBlocked(PuhuiError):
    code = "reversal_blocked"


class EndOfDayRunning(PuhuiError):
    code = "end_of_day_running"
    retryable = True
