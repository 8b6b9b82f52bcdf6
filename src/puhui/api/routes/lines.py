"""Credit lines: the line and its statements, checkout (authorise / capture / release / refund),
payments, instalment conversion (quote first, APR shown), and the borrower's self-set limit.

Checkout calls come from a channel's API key with the `lines:checkout` scope and carry an
Idempotency-Key; the order id makes them idempotent in the line itself as well.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request

from puhui.api.auth import needs, runtime
from puhui.api.idempotency import run_idempotent
from puhui.api.routes.common import visible_borrower
from puhui.api.schemas import (
    AuthoriseIn,
    ConversionQuoteOut,
    ConvertIn,
    HoldOut,
    Id,
    LineOut,
    LineResult,
    QuoteRowOut,
    RefundIn,
    RepaymentIn,
    SelfLimitIn,
)
from puhui.api.views import line_view
from puhui.core.errors import NotFound
from puhui.lines import service as lines
from puhui.lines.conversion import quote_conversion
from puhui.lines.errors import LineNotFound
from puhui.security.roles import Principal, Role
from puhui.storage.uow import SqlUnitOfWork

router = APIRouter(tags=["credit lines"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
Reader = Annotated[Principal, Depends(needs("lines:read"))]
Checkout = Annotated[Principal, Depends(needs("lines:checkout"))]
Writer = Annotated[Principal, Depends(needs("lines:write"))]


def check_line_visible(uow: SqlUnitOfWork, principal: Principal, line_id: Id) -> None:
    owner = uow.browse.line_owner(line_id)
    own = visible_borrower(principal)
    if owner is None or not principal.may_see_funder(owner[1]) or own not in (None, owner[0]):
        raise LineNotFound(f"no credit line {line_id}; check the line id")


def _sees_every_line(principal: Principal) -> bool:
    return visible_borrower(principal) is None and principal.role is not Role.PARTNER_BANK


@router.get("/lines/{line_id}", response_model=LineOut)
async def get_line(line_id: Id, request: Request, principal: Reader) -> dict[str, Any]:
    rt = runtime(request)
    with rt.unit_of_work() as uow:
        check_line_visible(uow, principal, line_id)
        day = rt.business_date(uow)
        return line_view(uow.lines.get(line_id, on=day, lock=False), day)


@router.get("/lines/{line_id}/statements", response_model=list[dict[str, Any]])
async def statements(line_id: Id, request: Request, principal: Reader) -> list[dict[str, Any]]:
    with runtime(request).unit_of_work() as uow:
        check_line_visible(uow, principal, line_id)
        return uow.lines.statements(line_id)


@router.get("/lines/{line_id}/conversion-quote", response_model=ConversionQuoteOut)
async def conversion_quote(
    line_id: Id,
    request: Request,
    principal: Reader,
    periods: Annotated[int, Query(ge=2, le=36)],
    amount_minor: Annotated[int | None, Query(gt=0, le=10**13)] = None,
) -> ConversionQuoteOut:
    """What converting (default: the last statement's balance) into `periods` parts costs."""
    rt = runtime(request)
    with rt.unit_of_work() as uow:
        check_line_visible(uow, principal, line_id)
        day = rt.business_date(uow)
        line = uow.lines.get(line_id, on=day, lock=False)
    principal_minor = amount_minor or line.statement_due_minor
    if principal_minor <= 0:
        raise NotFound(f"line {line_id} has no statement balance to convert; name amount_minor")
    quote = quote_conversion(
        line.product,
        principal_minor=principal_minor,
        periods=periods,
        on=day,
        statement_day=line.statement_day,
    )
    return ConversionQuoteOut(
        periods=periods,
        principal_minor=principal_minor,
        apr_percent=str(quote.apr.nominal_percent()),
        fee_per_period_minor=quote.fee_per_period_minor,
        total_fee_minor=quote.total_fee_minor,
        rows=[
            QuoteRowOut(
                due_date=r.due_date.isoformat(),
                principal_minor=r.principal_minor,
                fee_minor=r.fee_minor,
                total_minor=r.total_minor,
            )
            for r in quote.rows
        ],
    )


def _line_call(
    request: Request,
    principal: Principal,
    key: str | None,
    line_id: Id,
    name: str,
    body: dict[str, Any],
    act: Any,
    status: int = 200,
) -> Any:
    rt = runtime(request)

    def operation(uow: SqlUnitOfWork) -> tuple[int, dict[str, Any]]:
        if not _sees_every_line(principal):  # else the service refuses a missing line itself
            check_line_visible(uow, principal, line_id)
        return status, act(uow, rt.business_date(uow))

    return run_idempotent(rt, principal, key, f"{name} line {line_id}", body, operation)


@router.post("/lines/{line_id}/authorisations", status_code=201, response_model=HoldOut)
async def authorise(
    line_id: Id,
    body: AuthoriseIn,
    request: Request,
    principal: Checkout,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Hold the amount of a checkout order against the line (all caps checked atomically)."""
    rt = runtime(request)
    return _line_call(
        request,
        principal,
        idempotency_key,
        line_id,
        "authorise",
        body.model_dump(),
        lambda uow, day: lines.authorise(
            uow,
            line_id=line_id,
            order_id=body.order_id,
            amount_minor=body.amount_minor,
            as_of=day,
            net_assets_minor=rt.settings.net_assets_minor,
        ),
        status=201,
    )


@router.post("/lines/{line_id}/orders/{order_id}/capture", response_model=LineResult)
async def capture(
    line_id: Id,
    order_id: str,
    body: RefundIn,
    request: Request,
    principal: Checkout,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Capture all or part of a held order when the merchant ships it."""
    return _line_call(
        request,
        principal,
        idempotency_key,
        line_id,
        f"capture {order_id}",
        body.model_dump(),
        lambda uow, day: lines.capture(
            uow, line_id=line_id, order_id=order_id, amount_minor=body.amount_minor, as_of=day
        ),
    )


@router.post("/lines/{line_id}/orders/{order_id}/release", response_model=LineResult)
async def release(
    line_id: Id,
    order_id: str,
    request: Request,
    principal: Checkout,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return _line_call(
        request,
        principal,
        idempotency_key,
        line_id,
        f"release {order_id}",
        {},
        lambda uow, day: lines.release(uow, line_id=line_id, order_id=order_id, as_of=day),
    )


@router.post("/lines/{line_id}/orders/{order_id}/refunds", response_model=LineResult)
async def refund(
    line_id: Id,
    order_id: str,
    body: RefundIn,
    request: Request,
    principal: Checkout,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return _line_call(
        request,
        principal,
        idempotency_key,
        line_id,
        f"refund {order_id}",
        body.model_dump(),
        lambda uow, day: lines.refund(
            uow,
            line_id=line_id,
            order_id=order_id,
            amount_minor=body.amount_minor,
            as_of=day,
            idempotency_key=f"http:{principal.subject}:{idempotency_key}",
        ),
    )


@router.post("/lines/{line_id}/payments", response_model=LineResult)
async def pay(
    line_id: Id,
    body: RepaymentIn,
    request: Request,
    principal: Annotated[Principal, Depends(needs("loans:repay"))],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    return _line_call(
        request,
        principal,
        idempotency_key,
        line_id,
        "pay",
        body.model_dump(),
        lambda uow, day: lines.pay(
            uow,
            line_id=line_id,
            amount_minor=body.amount_minor,
            as_of=day,
            idempotency_key=f"http:{principal.subject}:{idempotency_key}",
        ),
    )


@router.post("/lines/{line_id}/conversions", status_code=201, response_model=LineResult)
async def convert(
    line_id: Id,
    body: ConvertIn,
    request: Request,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Convert the last statement into instalments (see the quote and its APR first)."""
    return _line_call(
        request,
        principal,
        idempotency_key,
        line_id,
        "convert",
        body.model_dump(),
        lambda uow, day: lines.convert(
            uow,
            line_id=line_id,
            periods=body.periods,
            as_of=day,
            idempotency_key=f"http:{principal.subject}:{idempotency_key}",
        ),
        status=201,
    )


@router.put("/lines/{line_id}/self-limit", response_model=LineResult)
async def self_limit(
    line_id: Id, body: SelfLimitIn, request: Request, principal: Writer
) -> dict[str, Any]:
    """The borrower lowers his own limit at once (raising it again waits out a cooling-off)."""
    rt = runtime(request)
    with rt.unit_of_work() as uow:
        check_line_visible(uow, principal, line_id)
        result = lines.set_self_limit(
            uow, line_id=line_id, limit_minor=body.limit_minor, as_of=rt.business_date(uow)
        )
        uow.commit()
    return result
