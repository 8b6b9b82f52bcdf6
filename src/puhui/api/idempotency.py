"""Idempotency-Key on every call that moves money.

The first request with a key claims it (a committed `in_flight` record), runs, and stores its
response in the same transaction as the money it moved. A replay with the same body gets that
response back (header `Idempotent-Replayed: true`); the same key with a different body is
refused (409 `idempotency_key_reused`); a replay while the first is still running gets 409
`request_in_flight` with Retry-After. A domain refusal is stored and replayed like a success;
a refusal that says "later" (end-of-day running) and an unexpected failure release the claim,
so the caller can retry with the same key (503 with Retry-After for the former). A claim left
`in_flight` by a process that died is taken over after two minutes: the money and the stored
answer commit together, so an unanswered claim means no money moved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.responses import JSONResponse

from puhui.api.problems import PROBLEM_TYPE, RETRY_AFTER_S, ApiProblem, problem, status_for
from puhui.api.runtime import Runtime
from puhui.core.errors import PuhuiError
from puhui.security.roles import Principal
from puhui.storage.access_repository import AccessRepository, IdempotencyRecord

MAX_KEY_LENGTH = 200
STALE_CLAIM = timedelta(minutes=2)  # a claim this old with no answer died with its process


class _Retry(Exception):
    """A refusal that says "try again later": not stored, the claim is released."""

    def __init__(self, error: PuhuiError) -> None:
        super().__init__(error.message)
        self.error = error


Operation = Callable[[Any], tuple[int, dict[str, Any]]]


def request_hash_of(route: str, body: Any) -> str:
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
    request_hash = request_hash_of(route, body)
    now = datetime.now(UTC).replace(tzinfo=None)
    with rt.engine.begin() as connection:  # the claim: its own short transaction
        claimed = AccessRepository(connection).start_idempotent(
            principal.subject, key, request_hash, now, stale_before=now - STALE_CLAIM
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
                if error.retryable:
                    raise _Retry(error) from None
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
    except BaseException as failure:
        with rt.engine.begin() as connection:
            AccessRepository(connection).forget_idempotent(principal.subject, key)
        if isinstance(failure, _Retry):
            later = failure.error
            raise ApiProblem(
                503, later.code, later.message, headers={"Retry-After": str(RETRY_AFTER_S)}
            ) from None
        raise


def _run_alone(rt: Runtime, principal: Principal, key: str, operation: Operation) -> JSONResponse:
    try:
        status, result = operation(None)
        response = JSONResponse(result, status_code=status)
        text = json.dumps(result, default=str)
    except PuhuiError as error:
        if error.retryable:
            raise _Retry(error) from None
        status = status_for(error)
        response = problem(status, error.code, error.message)
        text = bytes(response.body).decode()
    with rt.unit_of_work() as uow:
        uow.access.finish_idempotent(principal.subject, key, status, text)
        uow.commit()
    return response
