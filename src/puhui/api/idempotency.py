"""Idempotency-Key on every call that moves money.

A request holds its key for its one transaction (an advisory lock on PostgreSQL; SQLite's
write lock lets one transaction run at a time anyway), runs, and stores its answer in that same
transaction as the money it moved: a crash leaves neither. A replay with the same body gets
that answer back (header `Idempotent-Replayed: true`); the same key with a different body is
refused (409 `idempotency_key_reused`); a replay while the first is still running gets 409
`request_in_flight` with Retry-After. A domain refusal is stored and replayed like a success;
a refusal that says "later" (end-of-day running, 503 with Retry-After) and an unexpected
failure store nothing, so the caller can retry with the same key.

End-of-day run through the API commits as it goes, so its key is claimed first (a committed
`in_flight` record) and answered after; a claim left by a process that died is taken over after
two minutes.
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
from puhui.storage.uow import SqlUnitOfWork

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
        raise _in_flight()
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
    """Run `operation(uow)` once per key; its answer is stored in the same transaction as the
    money it moved.

    With `own_transactions` the operation manages its own transactions (end-of-day) and gets
    None; the key is claimed first and the answer stored right after it returns.
    """
    key = _check(key)
    request_hash = request_hash_of(route, body)
    if own_transactions:
        return _run_claimed(rt, principal, key, request_hash, operation)
    with rt.unit_of_work() as uow:
        found = _held_record(uow, principal, key)
        if found is not None:
            return _replay(found, request_hash)
        try:
            status, result = operation(uow)
        except PuhuiError as error:
            uow.rollback()
            if error.retryable:
                raise _later(error) from None
            return _store_refusal(uow, principal, key, request_hash, error)
        text = json.dumps(result, default=str)
        uow.access.save_idempotent(principal.subject, key, request_hash, status, text, _now())
        uow.commit()
        return JSONResponse(result, status_code=status)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _in_flight() -> ApiProblem:
    return ApiProblem(
        409,
        "request_in_flight",
        "a request with this Idempotency-Key is still being processed; retry in a moment",
        headers={"Retry-After": "1"},
    )


def _later(error: PuhuiError) -> ApiProblem:
    return ApiProblem(503, error.code, error.message, headers={"Retry-After": str(RETRY_AFTER_S)})


def _held_record(uow: SqlUnitOfWork, principal: Principal, key: str) -> IdempotencyRecord | None:
    """Hold the key for this transaction and read its record (None: the request is new)."""
    held, record = uow.access.hold_idempotency_key(
        principal.subject, key, stale_before=_now() - STALE_CLAIM
    )
    if not held:
        raise _in_flight()
    return record


def _store_refusal(
    uow: SqlUnitOfWork, principal: Principal, key: str, request_hash: str, error: PuhuiError
) -> JSONResponse:
    """A domain refusal is an answer too, stored so that a retry gets it again. The work's
    transaction was rolled back, so this is a new one: if another request with the key got in
    between, its answer is the one."""
    found = _held_record(uow, principal, key)
    if found is not None:
        return _replay(found, request_hash)
    response = problem(status_for(error), error.code, error.message)
    text = bytes(response.body).decode()
    uow.access.save_idempotent(
        principal.subject, key, request_hash, response.status_code, text, _now()
    )
    uow.commit()
    return response


def _run_claimed(
    rt: Runtime, principal: Principal, key: str, request_hash: str, operation: Operation
) -> JSONResponse:
    """A claim committed before the work (which commits as it goes), answered after it."""
    now = _now()
    with rt.engine.begin() as connection:
        claimed = AccessRepository(connection).start_idempotent(
            principal.subject, key, request_hash, now, stale_before=now - STALE_CLAIM
        )
    if not claimed:
        with rt.engine.connect() as connection:
            record = AccessRepository(connection).idempotency(principal.subject, key)
        if record is None:  # released between our insert and our read: ask for a retry
            raise _in_flight()
        return _replay(record, request_hash)
    try:
        return _run_alone(rt, principal, key, operation)
    except BaseException as failure:
        with rt.engine.begin() as connection:
            AccessRepository(connection).forget_idempotent(principal.subject, key)
        if isinstance(failure, _Retry):
            raise _later(failure.error) from None
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
