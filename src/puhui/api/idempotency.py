"""Idempotency-Key on every call that moves money.

The first request with a key claims it (a committed `in_flight` record), runs, and stores its
response in the same transaction as the money it moved. A replay with the same body gets that
response back (header `Idempotent-Replayed: true`); the same key with a different body is
refused (409 `idempotency_key_reused`); a replay while the first is still running gets 409
`request_in_flight` with Retry-After. A domain refusal is stored and replayed like a success; an
unexpected failure releases the claim so the caller can retry with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse

from puhui.api.problems import PROBLEM_TYPE, ApiProblem, problem, status_for
from puhui.api.runtime import Runtime
from puhui.core.errors import PuhuiError
from puhui.security.roles import Principal
from puhui.storage.access_repository import AccessRepository, IdempotencyRecord

MAX_KEY_LENGTH = 200
Operation = Callable[[Any], tuple[int, dict[str, Any]]]


def _hash(route: str, body: Any) -> str:
    return hashlib.sha256(
        f"{route}\n{json.dumps(body, sort_keys=True, default=str)}".encode()
    ).hexdigest()


def _check(key: str | None) -> str:
    if key is None or not key.strip():
        raise ApiProblem(
            400,
            "idempotency_key_missing",
            "this call moves money: send an Idempotency-Key header (a unique string per "
            "intended operation, e.g. a UUID) so a retry is applied once",
        )
    if len(key) > MAX_KEY_LENGTH:
        raise ApiProblem(
            400,
            "idempotency_key_invalid",
            f"an Idempotency-Key is at most {MAX_KEY_LENGTH} characters",
        )
    return key


def _replay(record: IdempotencyRecord, request_hash: str) -> JSONResponse:
    if record.request_hash != request_hash:
        raise ApiProblem(
            409,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request; use a new key for a new "
            "operation",
        )
    if record.state != "done" or record.status_code is None or record.response is None:
        raise ApiProblem(
            409,
            "request_in_flight",
            "a request with this Idempotency-Key is still being processed; retry in a moment",
            headers={"Retry-After": "1"},
        )
    media = PROBLEM_TYPE if record.status_code >= 400 else "application/json"
    return JSONResponse(
        json.loads(record.response),
        status_code=record.status_code,
        media_type=media,
        headers={"Idempotent-Replayed": "true"},
    )


def run_idempotent(
    rt: Runtime,
    principal: Principal,
    key: str | None,
    route: str,
    body: Any,
    operation: Operation,
    *,
    own_transactions: bool = False,
) -> JSONResponse:
    """Run `operation(uow)` once per key; its response is stored in the same transaction.

    With `own_transactions` the operation manages its own transactions (end-of-day) and gets
    None; its response is stored right after it returns.
    """
    key = _check(key)
    request_hash = _hash(route, body)
    now = datetime.now(UTC).replace(tzinfo=None)
    with rt.engine.begin() as connection:  # the claim: its own short transaction
        claimed = AccessRepository(connection).start_idempotent(
            principal.subject, key, request_hash, now
        )
    if not claimed:
        with rt.engine.connect() as connection:
            record = AccessRepository(connection).idempotency(principal.subject, key)
        if record is None:  # released between our insert and our read: ask for a retry
            raise ApiProblem(
                409, "request_in_flight", "retry in a moment", headers={"Retry-After": "1"}
            )
        return _replay(record, request_hash)
    try:
        if own_transactions:
            return _run_alone(rt, principal, key, operation)
        with rt.unit_of_work() as uow:
            try:
                status, result = operation(uow)
            except PuhuiError as error:
                uow.rollback()
                status = status_for(error)
                response = problem(status, error.code, error.message)
                uow.access.finish_idempotent(
                    principal.subject, key, status, bytes(response.body).decode()
                )
                uow.commit()
                return response
            uow.access.finish_idempotent(
                principal.subject, key, status, json.dumps(result, default=str)
            )
            uow.commit()
            return JSONResponse(result, status_code=status)
    except BaseException:
        with rt.unit_of_work() as uow:
            uow.access.forget_idempotent(principal.subject, key)
            uow.commit()
        raise


def _run_alone(rt: Runtime, principal: Principal, key: str, operation: Operation) -> JSONResponse:
    try:
        status, result = operation(None)
        response = JSONResponse(result, status_code=status)
        text = json.dumps(result, default=str)
    except PuhuiError as error:
        status = status_for(error)
        response = problem(status, error.code, error.message)
        text = bytes(response.body).decode()
    with rt.unit_of_work() as uow:
        uow.access.finish_idempotent(principal.subject, key, status, text)
        uow.commit()
    return response
