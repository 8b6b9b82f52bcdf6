"""Applications and decisions: apply (decided at once), read the decision with its explanation,
accept the offer (books the loan and pays it out, idempotently), ask for a human review."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request

from puhui.api.auth import needs, runtime
from puhui.api.idempotency import run_idempotent
from puhui.api.routes.common import decode_id_cursor, encode_cursor, now, own_customer
from puhui.api.runtime import Runtime
from puhui.api.schemas import (
    MAX_ID,
    AcceptanceOut,
    ApplicationIn,
    DecisionOut,
    DecisionPage,
    DecisionSummary,
    ReviewOut,
)
from puhui.api.views import decision_view
from puhui.compliance.reviews import request_review
from puhui.core.errors import NotFound
from puhui.credit.application import Application
from puhui.credit.decision import DecisionRecord
from puhui.credit.service import (
    Acceptance,
    accept_offer,
    borrower_ref,
    decide_unseen_application,
    find_decision,
    id_reused,
)
from puhui.credit.strategy import borrower_cap
from puhui.security.consent import Purpose, live_purposes, require_consent
from puhui.security.roles import Principal
from puhui.storage.uow import SqlUnitOfWork

router = APIRouter(tags=["applications"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def _visible_decision(
    uow: SqlUnitOfWork, principal: Principal, application_id: str
) -> DecisionRecord:
    record = find_decision(uow, application_id)
    if not principal.may_see_customer(record.applicant_id):
        raise NotFound(f"no decision for application {application_id!r}; check the id")
    return record


@router.post("/applications", status_code=201, response_model=DecisionOut)
async def apply(
    body: ApplicationIn,
    request: Request,
    principal: Annotated[Principal, Depends(needs("applications:write"))],
) -> dict[str, Any]:
    """Decide an application now. The application id is its idempotency key: the same id and
    body return the first decision; the same id with another body is refused (409). Consent to
    data use and to a bureau query is read from the customer's consent records."""
    own_customer(principal, body.customer_id)
    rt = runtime(request)
    rt.check_rate(rt.settings.apply_rate, "apply", principal.subject)
    decider = rt.decider()
    with rt.unit_of_work() as uow:
        customer, records = uow.customers.get_with_consents(body.customer_id)
        if customer is None:
            raise NotFound(f"no customer {body.customer_id}; register the customer first")
        moment = now()
        consents = live_purposes(records, moment)
        uow.events.lock_key(f"application:{body.application_id}")  # a concurrent retry waits
        exposure = uow.exposure.outstanding_principal_later(borrower_ref(body.customer_id))
        existing = uow.decisions.find(body.application_id)  # (with the lock and the exposure)
        if existing is not None:
            if not _same_body(existing[1], body):
                raise id_reused(body.application_id)
            return decision_view(existing[0])  # a retry: the first decision
        application = Application(
            application_id=body.application_id,
            applicant_id=body.customer_id,
            product_code=body.product_code,
            amount_minor=body.amount_minor,
            periods=body.periods,
            business_date=rt.business_date(uow),
            submitted_at=moment,
            kind=customer.kind,
            age=body.age,
            occupation=body.occupation,
            city_tier=body.city_tier,
            declared_monthly_income_minor=body.declared_monthly_income_minor,
            consent_bureau=Purpose.BUREAU_QUERY in consents,
            consent_data_use=Purpose.DATA_USE in consents,
        )
        record = decide_unseen_application(uow, decider, application, exposure())
        uow.commit()
    return decision_view(record)


def _same_body(stored: Application, body: ApplicationIn) -> bool:
    """The request repeats the stored application (consents may have changed since: a retry
    still gets the first decision, not a conflict)."""
    keys = (
        "product_code",
        "amount_minor",
        "periods",
        "age",
        "occupation",
        "city_tier",
        "declared_monthly_income_minor",
    )
    return stored.applicant_id == body.customer_id and all(
        getattr(stored, key) == getattr(body, key) for key in keys
    )


@router.get("/applications", response_model=DecisionPage)
def list_applications(
    request: Request,
    principal: Annotated[Principal, Depends(needs("applications:read"))],
    outcome: Annotated[str | None, Query(pattern="^(approve|decline|refer)$")] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DecisionPage:
    if principal.customer_id is not None:
        customer_id = principal.customer_id
    with runtime(request).unit_of_work() as uow:
        rows = uow.browse.decisions(
            after_id=decode_id_cursor(cursor),
            limit=limit,
            outcome=outcome,
            applicant_id=customer_id,
        )
    items = [
        DecisionSummary(
            application_id=app_id, customer_id=applicant, business_date=day.isoformat(), outcome=out
        )
        for _id, app_id, applicant, day, out in rows
    ]
    return DecisionPage(
        items=items, next_cursor=encode_cursor(rows[-1][0] if len(rows) == limit else None)
    )


@router.get("/applications/{application_id}", response_model=DecisionOut)
async def get_application(
    application_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(needs("applications:read"))],
) -> dict[str, Any]:
    with runtime(request).unit_of_work() as uow:
        return decision_view(_visible_decision(uow, principal, application_id))


def accept_for(
    uow: SqlUnitOfWork, rt: Runtime, principal: Principal, application_id: str
) -> tuple[Acceptance, date]:
    """Accept an offer the caller may see: the customer must still consent to the use of his
    data, and the per-borrower cap of his kind (consumer or merchant) is checked again."""
    record = _visible_decision(uow, principal, application_id)
    as_of = rt.business_date(uow)
    customer, consents = uow.customers.get_with_consents(record.applicant_id)
    if record.offer is not None:  # a decline is refused below as having no offer: clearer
        require_consent(consents, Purpose.DATA_USE, now())
    is_merchant = customer is not None and customer.kind == "merchant"
    cap = borrower_cap(uow.profile, rt.lender, is_merchant=is_merchant, on=as_of)
    return accept_offer(uow, application_id=application_id, as_of=as_of, cap_minor=cap), as_of


@router.post("/applications/{application_id}/accept", response_model=AcceptanceOut)
async def accept(
    application_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(needs("offers:accept"))],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Accept the offer: the loan is booked and its disbursal posted, once."""
    rt = runtime(request)

    def operation(uow: SqlUnitOfWork) -> tuple[int, dict[str, Any]]:
        accepted, as_of = accept_for(uow, rt, principal, application_id)
        return 201, {
            "application_id": application_id,
            "loan_id": accepted.loan_id,
            "amount_minor": accepted.amount_minor,
            "periods": accepted.periods,
            "annual_rate_percent": str((accepted.annual_rate * 100).quantize(Decimal("0.01"))),
            "disbursed_on": as_of.isoformat(),
        }

    return run_idempotent(rt, principal, idempotency_key, f"accept {application_id}", {}, operation)


@router.post(
    "/applications/{application_id}/review-requests", status_code=201, response_model=ReviewOut
)
async def ask_for_review(
    application_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(needs("reviews:write"))],
) -> ReviewOut:
    """A declined applicant asks for a person to look at the decision again."""
    rt = runtime(request)
    with rt.unit_of_work() as uow:
        request_id = review_for(uow, rt, principal, application_id)
        uow.commit()
    return ReviewOut(request_id=request_id, subject=f"decision:{application_id}", status="open")


def review_for(uow: SqlUnitOfWork, rt: Runtime, principal: Principal, application_id: str) -> int:
    """Queue a human review of a decision the caller may see (the applicant pages use it too);
    the reasons the borrower was given travel with the request."""
    record = _visible_decision(uow, principal, application_id)
    return request_review(
        uow.conduct,
        borrower_ref=borrower_ref(record.applicant_id),
        subject=f"decision:{application_id}",
        reasons="; ".join(r.description for r in record.reasons) or record.outcome,
        on=rt.business_date(uow),
    )
