"""Errors as RFC 9457 problem+json: a stable `code`, a `title`, and a `detail` that says how to
fix the request. Domain errors map by their base class; nothing a caller sends becomes a 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from puhui.core.errors import Conflict, InvalidInput, NotFound, PuhuiError
from puhui.security.errors import ConsentRequired, Forbidden, NotAuthenticated
from puhui.storage.engine import is_lock_wait_timeout

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("puhui.api")

RETRY_AFTER_S = 5  # what a refusal that is only "not now" tells the caller to wait
_STATUS_BY_BASE: tuple[tuple[type[PuhuiError], int], ...] = (
    (NotAuthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (ConsentRequired, 409),
    (InvalidInput, 400),
)


class ApiProblem(Exception):
    """A problem raised by the HTTP layer itself (rate limit, idempotency, size)."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}


def status_for(error: PuhuiError) -> int:
    for base, status in _STATUS_BY_BASE:
        if isinstance(error, base):
            return status
    return 400  # every other domain error refuses the request as it stands


def problem(
    status: int, code: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"https://puhui.invalid/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(PuhuiError)
    async def domain_error(_request: Request, error: PuhuiError) -> JSONResponse:
        if error.retryable:  # the same request can succeed later (end-of-day, a busy database)
            return problem(
                503, error.code, error.message, headers={"Retry-After": str(RETRY_AFTER_S)}
            )
        return problem(status_for(error), error.code, error.message)

    @app.exception_handler(ApiProblem)
    async def api_problem(_request: Request, error: ApiProblem) -> JSONResponse:
        return problem(error.status, error.code, error.detail, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def malformed(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['where']}: {e['problem']}" for e in errors)
        return problem(
            422, "malformed_request", f"the request is malformed: {detail}", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "no_such_route", 405: "method_not_allowed"}.get(
            error.status_code, "http_error"
        )
        return problem(
            error.status_code, code, str(error.detail), headers=dict(error.headers or {})
        )

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> JSONResponse:
        if is_lock_wait_timeout(error):  # nothing was applied; the same request can succeed
            return problem(
                503,
                "database_busy",
                "the data this request needs is locked by a long job (end-of-day); "
                "try again in a few seconds",
                headers={"Retry-After": str(RETRY_AFTER_S)},
            )
        log.error("unexpected %s while serving a request", type(error).__name__)
        return problem(500, "internal_error", "the server failed; the request was not applied")
