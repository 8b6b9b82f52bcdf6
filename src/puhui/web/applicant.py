"""The applicant pages (mobile-first): sign in, apply with consent, see the offer with its APR
first and its instalment table, accept and be paid out; a decline shows its reasons and offers a
human review. A line holder sees the available limit, statements and instalment options with
their APR, and can lower the limit."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from puhui.api.routes.applications import accept_for, review_for
from puhui.api.routes.common import now
from puhui.api.schemas import Id
from puhui.api.views import decision_view, line_view
from puhui.core.errors import InvalidInput, NotFound, PuhuiError
from puhui.credit.application import Application
from puhui.credit.service import borrower_ref, decide_application, find_decision
from puhui.lines import service as lines
from puhui.lines.conversion import quote_conversion
from puhui.loans.products import shipped_catalog
from puhui.security.consent import Purpose, live_purposes
from puhui.security.errors import Forbidden, NotAuthenticated
from puhui.security.roles import Principal, Role
from puhui.storage.uow import SqlUnitOfWork
from puhui.web.pages import (
    check_csrf,
    error_page,
    form_sign_in,
    render,
    session_principal,
    sign_in_response,
    sign_out_response,
)
from puhui.web.pages import runtime_of as rt_of

router = APIRouter(include_in_schema=False)
APPLY_PRODUCTS = ("cash-instalment", "bnpl-plan")
CONVERSION_PERIODS = (3, 6, 9, 12)


def _borrower(request: Request) -> Principal | None:
    principal = session_principal(request)
    return principal if principal is not None and principal.role is Role.BORROWER else None


def _yuan(text: str) -> int:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not an amount; write it in yuan, e.g. 3000") from None
    if not value.is_finite() or value <= 0 or value > 10**9:
        raise InvalidInput("the amount must be a positive number of yuan, e.g. 3000")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput("the amount must be positive, in yuan with at most 2 decimals")
    return int(value * 100)


@router.get("/me/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "applicant/login.html", failed=None)


@router.post("/me/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        principal = form_sign_in(request, username, password, csrf)
    except PuhuiError as error:
        return render(request, "applicant/login.html", status_code=401, failed=error.message)
    if principal.role is not Role.BORROWER:
        return sign_in_response(request, principal, "/console")
    return sign_in_response(request, principal, "/me")


@router.get("/apply", response_class=HTMLResponse)
def apply_page(request: Request) -> Response:
    if _borrower(request) is None:
        return sign_out_response("/me/login")
    catalog = shipped_catalog()
    products = [catalog[code] for code in APPLY_PRODUCTS if code in catalog]
    return render(
        request,
        "applicant/apply.html",
        products=products,
        application_id=f"web-{secrets.token_hex(8)}",
        failed=None,
    )


@router.post("/apply")
def submit_application(
    request: Request,
    application_id: Annotated[str, Form(max_length=64, pattern=r"^web-[0-9a-f]{16}$")],
    product_code: Annotated[str, Form(max_length=64)],
    amount: Annotated[str, Form(max_length=20)],
    periods: Annotated[int, Form(ge=1, le=60)],
    age: Annotated[int, Form(ge=14, le=100)],
    occupation: Annotated[str, Form(max_length=32)],
    city_tier: Annotated[int, Form(ge=1, le=4)],
    monthly_income: Annotated[str, Form(max_length=20)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    consent_data: Annotated[str | None, Form(max_length=3)] = None,
    consent_bureau: Annotated[str | None, Form(max_length=3)] = None,
) -> Response:
    principal = _borrower(request)
    if principal is None or principal.customer_id is None:
        return sign_out_response("/me/login")
    rt = rt_of(request)
    try:
        check_csrf(request, csrf)
        rt.check_rate(rt.settings.apply_rate, "apply", principal.subject)
        customer_id = principal.customer_id
        decider = rt.decider()
        with rt.unit_of_work() as uow:
            uow.events.lock_key(f"application:{application_id}")  # a double submit waits
            found = uow.decisions.find(application_id)
            if found is not None:
                if found[0].applicant_id != customer_id:
                    raise NotFound("no such application")
                return RedirectResponse(f"/apply/{application_id}", status_code=303)
            customer = uow.customers.get(customer_id)
            if customer is None:
                raise NotFound("your customer record is missing; contact the lender")
            moment = now()
            live = live_purposes(uow.customers.consents(customer_id), moment)
            for given, purpose, scope in (
                (consent_data, Purpose.DATA_USE, "loan application and servicing"),
                (consent_bureau, Purpose.BUREAU_QUERY, "credit bureau report for this application"),
            ):
                if given and purpose not in live:
                    uow.customers.add_consent(customer_id, purpose, scope, moment)
            live = live_purposes(uow.customers.consents(customer_id), moment)
            application = Application(
                application_id=application_id,
                applicant_id=customer_id,
                product_code=product_code,
                amount_minor=_yuan(amount),
                periods=periods,
                business_date=rt.business_date(uow),
                submitted_at=moment,
                kind=customer.kind,
                age=age,
                occupation=occupation,
                city_tier=city_tier,
                declared_monthly_income_minor=_yuan(monthly_income),
                consent_bureau=Purpose.BUREAU_QUERY in live,
                consent_data_use=Purpose.DATA_USE in live,
            )
            decide_application(uow, decider, application)
            uow.commit()
    except Forbidden as error:
        return error_page(request, error, 403)
    except PuhuiError as error:
        return error_page(request, error, 400)
    return RedirectResponse(f"/apply/{application_id}", status_code=303)


def _own_decision(request: Request, principal: Principal, application_id: str) -> dict[str, Any]:
    with rt_of(request).unit_of_work() as uow:
        record = find_decision(uow, application_id)
        if record.applicant_id != principal.customer_id:
            raise NotFound(f"no application {application_id!r}")
        view = decision_view(record)
        loan = uow.events.find(f"application:{application_id}")
    view["booked"] = loan is not None
    return view


@router.get("/apply/{application_id}", response_class=HTMLResponse)
def decision_page(request: Request, application_id: str) -> Response:
    principal = _borrower(request)
    if principal is None:
        return sign_out_response("/me/login")
    try:
        view = _own_decision(request, principal, application_id)
    except PuhuiError as error:
        return error_page(request, error, 404)
    return render(request, "applicant/decision.html", d=view, reviewed=False)


@router.post("/apply/{application_id}/accept")
def accept(
    request: Request, application_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    principal = _borrower(request)
    if principal is None:
        return sign_out_response("/me/login")
    rt = rt_of(request)
    try:
        check_csrf(request, csrf)
        _own_decision(request, principal, application_id)
        with rt.unit_of_work() as uow:
            accepted, _day = accept_for(uow, rt, principal, application_id)
            uow.commit()
    except Forbidden as error:
        return error_page(request, error, 403)
    except PuhuiError as error:
        return error_page(request, error, 400)
    return render(request, "applicant/paid_out.html", accepted=accepted)


@router.post("/apply/{application_id}/review")
def ask_review(
    request: Request, application_id: str, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    principal = _borrower(request)
    if principal is None:
        return sign_out_response("/me/login")
    rt = rt_of(request)
    try:
        check_csrf(request, csrf)
        view = _own_decision(request, principal, application_id)
        with rt.unit_of_work() as uow:
            review_for(uow, rt, principal, application_id)
            uow.commit()
    except PuhuiError as error:
        return error_page(request, error, 400)
    return render(request, "applicant/decision.html", d=view, reviewed=True)


@router.get("/me", response_class=HTMLResponse)
def account(request: Request) -> Response:
    principal = _borrower(request)
    if principal is None or principal.customer_id is None:
        return sign_out_response("/me/login")
    rt = rt_of(request)
    reference = borrower_ref(principal.customer_id)
    with rt.unit_of_work() as uow:
        day = rt.business_date(uow)
        loans = uow.browse.loans(after_id=0, limit=100, borrower_ref=reference)
        held = []
        for line_id in uow.browse.lines_of(reference):
            line = uow.lines.get(line_id, on=day, lock=False)
            options = []
            if line.statement_due_minor > 0:
                for periods in CONVERSION_PERIODS:
                    try:
                        quote = quote_conversion(
                            line.product,
                            principal_minor=line.statement_due_minor,
                            periods=periods,
                            on=day,
                            statement_day=line.statement_day,
                        )
                    except PuhuiError:
                        continue
                    options.append(
                        {
                            "periods": periods,
                            "apr": quote.apr.nominal_percent(),
                            "per_part": quote.rows[0].total_minor,
                            "total_fee": quote.total_fee_minor,
                        }
                    )
            held.append(
                {
                    "view": line_view(line, day),
                    "statements": uow.lines.statements(line_id)[-3:],
                    "options": options,
                }
            )
    return render(request, "applicant/account.html", loans=loans, lines=held, day=day)


LineAction = Callable[[SqlUnitOfWork, Principal, date], object]


def _on_own_line(request: Request, line_id: int, csrf: str, act: LineAction) -> Response:
    """A borrower's form on one of his own lines: signed in, CSRF checked, the line his, the
    action in one transaction; back to the account page, or an error page that says why."""
    principal = _borrower(request)
    if principal is None or principal.customer_id is None:
        return sign_out_response("/me/login")
    rt = rt_of(request)
    try:
        check_csrf(request, csrf)
        with rt.unit_of_work() as uow:
            if line_id not in uow.browse.lines_of(borrower_ref(principal.customer_id)):
                raise NotFound(f"no credit line {line_id}")
            act(uow, principal, rt.business_date(uow))
            uow.commit()
    except (Forbidden, NotAuthenticated) as error:
        return error_page(request, error, 403)
    except PuhuiError as error:
        return error_page(request, error, 400)
    return RedirectResponse("/me", status_code=303)


@router.post("/me/lines/{line_id}/convert")
def convert_statement(
    request: Request,
    line_id: Id,
    periods: Annotated[int, Form(ge=2, le=36)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Convert the last statement into instalments, at the APR the borrower was shown."""
    return _on_own_line(
        request,
        line_id,
        csrf,
        lambda uow, principal, day: lines.convert(
            uow,
            line_id=line_id,
            periods=periods,
            as_of=day,
            idempotency_key=f"web:{principal.subject}:convert:{line_id}:{day}",
        ),
    )


@router.post("/me/lines/{line_id}/limit")
def lower_limit(
    request: Request,
    line_id: Id,
    limit: Annotated[str, Form(max_length=20)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The borrower lowers his own limit, at once."""
    return _on_own_line(
        request,
        line_id,
        csrf,
        lambda uow, _principal, day: lines.set_self_limit(
            uow, line_id=line_id, limit_minor=_yuan(limit), as_of=day
        ),
    )
