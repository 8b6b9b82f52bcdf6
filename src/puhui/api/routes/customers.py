"""Customers: register with personal data (sealed at rest), read (masked unless the caller has
`pii:read`; unmasked reads are logged), consent records, and the access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from puhui.api.auth import Caller, needs, runtime
from puhui.api.routes.common import decode_id_cursor, encode_cursor, now, own_customer
from puhui.api.schemas import (
    ConsentIn,
    ConsentOut,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    Id,
    Json,
)
from puhui.security.customers import (
    CustomerView,
    read_customer,
    record_consent,
    register_customer,
    withdraw_consent,
)
from puhui.security.personal_data import Field
from puhui.security.roles import Principal

router = APIRouter(tags=["customers"])


def _out(view: CustomerView) -> CustomerOut:
    return CustomerOut(
        customer_id=view.customer_id, kind=view.kind, masked=view.masked, personal=view.personal
    )


@router.post("/customers", status_code=201, response_model=CustomerOut)
def create_customer(  # in the thread pool: a login's password is hashed (argon2, ~100 ms)
    body: CustomerIn,
    request: Request,
    principal: Annotated[Principal, Depends(needs("customers:write"))],
) -> CustomerOut:
    rt = runtime(request)
    personal = {
        Field.NAME: body.name,
        Field.ID_NUMBER: body.id_number,
        Field.PHONE: body.phone,
        Field.BANK_CARD: body.bank_card,
        Field.ADDRESS: body.address,
    }
    with rt.unit_of_work() as uow:
        customer_id = register_customer(
            uow.customers,
            rt.settings.keyring,
            kind=body.kind,
            personal=personal,
            now=now(),
            login=body.login,
            password=body.password,
        )
        view = read_customer(
            uow.customers,
            rt.settings.keyring,
            principal,
            customer_id,
            purpose="register",
            now=now(),
        )
        uow.commit()
    return _out(view)


@router.get("/customers", response_model=CustomerPage)
def list_customers(
    request: Request,
    principal: Annotated[Principal, Depends(needs("customers:read"))],
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerPage:
    rt = runtime(request)
    with rt.unit_of_work() as uow:
        rows = uow.customers.page(after_id=decode_id_cursor(cursor), limit=limit)
        views = [
            read_customer(
                uow.customers,
                rt.settings.keyring,
                principal,
                row.customer_id,
                purpose="list customers",
                now=now(),
            )
            for row in rows
        ]
        uow.commit()  # the access log of unmasked reads
    last = views[-1].customer_id if len(views) == limit else None
    return CustomerPage(items=[_out(v) for v in views], next_cursor=encode_cursor(last))


@router.get("/customers/{customer_id}", response_model=CustomerOut)
async def get_customer(customer_id: Id, request: Request, principal: Caller) -> CustomerOut:
    rt = runtime(request)
    if principal.customer_id != customer_id:
        principal.require("customers:read")
    with rt.unit_of_work() as uow:
        view = read_customer(
            uow.customers,
            rt.settings.keyring,
            principal,
            customer_id,
            purpose="read customer",
            now=now(),
        )
        uow.commit()
    return _out(view)


def _consent_out(record: object) -> ConsentOut:
    return ConsentOut(
        consent_id=record.consent_id,  # type: ignore[attr-defined]
        purpose=record.purpose.value,  # type: ignore[attr-defined]
        scope=record.scope,  # type: ignore[attr-defined]
        granted_at=record.granted_at.isoformat(),  # type: ignore[attr-defined]
        withdrawn_at=record.withdrawn_at.isoformat() if record.withdrawn_at else None,  # type: ignore[attr-defined]
    )


def _may_manage_consent(principal: Principal, customer_id: Id) -> None:
    own_customer(principal, customer_id)
    if principal.customer_id != customer_id:
        principal.require("customers:write")


@router.post("/customers/{customer_id}/consents", status_code=201, response_model=ConsentOut)
async def give_consent(
    customer_id: Id, body: ConsentIn, request: Request, principal: Caller
) -> ConsentOut:
    _may_manage_consent(principal, customer_id)
    rt = runtime(request)
    with rt.unit_of_work() as uow:
        consent_id = record_consent(uow.customers, customer_id, body.purpose, body.scope, now())
        record = next(c for c in uow.customers.consents(customer_id) if c.consent_id == consent_id)
        uow.commit()
    return _consent_out(record)


@router.get("/customers/{customer_id}/consents", response_model=list[ConsentOut])
async def list_consents(customer_id: Id, request: Request, principal: Caller) -> list[ConsentOut]:
    own_customer(principal, customer_id)
    if principal.customer_id != customer_id:
        principal.require("customers:read")
    with runtime(request).unit_of_work() as uow:
        return [_consent_out(c) for c in uow.customers.consents(customer_id)]


@router.delete("/customers/{customer_id}/consents/{consent_id}", response_model=ConsentOut)
async def withdraw(
    customer_id: Id, consent_id: Id, request: Request, principal: Caller
) -> ConsentOut:
    _may_manage_consent(principal, customer_id)
    with runtime(request).unit_of_work() as uow:
        withdraw_consent(uow.customers, customer_id, consent_id, now())
        record = next(c for c in uow.customers.consents(customer_id) if c.consent_id == consent_id)
        uow.commit()
    return _consent_out(record)


@router.get("/customers/{customer_id}/access-log", response_model=list[Json])
def access_log(
    customer_id: Id,
    request: Request,
    _principal: Annotated[Principal, Depends(needs("audit:read"))],
) -> list[Json]:
    """Who read this customer's personal data unmasked, when and why (auditors, admins)."""
    with runtime(request).unit_of_work() as uow:
        return [
            {"reader": reader, "fields": fields, "purpose": purpose, "read_at": at.isoformat()}
            for reader, fields, purpose, at in uow.customers.reads(customer_id)
        ]
