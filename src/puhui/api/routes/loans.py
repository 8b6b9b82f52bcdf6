"""Loans: list (filters, cursor), one loan with its schedule, its transactions and ledger
postings, a payoff quote; repayments and reversals (Idempotency-Key).

A partner bank sees only the loans it funds; a borrower only his own. Anything else answers 404,
so a caller cannot even learn that a loan exists.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request

from puhui.api.auth import needs, runtime
from puhui.api.idempotency import run_idempotent
from puhui.api.routes.common import decode_id_cursor, encode_cursor, now, visible_borrower
from puhui.api.schemas import (
    EventOut,
    Id,
    LoanOut,
    LoanPage,
    LoanSummary,
    PayoffOut,
    PostingOut,
    RepaymentIn,
    RepaymentOut,
    ReversalIn,
    ReversalOut,
)
from puhui.api.views import event_view, loan_view
from puhui.core.errors import InvalidInput, NotFound
from puhui.loans import service as loans
from puhui.security.consent import Purpose, live_purposes
from puhui.security.roles import Principal, Role
from puhui.storage.decision_repository import applicant_of
from puhui.storage.uow import SqlUnitOfWork

router = APIRouter(tags=["loans"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
Reader = Annotated[Principal, Depends(needs("loans:read"))]


def shared_with_partner(uow: SqlUnitOfWork, borrower_ref: str) -> bool:
    """A partner bank sees a borrower's loan only while the borrower consents to sharing."""
    customer_id = applicant_of(borrower_ref)
    if customer_id is None:
        return False
    return Purpose.DATA_SHARING in live_purposes(uow.customers.consents(customer_id), now())


def check_loan_visible(uow: SqlUnitOfWork, principal: Principal, loan_id: Id) -> str:
    """The loan's borrower reference, or 404 if the caller may not see the loan."""
    owner = uow.browse.loan_owner(loan_id)
    own = visible_borrower(principal)
    if owner is None or not principal.may_see_funder(owner[1]) or own not in (None, owner[0]):
        raise NotFound(f"no loan {loan_id}; check the id")
    if principal.role is Role.PARTNER_BANK and not shared_with_partner(uow, owner[0]):
        raise NotFound(f"no loan {loan_id}; check the id")
    return owner[0]


@router.get("/loans", response_model=LoanPage)
def list_loans(
    request: Request,
    principal: Reader,
    status: Annotated[
        str | None, Query(pattern="^(active|overdue|closed|charged_off|cancelled)$")
    ] = None,
    product: Annotated[str | None, Query(max_length=64)] = None,
    borrower: Annotated[str | None, Query(max_length=64)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> LoanPage:
    own = visible_borrower(principal)
    with runtime(request).unit_of_work() as uow:
        rows = uow.browse.loans(
            after_id=decode_id_cursor(cursor),
            limit=limit,
            status=status,
            product_code=product,
            borrower_ref=own or borrower,
            funder=principal.funder if principal.role is Role.PARTNER_BANK else None,
        )
        if principal.role is Role.PARTNER_BANK:  # only borrowers who consent to sharing
            shared = [r for r in rows if shared_with_partner(uow, r.borrower_ref)]
        else:
            shared = rows
    items = [
        LoanSummary(
            loan_id=r.loan_id,
            product_code=r.product_code,
            borrower_ref=r.borrower_ref,
            funder=r.funder,
            status=r.status,
            principal_minor=r.principal_minor,
            start_date=r.start_date.isoformat(),
            days_past_due=r.days_past_due,
            delinquency_bucket=r.delinquency_bucket,
        )
        for r in shared
    ]
    last = rows[-1].loan_id if len(rows) == limit else None
    return LoanPage(items=items, next_cursor=encode_cursor(last))


@router.get("/loans/{loan_id}", response_model=LoanOut)
async def get_loan(loan_id: Id, request: Request, principal: Reader) -> dict[str, Any]:
    with runtime(request).unit_of_work() as uow:
        reference = check_loan_visible(uow, principal, loan_id)
        return loan_view(uow.loans.get(loan_id, for_update=False), loan_id, reference)


@router.get("/loans/{loan_id}/transactions", response_model=list[EventOut])
async def transactions(loan_id: Id, request: Request, principal: Reader) -> list[dict[str, Any]]:
    with runtime(request).unit_of_work() as uow:
        check_loan_visible(uow, principal, loan_id)
        return [event_view(e) for e in uow.events.for_loan(loan_id)]


@router.get("/loans/{loan_id}/postings", response_model=list[PostingOut])
async def loan_postings(
    loan_id: Id,
    request: Request,
    principal: Annotated[Principal, Depends(needs("ledger:read"))],
) -> list[dict[str, Any]]:
    with runtime(request).unit_of_work() as uow:
        check_loan_visible(uow, principal, loan_id)
        return uow.browse.postings_for_loan(loan_id)


@router.get("/loans/{loan_id}/payoff-quote", response_model=PayoffOut)
async def payoff_quote(
    loan_id: Id,
    request: Request,
    principal: Reader,
    on: Annotated[date | None, Query(description="default: the open business day")] = None,
) -> PayoffOut:
    rt = runtime(request)
    with rt.unit_of_work() as uow:
        check_loan_visible(uow, principal, loan_id)
        day = on or rt.business_date(uow)
        quote = loans.quote_payoff(uow, loan_id=loan_id, on=day)
    return PayoffOut(
        loan_id=loan_id,
        on=day.isoformat(),
        total_minor=quote.total_minor,
        parts={
            "billed_minor": quote.billed_minor,
            "principal_minor": quote.principal_minor,
            "interest_minor": quote.interest_minor,
            "fee_minor": quote.fee_minor,
            "credit_minor": quote.credit_minor,
        },
    )


def servicing_key(principal: Principal, key: str) -> str:
    """The loan event's own idempotency key: per caller, so two channels cannot collide."""
    return f"http:{principal.subject}:{key}"


@router.post("/loans/{loan_id}/repayments", status_code=201, response_model=RepaymentOut)
async def repay(
    loan_id: Id,
    body: RepaymentIn,
    request: Request,
    principal: Annotated[Principal, Depends(needs("loans:repay"))],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Post a repayment; it is allocated by the product's order and applied once per key."""
    rt = runtime(request)

    def operation(uow: SqlUnitOfWork) -> tuple[int, dict[str, Any]]:
        check_loan_visible(uow, principal, loan_id)
        assert idempotency_key is not None
        outcome = loans.post_repayment(
            uow,
            loan_id=loan_id,
            amount_minor=body.amount_minor,
            as_of=rt.business_date(uow),
            idempotency_key=servicing_key(principal, idempotency_key),
        )
        key = servicing_key(principal, idempotency_key)
        return 201, {"loan_id": loan_id, "key": key, **vars_of(outcome)}

    return run_idempotent(
        rt, principal, idempotency_key, f"repay {loan_id}", body.model_dump(), operation
    )


@router.post("/loans/{loan_id}/reversals", status_code=201, response_model=ReversalOut)
async def reverse(
    loan_id: Id,
    body: ReversalIn,
    request: Request,
    principal: Annotated[Principal, Depends(needs("loans:reverse"))],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Reverse a repayment or refund (e.g. bounced), naming the loan event's key."""
    rt = runtime(request)

    def operation(uow: SqlUnitOfWork) -> tuple[int, dict[str, Any]]:
        check_loan_visible(uow, principal, loan_id)
        assert idempotency_key is not None
        if not body.reversed_key.strip():
            raise InvalidInput("name the key of the repayment to reverse")
        loans.reverse_event(
            uow,
            loan_id=loan_id,
            reversed_key=body.reversed_key,
            as_of=rt.business_date(uow),
            idempotency_key=servicing_key(principal, idempotency_key),
        )
        return 201, {"loan_id": loan_id, "reversed_key": body.reversed_key}

    return run_idempotent(
        rt, principal, idempotency_key, f"reverse {loan_id}", body.model_dump(), operation
    )


def vars_of(outcome: object) -> dict[str, Any]:
    return {name: getattr(outcome, name) for name in outcome.__dataclass_fields__}  # type: ignore[attr-defined]
