"""The JSON API under /api/v1 with the middleware every request passes (body size limit,
security headers) and problem+json errors. `puhui.web.app` adds the console and the applicant
pages on top."""

from __future__ import annotations

from fastapi import FastAPI, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class LimitsAndHeaders:
    """Refuses bodies over the size limit (by Content-Length, or counted when sent chunked) and
    adds the security headers to every response. Plain ASGI, not BaseHTTPMiddleware: that one
    cost a millisecond a request."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await self._with_headers(self._too_large(), scope, receive, send)
            return

        if length is None and b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            # a body without Content-Length: read it here, counting, before the app sees it
            chunks: list[Message] = []
            received = 0
            while True:
                message = await receive()
                chunks.append(message)
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    await self._with_headers(self._too_large(), scope, receive, send)
                    return
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break
            replay = iter(chunks)

            async def replayed() -> Message:
                return next(replay, None) or await receive()

            receive = replayed

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in self.headers if name not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _too_large(self) -> Response:
        return problem(
            413,
            "body_too_large",
            f"the request body is over {self.max_body_bytes} bytes; send less",
        )

    async def _with_headers(
        self, response: Response, scope: Scope, receive: Receive, send: Send
    ) -> None:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        await response(scope, receive, send)


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

    app.add_middleware(LimitsAndHeaders, max_body_bytes=settings.max_body_bytes)
    return app
