"""The JSON API under /api/v1 with the middleware every request passes (body size limit,
security headers) and problem+json errors. `puhui.web.app` adds the console and the applicant
pages on top."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from puhui.api.problems import install_problem_handlers, problem
from puhui.api.routes import applications, auth, customers, lines, loans, operations
from puhui.api.runtime import Runtime
from puhui.api.settings import ApiSettings

API_PREFIX = "/api/v1"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_api_app(settings: ApiSettings, *, runtime: Runtime | None = None) -> FastAPI:
    app = FastAPI(
        title="puhui",
        version="0.1.0",
        summary="Open-source digital micro-lending: decisions, loans, credit lines, ledger.",
        docs_url=f"{API_PREFIX}/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
        redoc_url=None,
        responses={
            400: {"description": "refused as it stands (problem+json)"},
            401: {"description": "not signed in (problem+json)"},
            403: {"description": "the role lacks the scope (problem+json)"},
            404: {"description": "not found or not visible to the caller (problem+json)"},
            409: {"description": "conflict: idempotency key reused or in flight (problem+json)"},
            413: {"description": "body too large (problem+json)"},
            422: {"description": "malformed body (problem+json)"},
            429: {"description": "rate limited (problem+json)"},
        },
    )
    app.state.runtime = runtime or Runtime.start(settings)
    install_problem_handlers(app)
    for module in (auth, customers, applications, loans, lines, operations):
        app.include_router(module.router, prefix=API_PREFIX)

    @app.middleware("http")
    async def limits_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        limit = settings.max_body_bytes
        if length is not None and (not length.isdigit() or int(length) > limit):
            response: Response = problem(
                413, "body_too_large", f"the request body is over {limit} bytes; send less"
            )
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
