"""How domain errors become problem+json statuses, for errors no route test can easily provoke
(a database held by another transaction for longer than the busy timeout)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from puhui.api.problems import RETRY_AFTER_S, install_problem_handlers
from puhui.core.errors import InvalidInput
from puhui.storage.engine import DatabaseBusy


def _app_raising(error: Exception) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/fail")
    async def fail() -> None:
        raise error

    return app


async def _get(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/fail")


@pytest.mark.anyio
async def test_a_retryable_refusal_is_503_with_retry_after() -> None:
    response = await _get(_app_raising(DatabaseBusy("the database is busy; try again")))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert response.json()["code"] == "database_busy"
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.anyio
async def test_a_refusal_as_it_stands_is_400_without_retry_after() -> None:
    response = await _get(_app_raising(InvalidInput("bad amount; send a positive one")))
    assert response.status_code == 400
    assert "Retry-After" not in response.headers
