"""Who is calling: a bearer token (staff or borrower), or an API key (a channel).

The checks are async dependencies on purpose: a sync dependency costs a hop to the thread pool,
and these run on every request (verified tokens and key rows are cached, see credential_cache).

The console and applicant pages use the same token in an HttpOnly cookie (see `web`); the JSON
API takes only the Authorization or X-API-Key header, so a cross-site form can never act on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from puhui.api.runtime import Runtime
from puhui.security.credentials import api_key_matches, parse_api_key
from puhui.security.errors import NotAuthenticated
from puhui.security.roles import Principal, Role, principal_for
from puhui.storage.access_repository import AccessRepository, ApiKeyRow


def runtime(request: Request) -> Runtime:
    found: Runtime = request.app.state.runtime
    return found


def _stored_key(rt: Runtime, key_id: int) -> ApiKeyRow | None:
    """The key's row from a plain read (no unit of work: no calendar lock, no write lock)."""
    with rt.engine.connect() as connection:
        row = AccessRepository(connection).key(key_id)
    if row is not None:
        rt.credentials.remember_key(row)
    return row


async def principal_from_key(rt: Runtime, presented: str) -> Principal:
    key_id, secret = parse_api_key(presented)
    row = rt.credentials.key(key_id)
    if row is None:  # a cache miss reads the database in the thread pool, off the event loop
        row = await run_in_threadpool(_stored_key, rt, key_id)
    if row is None or not row.active or not api_key_matches(row.secret_digest, secret):
        raise NotAuthenticated("the API key is unknown or revoked; ask an admin for a new one")
    return principal_for(f"key:{row.key_id}", Role.CHANNEL, scopes=row.scopes)


_BEARER = HTTPBearer(auto_error=False, description="a token from POST /auth/token")
_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="a channel's API key")


async def current_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    api_key: Annotated[str | None, Depends(_API_KEY)],
) -> Principal:
    rt = runtime(request)
    if api_key:
        return await principal_from_key(rt, api_key)
    if bearer is not None:
        return rt.credentials.principal(rt.signer, bearer.credentials)
    if request.headers.get("authorization"):
        raise NotAuthenticated("send 'Authorization: Bearer <token>' from POST /auth/token")
    raise NotAuthenticated(
        "sign in first: POST /auth/token for a bearer token, or send a channel's X-API-Key"
    )


Caller = Annotated[Principal, Depends(current_principal)]


def needs(scope: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the caller, refused unless it has `scope`."""

    async def check(principal: Caller) -> Principal:
        principal.require(scope)
        return principal

    return check
