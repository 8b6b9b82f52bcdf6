"""The operator console: sign-in, dashboard, applications with their explanations, loans with
schedule, transactions and ledger postings, credit lines with statements, model monitoring and
strategy back-tests. Every page checks the same scopes as the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from puhui.api.routes.common import decode_id_cursor, encode_cursor
from puhui.api.routes.lines import check_line_visible
from puhui.api.routes.loans import check_loan_visible
from puhui.api.runtime import STRATEGIES
from puhui.api.schemas import Id
from puhui.api.views import decision_view, event_view, line_view, loan_view
from puhui.batch.reports import dashboard
from puhui.core.errors import NotFound, PuhuiError
from puhui.credit.service import find_decision
from puhui.security.errors import Forbidden, NotAuthenticated
from puhui.security.roles import Principal, Role
from puhui.web.insights import decision_stability, strategy_backtests
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

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 50


def _guarded(request: Request, scope: str, build: Callable[[Principal], HTMLResponse]) -> Response:
    principal = session_principal(request)
    if principal is None or principal.role is Role.BORROWER:
        return sign_out_response("/console/login")
    try:
        principal.require(scope)
        return build(principal)
    except Forbidden as error:
        return error_page(request, error, 403)
    except NotFound as error:
        return error_page(request, error, 404)
    except PuhuiError as error:
        return error_page(request, error, 400)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "console/login.html", failed=None)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        principal = form_sign_in(request, username, password, csrf)
    except (NotAuthenticated, Forbidden) as error:
        return render(request, "console/login.html", status_code=401, failed=error.message)
    except PuhuiError as error:
        return render(request, "console/login.html", status_code=429, failed=error.message)
    if principal.role is Role.BORROWER:
        return sign_in_response(request, principal, "/me")
    home = "/console" if principal.has("reports:read") else "/console/loans"
    return sign_in_response(request, principal, home)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    try:
        check_csrf(request, csrf)
    except Forbidden as error:
        return error_page(request, error, 403)
    return sign_out_response("/console/login")


@router.get("", response_class=HTMLResponse)
def dashboard_page(request: Request) -> Response:
    def build(_principal: Principal) -> HTMLResponse:
        rt = rt_of(request)
        report = dashboard(rt.engine, rt.profile, rt.settings.net_assets_minor)
        charts = {
            "funnel": report.funnel,
            "vintages": report.vintages,
            "scores": {str(k): v for k, v in report.scores.items()},
            "outstanding": report.outstanding,
        }
        return render(request, "console/dashboard.html", report=report, charts=json.dumps(charts))

    return _guarded(request, "reports:read", build)


@router.get("/applications", response_class=HTMLResponse)
def applications_page(
    request: Request,
    outcome: Annotated[str | None, Query(pattern="^(approve|decline|refer)$")] = None,
    cursor: str | None = None,
) -> Response:
    def build(_principal: Principal) -> HTMLResponse:
        with rt_of(request).unit_of_work() as uow:
            rows = uow.browse.decisions(
                after_id=decode_id_cursor(cursor), limit=PAGE, outcome=outcome
            )
        following = encode_cursor(rows[-1][0] if len(rows) == PAGE else None)
        return render(
            request, "console/applications.html", rows=rows, outcome=outcome, following=following
        )

    return _guarded(request, "applications:read", build)


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def application_page(request: Request, application_id: str) -> Response:
    def build(_principal: Principal) -> HTMLResponse:
        with rt_of(request).unit_of_work() as uow:
            view = decision_view(find_decision(uow, application_id))
        return render(request, "console/application.html", d=view)

    return _guarded(request, "applications:read", build)


@router.get("/loans", response_class=HTMLResponse)
def loans_page(
    request: Request,
    status: Annotated[str | None, Query(pattern="^(active|overdue|closed|charged_off)$")] = None,
    cursor: str | None = None,
) -> Response:
    def build(principal: Principal) -> HTMLResponse:
        with rt_of(request).unit_of_work() as uow:
            rows = uow.browse.loans(
                after_id=decode_id_cursor(cursor),
                limit=PAGE,
                status=status,
                funder=principal.funder if principal.role is Role.PARTNER_BANK else None,
            )
        following = encode_cursor(rows[-1].loan_id if len(rows) == PAGE else None)
        return render(request, "console/loans.html", rows=rows, status=status, following=following)

    return _guarded(request, "loans:read", build)


@router.get("/loans/{loan_id}", response_class=HTMLResponse)
def loan_page(request: Request, loan_id: Id) -> Response:
    def build(principal: Principal) -> HTMLResponse:
        with rt_of(request).unit_of_work() as uow:
            reference = check_loan_visible(uow, principal, loan_id)
            view = loan_view(uow.loans.get(loan_id, for_update=False), loan_id, reference)
            events = [event_view(e) for e in uow.events.for_loan(loan_id)]
            postings: list[dict[str, Any]] = (
                uow.browse.postings_for_loan(loan_id) if principal.has("ledger:read") else []
            )
        return render(request, "console/loan.html", loan=view, events=events, postings=postings)

    return _guarded(request, "loans:read", build)


@router.get("/lines", response_class=HTMLResponse)
def lines_page(request: Request, cursor: str | None = None) -> Response:
    def build(_principal: Principal) -> HTMLResponse:
        with rt_of(request).unit_of_work() as uow:
            rows = uow.browse.lines(after_id=decode_id_cursor(cursor), limit=PAGE)
        following = encode_cursor(rows[-1][0] if len(rows) == PAGE else None)
        return render(request, "console/lines.html", rows=rows, following=following)

    return _guarded(request, "lines:read", build)


@router.get("/lines/{line_id}", response_class=HTMLResponse)
def line_page(request: Request, line_id: Id) -> Response:
    def build(principal: Principal) -> HTMLResponse:
        rt = rt_of(request)
        with rt.unit_of_work() as uow:
            check_line_visible(uow, principal, line_id)
            day = rt.business_date(uow)
            view = line_view(uow.lines.get(line_id, on=day, lock=False), day)
            statements = uow.lines.statements(line_id)
        return render(request, "console/line.html", line=view, statements=statements)

    return _guarded(request, "lines:read", build)


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request) -> Response:
    def build(_principal: Principal) -> HTMLResponse:
        rt = rt_of(request)
        rt.follow_stored_choice()
        return render(
            request,
            "console/models.html",
            stability=decision_stability(rt.engine),
            model=rt.active_model.name if rt.active_model else None,
            strategy=rt.active_strategy,
        )

    return _guarded(request, "models:read", build)


@router.get("/strategies", response_class=HTMLResponse)
def strategies_page(request: Request) -> Response:
    def build(_principal: Principal) -> HTMLResponse:
        rt = rt_of(request)
        results = (
            strategy_backtests(rt.active_model, rt.settings.population_seed, STRATEGIES)
            if rt.active_model is not None
            else []
        )
        return render(request, "console/strategies.html", results=results)

    return _guarded(request, "models:read", build)
