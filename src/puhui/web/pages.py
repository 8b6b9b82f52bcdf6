"""What every page shares: templates, the session cookie, CSRF, language and static assets.

Session: the same short-lived signed token as the API's bearer token, in an HttpOnly,
SameSite=Strict cookie. CSRF: a double-submit token — a random value in its own cookie that
every form repeats in a hidden field; a POST whose field does not match is refused. Together
with SameSite=Strict a cross-site form cannot act for a signed-in user.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from puhui.api.routes.auth import authenticate
from puhui.api.runtime import Runtime
from puhui.core.errors import PuhuiError
from puhui.security.errors import Forbidden, NotAuthenticated
from puhui.security.roles import Principal
from puhui.web.i18n import pick_language, translator

SESSION_COOKIE = "puhui_session"
CSRF_COOKIE = "puhui_csrf"
LANGUAGE_COOKIE = "puhui_lang"

templates = Jinja2Templates(directory=str(resources.files("puhui.web").joinpath("templates")))
templates.env.filters["money"] = lambda minor: f"{Decimal(int(minor or 0)).scaleb(-2):,.2f}"
templates.env.filters["percent"] = lambda value: f"{float(value or 0):.1%}"


def mount_static(app: FastAPI) -> None:
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("puhui.web").joinpath("static"))),
        name="static",
    )


def runtime_of(request: Request) -> Runtime:
    found: Runtime = request.app.state.runtime
    return found


def session_principal(request: Request) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return runtime_of(request).signer.principal(token)
    except NotAuthenticated:
        return None


def csrf_token(request: Request) -> str:
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request.state.__dict__.setdefault("new_csrf", secrets.token_urlsafe(24))
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted or not secrets.compare_digest(cookie, submitted):
        raise Forbidden("the form has expired or did not come from this site; reload and retry")


def form_sign_in(request: Request, username: str, password: str, csrf: str) -> Principal:
    """A sign-in form (console or applicant): CSRF first, then the same rate-limited password
    check as POST /auth/token."""
    check_csrf(request, csrf)
    client = request.client.host if request.client else "unknown"
    return authenticate(runtime_of(request), username, password, client)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    language = pick_language(
        request.headers.get("accept-language"),
        request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE),
    )
    token = csrf_token(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": translator(language),
            "lang": language,
            "other_lang": "en" if language == "zh" else "zh",
            "csrf": token,
            "principal": session_principal(request),
            **context,
        },
        status_code=status_code,
    )
    secure = runtime_of(request).settings.secure_cookies
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(
            LANGUAGE_COOKIE, request.query_params["lang"], samesite="strict", secure=secure
        )
    return response


def sign_in_response(request: Request, principal: Principal, target: str) -> Response:
    rt = runtime_of(request)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        rt.signer.issue(principal),
        max_age=int(rt.signer.lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=rt.settings.secure_cookies,
    )
    return response


def sign_out_response(target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def error_page(request: Request, error: PuhuiError, status: int) -> HTMLResponse:
    return render(request, "error.html", status_code=status, message=error.message)
