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
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
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


class _LockNotAvailable(Exception):
    """What psycopg raises when PostgreSQL's lock_timeout expires."""

    sqlstate = "55P03"


@pytest.mark.anyio
async def test_a_lock_wait_timeout_is_503_database_busy_not_a_500() -> None:
    response = await _get(_app_raising(_LockNotAvailable("canceling statement: lock timeout")))
    assert response.status_code == 503
    assert response.json()["code"] == "database_busy"
    assert response.headers["Retry-After"] == str(RETRY_AFTER_S)
