"""Loan servicing use cases: book, repay, refund, write off, pay out credit, reverse, quote.

Every use case takes a unit of work and the business date (`as_of`) explicitly; none commits
(the caller's transaction boundary does) and none reads the clock. Each money event is recorded
once: the loan event and its journal entry share the caller's idempotency key, the loan row is
locked for the read-modify-write, and the same key with the same request returns the first
outcome while the same key with a different request is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from typing import Any

from puhui.compliance.checks import check_annual_cost
from puhui.core.errors import InvalidInput, InvariantBroken, PuhuiError, require
from puhui.ledger.accounts import PLATFORM_FUNDER
from puhui.ledger.entries import MAX_KEY_LENGTH, SYSTEM_KEY_PREFIX
from puhui.ledger.service import post_entry
from puhui.loans.accounting import loan_entry
from puhui.loans.errors import (
    BusinessDateClosed,
    DuplicateEvent,
    EndOfDayInProgress,
    NothingToReverse,
    ReversalBlocked,
)
from puhui.loans.events import EventKind, LoanEvent, effective_events, replay
from puhui.loans.facility import Facility, check_draw, facility_dates
from puhui.loans.loan import Balances, Loan, originate
from puhui.loans.operations import (
    PayoffQuote,
    RepaymentOutcome,
    billed_amount_due,
    merchant_refund,
    pay_out_credit,
    payoff_quote,
    repay,
    write_off,
)
from puhui.loans.ports import BusinessCalendar, ServicingUnitOfWork
from puhui.loans.schedule import generate_schedule

ZERO_BALANCES = Balances(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def check_business_date(calendar: BusinessCalendar, as_of: date) -> None:
    """Refuse events dated in a closed business day or while end-of-day is running."""
    running = calendar.eod_running()
    if running is not None:
        raise EndOfDayInProgress(
            f"end of day for {running} is running or was interrupted; let it finish "
            f"(`puhui eod --date {running}`) and retry"
        )
    closed = calendar.last_closed_date()
    if closed is not None and as_of <= closed:
        raise BusinessDateClosed(
            f"business date {as_of} is closed (end of day ran through {closed}); "
            "post the event with a later date"
        )


MAX_REFERENCE_LENGTH = 64


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"an idempotency key must be 1–{MAX_KEY_LENGTH} characters")
    if key.startswith(SYSTEM_KEY_PREFIX):
        raise InvalidInput(
            f"idempotency keys starting with {SYSTEM_KEY_PREFIX!r} are reserved for puhui's own "
            "entries; choose another key"
        )


def _check_reference(reference: str) -> None:
    if not reference or len(reference) > MAX_REFERENCE_LENGTH:
        raise InvalidInput(
            f"a borrower reference must be 1–{MAX_REFERENCE_LENGTH} characters, got "
            f"{len(reference)}"
        )


def _request_hash(**request: Any) -> str:
    """A fingerprint of everything a request asks for beyond kind, date and amount."""
    text = json.dumps(request, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _check_loan_date(loan: Loan, as_of: date) -> None:
    """Refuse an event dated before a day the loan has already been moved to."""
    if as_of < loan.opened_through:
        raise BusinessDateClosed(
            f"loan {loan.loan_id} already has events on {loan.opened_through}; post this one "
            f"with that date or later, not {as_of}"
        )


def _find_replayed(
    uow: ServicingUnitOfWork, loan_id: int | None, event: LoanEvent
) -> tuple[int, str | None] | None:
    found = uow.events.find(event.idempotency_key)
    if found is None:
        return None
    stored_loan, stored, outcome = found
    if (loan_id is not None and stored_loan != loan_id) or not stored.same_request(event):
        raise DuplicateEvent(
            f"idempotency key {event.idempotency_key!r} was already used for a different "
            "request; use a new key for a new payment"
        )
    return stored_loan, outcome


def _record(
    uow: ServicingUnitOfWork,
    loan: Loan,
    event: LoanEvent,
    before: Balances,
    outcome: str | None,
) -> None:
    after = loan.balances()
    require(after.identity_gap() == 0, f"loan {loan.loan_id} sub-ledger identity broken")
    entry = loan_entry(
        idempotency_key=event.idempotency_key,
        kind=event.kind.value,
        business_date=event.business_date,
        loan_id=loan.loan_id,
        funder=loan.funder,
        currency=loan.terms.currency.code,
        before=before,
        after=after,
    )
    entry_id = post_entry(uow.journal, entry).entry_id if entry else None
    uow.loans.save(loan)
    uow.events.append(loan.loan_id, event, entry_id=entry_id, outcome=outcome)


def book_loan(
    uow: ServicingUnitOfWork,
    *,
    product_code: str,
    principal_minor: int,
    as_of: date,
    borrower_ref: str,
    idempotency_key: str,
    overrides: dict[str, Any] | None = None,
    harvest_dates: tuple[date, ...] = (),
    funder: str = PLATFORM_FUNDER,
    facility_id: int | None = None,
    before_new: Callable[[], None] | None = None,
) -> int:
    """Book and disburse a loan on `as_of`; returns its id (the first id on a replayed key).
    `before_new` runs once the key is known to be new, before anything is booked: a check a
    replay must skip (the caller's cap on what the borrower owes, which the first booking
    itself raised), without a second lookup of the key."""
    _check_key(idempotency_key)
    _check_reference(borrower_ref)
    request = _request_hash(
        product=product_code,
        borrower=borrower_ref,
        overrides=overrides,
        harvests=harvest_dates,
        funder=funder,
        facility=facility_id,
    )
    event = LoanEvent(EventKind.DISBURSAL, as_of, principal_minor, idempotency_key, request=request)
    uow.events.lock_key(idempotency_key)
    replayed = _find_replayed(uow, None, event)
    if replayed is not None:
        return replayed[0]
    if before_new is not None:
        before_new()
    check_business_date(uow.calendar, as_of)
    funder_exists = uow.funders.exists_later(funder)  # answered with the product read
    product_id, product = uow.products.current(product_code)
    if not funder_exists():
        raise InvalidInput(f"unknown funder {funder!r}; register the funder first")
    terms = product.terms(
        principal_minor=principal_minor,
        start_date=as_of,
        overrides=overrides,
        harvest_dates=harvest_dates,
    )
    product.check_offer(principal_minor=principal_minor, periods=terms.periods)
    schedule = generate_schedule(terms)
    check_annual_cost(uow.profile, apr=schedule.apr.nominal, on=as_of)
    loan = originate(
        loan_id=0,
        product=product,
        terms=terms,
        funder=funder,
        facility_id=facility_id,
        schedule=schedule,
    )
    loan.loan_id = uow.loans.add(loan, product_id=product_id, borrower_ref=borrower_ref)
    _record(uow, loan, event, ZERO_BALANCES, outcome=None)
    return loan.loan_id


def _apply(
    uow: ServicingUnitOfWork,
    loan_id: int,
    event: LoanEvent,
    operation: Callable[[Loan], str | None],
) -> str | None:
    _check_key(event.idempotency_key)
    loan = uow.loans.get(loan_id, for_update=True)
    replayed = _find_replayed(uow, loan_id, event)
    if replayed is not None:
        return replayed[1]
    check_business_date(uow.calendar, event.business_date)
    _check_loan_date(loan, event.business_date)
    before = loan.balances()
    outcome = operation(loan)
    _record(uow, loan, event, before, outcome)
    return outcome


def post_repayment(
    uow: ServicingUnitOfWork,
    *,
    loan_id: int,
    amount_minor: int,
    as_of: date,
    idempotency_key: str,
) -> RepaymentOutcome:
    """Apply a borrower's payment (see `operations.repay`); replays return the first outcome."""
    event = LoanEvent(EventKind.REPAYMENT, as_of, amount_minor, idempotency_key)

    def operation(loan: Loan) -> str:
        outcome = repay(loan, amount_minor, as_of)
        return json.dumps({f.name: getattr(outcome, f.name) for f in fields(outcome)})

    outcome = _apply(uow, loan_id, event, operation)
    if outcome is None:
        raise InvariantBroken("a repayment always records its outcome")
    return RepaymentOutcome(**json.loads(outcome))


def post_merchant_refund(
    uow: ServicingUnitOfWork,
    *,
    loan_id: int,
    amount_minor: int,
    as_of: date,
    idempotency_key: str,
) -> None:
    event = LoanEvent(EventKind.MERCHANT_REFUND, as_of, amount_minor, idempotency_key)
    _apply(uow, loan_id, event, lambda loan: merchant_refund(loan, amount_minor, as_of))


def write_off_loan(
    uow: ServicingUnitOfWork, *, loan_id: int, as_of: date, idempotency_key: str
) -> None:
    event = LoanEvent(EventKind.WRITE_OFF, as_of, 0, idempotency_key)
    _apply(uow, loan_id, event, lambda loan: write_off(loan, as_of))


def pay_out_credit_balance(
    uow: ServicingUnitOfWork,
    *,
    loan_id: int,
    amount_minor: int,
    as_of: date,
    idempotency_key: str,
) -> None:
    event = LoanEvent(EventKind.CREDIT_PAYOUT, as_of, amount_minor, idempotency_key)
    _apply(uow, loan_id, event, lambda loan: pay_out_credit(loan, amount_minor, as_of))


def reverse_event(
    uow: ServicingUnitOfWork,
    *,
    loan_id: int,
    reversed_key: str,
    as_of: date,
    idempotency_key: str,
) -> None:
    """Reverse a repayment or refund (e.g. a bounced payment) as if it had never happened.

    The loan is rebuilt from its terms and its other events up to `as_of`; the entry posts the
    difference, so interest and penalties that the reversed money had stopped come back exactly.
    """
    _check_key(idempotency_key)
    event = LoanEvent(EventKind.REVERSAL, as_of, 0, idempotency_key, reverses_key=reversed_key)
    loan = uow.loans.get(loan_id, for_update=True)
    if _find_replayed(uow, loan_id, event) is not None:
        return
    check_business_date(uow.calendar, as_of)
    _check_loan_date(loan, as_of)
    history = uow.events.for_loan(loan_id)
    target = next((e for e in effective_events(history) if e.idempotency_key == reversed_key), None)
    if target is None or not target.kind.reversible:
        raise NothingToReverse(
            f"loan {loan_id} has no repayment or refund with key {reversed_key!r} that is not "
            "already reversed"
        )
    before = loan.balances()
    try:
        rebuilt = replay(
            loan_id=loan_id,
            product=loan.product,
            terms=loan.terms,
            funder=loan.funder,
            events=[*history, event],
            to_day=as_of,
            facility_id=loan.facility_id,
        )
    except PuhuiError as error:
        raise ReversalBlocked(
            f"cannot reverse {reversed_key!r} on loan {loan_id}: without it a later event no "
            f"longer applies ({error.message}); reverse that later event first"
        ) from None
    _record(uow, rebuilt, event, before, outcome=None)


def quote_payoff(uow: ServicingUnitOfWork, *, loan_id: int, on: date) -> PayoffQuote:
    """What settles the loan on `on` (read-only)."""
    return payoff_quote(uow.loans.get(loan_id, for_update=False), on)


def open_facility(
    uow: ServicingUnitOfWork,
    *,
    product_code: str,
    approved_minor: int,
    as_of: date,
    borrower_ref: str,
    idempotency_key: str,
    funder: str = PLATFORM_FUNDER,
) -> int:
    """Open a revolving working-capital facility (no money moves until a draw)."""
    _check_key(idempotency_key)
    _check_reference(borrower_ref)
    check_business_date(uow.calendar, as_of)
    product_id, product = uow.products.current(product_code)
    product.check_offer(principal_minor=approved_minor, periods=product.periods)
    deadline, maturity = facility_dates(product, as_of)
    facility = Facility(
        0, borrower_ref, product_id, funder, approved_minor, as_of, deadline, maturity
    )
    return uow.facilities.add(facility, idempotency_key=idempotency_key)


def draw(
    uow: ServicingUnitOfWork,
    *,
    facility_id: int,
    amount_minor: int,
    as_of: date,
    idempotency_key: str,
) -> int:
    """Draw on a facility: books a loan due at the facility's maturity; returns its id."""
    _check_key(idempotency_key)
    facility = uow.facilities.get(facility_id, for_update=True)
    product = uow.products.by_id(facility.product_id)
    if uow.events.find(idempotency_key) is not None:
        # A replayed draw: book_loan returns the first loan (or refuses a different request).
        return _book_draw(uow, facility, product.code, amount_minor, as_of, idempotency_key)
    check_draw(
        facility,
        outstanding_minor=uow.facilities.outstanding(facility_id),
        amount_minor=amount_minor,
        day=as_of,
    )
    return _book_draw(uow, facility, product.code, amount_minor, as_of, idempotency_key)


def _book_draw(
    uow: ServicingUnitOfWork,
    facility: Facility,
    product_code: str,
    amount_minor: int,
    as_of: date,
    idempotency_key: str,
) -> int:
    return book_loan(
        uow,
        product_code=product_code,
        principal_minor=amount_minor,
        as_of=as_of,
        borrower_ref=facility.borrower_ref,
        idempotency_key=idempotency_key,
        overrides={"first_due_date": facility.maturity_date, "periods": 1},
        funder=facility.funder,
        facility_id=facility.facility_id,
    )


def amount_due(uow: ServicingUnitOfWork, *, loan_id: int, on: date) -> int:
    """Everything billed and unpaid on `on`, penalty included (read-only)."""
    return billed_amount_due(uow.loans.get(loan_id, for_update=False), on)
