"""The whole server: the JSON API plus the console, the applicant pages and static assets."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from puhui.api.app import create_api_app
from puhui.api.runtime import Runtime
from puhui.api.settings import ApiSettings
from puhui.web import applicant, console
from puhui.web.pages import mount_static


def create_app(settings: ApiSettings, *, runtime: Runtime | None = None) -> FastAPI:
    app = create_api_app(settings, runtime=runtime)
    app.include_router(console.router)
    app.include_router(applicant.router)
    mount_static(app)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/console", status_code=303)

    return app
