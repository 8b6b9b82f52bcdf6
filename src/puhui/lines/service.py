"""Credit-line use cases: open, check out, draw, pay, convert, cut statements, change limits.

Each use case takes a unit of work and the business date and never commits. Money-moving
operations are idempotent by the caller's key: the first outcome is stored with a hash of the
request, a replay returns it, the same key with another request is refused. The line row is
locked for the read-modify-write and every authorisation, draw and limit grant also takes the
borrower's lock, so two concurrent checkouts cannot together pass the borrower's caps.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from puhui.compliance.checks import check_annual_cost
from puhui.compliance.exposure import borrower_caps, income_cap_minor
from puhui.core.errors import Conflict
from puhui.core.money import format_minor
from puhui.ledger.accounts import PLATFORM_FUNDER
from puhui.ledger.entries import system_key
from puhui.ledger.service import post_entry
from puhui.lines.accounting import line_entry
from puhui.lines.errors import LineRefused
from puhui.lines.line import CreditLine, LineBalances
from puhui.lines.ports import LinesUnitOfWork
from puhui.lines.products import LineProduct, load_line_catalog
from puhui.lines.responsible import (
    BorrowerFacts,
    check_eligible,
    headroom,
    in_cooling_off,
    spending_prompts,
)
from puhui.lines.statement import cut_statement_document


@dataclass(frozen=True, slots=True)
class LineOpened:
    line_id: int
    limit_minor: int
    requested_minor: int
    binding_cap: str


def _product(code: str, catalog: dict[str, LineProduct] | None) -> LineProduct:
    products = catalog or load_line_catalog()
    if code not in products:
        raise LineRefused(
            "unknown_product", f"no credit-line product {code!r}; use one of {sorted(products)}"
        )
    return products[code]


def _committed_elsewhere(
    uow: LinesUnitOfWork, borrower_ref: str, line: CreditLine | None, on: date
) -> int:
    """Loans' principal plus every open line's commitment (see `CreditLine.committed_minor`),
    except `line`'s."""
    lines_used, lines_committed = uow.lines.exposure(borrower_ref, on)
    loans = uow.exposure.outstanding_principal(borrower_ref) - lines_used
    committed = loans + lines_committed
    if line is not None:
        committed -= line.committed_minor(on)
    return max(0, committed)


def open_line(
    uow: LinesUnitOfWork,
    *,
    borrower_ref: str,
    facts: BorrowerFacts,
    product_code: str,
    requested_limit_minor: int,
    statement_day: int,
    as_of: date,
    idempotency_key: str,
    funder: str = PLATFORM_FUNDER,
    net_assets_minor: int | None = None,
    catalog: dict[str, LineProduct] | None = None,
) -> LineOpened:
    """Open a line with the largest limit up to the request that every cap allows."""
    uow.events.lock_key(f"borrower:{borrower_ref}")
    request = {
        "borrower": borrower_ref,
        "product": product_code,
        "limit": requested_limit_minor,
        "statement_day": statement_day,
        "date": as_of.isoformat(),
        "funder": funder,
    }
    request_hash = _request_hash("open", 0, request)
    found = uow.lines.find_operation(idempotency_key)
    if found is not None:
        stored_hash, outcome, line_id = found
        if stored_hash != request_hash:
            raise Conflict(
                f"idempotency key {idempotency_key!r} opened another line; use a new key"
            )
        stored = json.loads(outcome)
        return LineOpened(line_id, stored["limit_minor"], requested_limit_minor, "replay")
    product = _product(product_code, catalog)
    check_eligible(uow.profile, facts, as_of)
    highest = max(product.purchase_annual_rate, product.cash_annual_rate)
    check_annual_cost(uow.profile, apr=highest, on=as_of)
    room = headroom(
        uow.profile,
        facts,
        committed_minor=_committed_elsewhere(uow, borrower_ref, None, as_of),
        on=as_of,
        net_assets_minor=net_assets_minor,
    )
    limit = min(requested_limit_minor, product.max_limit_minor, room.minor)
    if limit <= 0:
        raise LineRefused(
            "no_headroom", f"the borrower has no room under the {room.binding_cap}; no line opened"
        )
    line = CreditLine(
        line_id=0,
        borrower_ref=borrower_ref,
        product=product,
        funder=funder,
        opened_on=as_of,
        statement_day=statement_day,
        granted_limit_minor=limit,
        monthly_income_minor=facts.monthly_income_minor,
    )
    binding = room.binding_cap if limit == room.minor else "requested"
    line.record("opened", as_of, limit, "line_granted", binding_cap=binding)
    uow.lines.add(line, idempotency_key)
    uow.lines.record_operation(
        idempotency_key,
        line_id=line.line_id,
        kind="opened",
        request_hash=request_hash,
        outcome=json.dumps({"limit_minor": limit, "binding_cap": binding}),
        entry_id=None,
    )
    return LineOpened(line.line_id, limit, requested_limit_minor, binding)


def _request_hash(kind: str, line_id: int, request: dict[str, Any]) -> str:
    text = json.dumps({"kind": kind, "line": line_id, **request}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _post(
    uow: LinesUnitOfWork, line: CreditLine, before: LineBalances, *, key: str, kind: str, on: date
) -> int | None:
    """Post the change of the line's sub-ledger since `before`; None when nothing moved."""
    entry = line_entry(
        idempotency_key=key,
        kind=kind,
        business_date=on,
        line_id=line.line_id,
        funder=line.funder,
        currency=line.product.currency.code,
        before=before,
        after=line.balances,
    )
    return None if entry is None else post_entry(uow.journal, entry).entry_id


def _advance(uow: LinesUnitOfWork, line: CreditLine, as_of: date) -> None:
    """Bring the line to `as_of` and post what time moved (interest, a late fee), so every
    use case — money-moving or not — leaves the ledger equal to the line."""
    before = line.balances.copy()
    start = line.accrued_through
    line.advance_to(as_of)
    # The sub-ledger before the move is part of the key: the same line brought over the same
    # dates from another state (a credit netted twice in a day, say) is another entry.
    state = hashlib.sha256(repr(before).encode()).hexdigest()[:16]
    _post(
        uow,
        line,
        before,
        key=system_key("line-advance", line.line_id, start, as_of, state),
        kind="advance",
        on=as_of,
    )


def _load(
    uow: LinesUnitOfWork, line_id: int, as_of: date, orders: Iterable[str] = ()
) -> CreditLine:
    """The line, locked and brought to `as_of` (see `_advance`)."""
    line = uow.lines.get(line_id, on=as_of, orders=orders)
    _advance(uow, line, as_of)
    return line


def _operate(
    uow: LinesUnitOfWork,
    *,
    line_id: int,
    key: str,
    kind: str,
    request: dict[str, Any],
    as_of: date,
    action: Callable[[CreditLine], dict[str, Any]],
    orders: Iterable[str] = (),
) -> dict[str, Any]:
    """Run `action` once per key: lock, replay check, change, post the entry, save."""
    line = uow.lines.get(line_id, on=as_of, orders=orders)
    request_hash = _request_hash(kind, line_id, request)
    found = uow.lines.find_operation(key)
    if found is not None:
        stored_hash, stored_outcome, _ = found
        if stored_hash != request_hash:
            raise Conflict(
                f"idempotency key {key!r} was used for a different request; use a new key"
            )
        return dict(json.loads(stored_outcome), replayed=True)
    _advance(uow, line, as_of)
    before = line.balances.copy()
    outcome = action(line)
    entry_id = _post(uow, line, before, key=key, kind=kind, on=as_of)
    uow.lines.save(line)
    uow.lines.record_operation(
        key,
        line_id=line_id,
        kind=kind,
        request_hash=request_hash,
        outcome=json.dumps(outcome, sort_keys=True, default=str),
        entry_id=entry_id,
    )
    return dict(outcome, replayed=False)


def _check_caps(
    uow: LinesUnitOfWork, line: CreditLine, amount_minor: int, as_of: date, net_assets: int | None
) -> None:
    """Everything the borrower owes or holds, plus `amount`, within the profile's caps: the
    per-borrower and concentration caps and, for individuals, the income share (on the income
    the line was granted on; other lenders' balances were counted when the limit was set)."""
    uow.events.lock_key(f"borrower:{line.borrower_ref}")
    owed = uow.exposure.outstanding_principal(line.borrower_ref)
    caps = borrower_caps(uow.profile, is_merchant=False, on=as_of, net_assets_minor=net_assets)
    income_cap = income_cap_minor(
        uow.profile, monthly_income_minor=line.monthly_income_minor, on=as_of
    )
    if income_cap is not None:
        caps["income share cap"] = income_cap
    for name, cap in caps.items():
        if owed + amount_minor > cap:
            raise LineRefused(
                "over_borrower_cap",
                f"the borrower owes or holds {format_minor(owed)}; {format_minor(amount_minor)} "
                f"more would pass the {name} of {format_minor(cap)}",
            )


def authorise(
    uow: LinesUnitOfWork,
    *,
    line_id: int,
    order_id: str,
    amount_minor: int,
    as_of: date,
    net_assets_minor: int | None = None,
) -> dict[str, Any]:
    """Hold `amount` for a merchant order (idempotent by order id); returns prompts to show."""
    line = uow.lines.get(line_id, on=as_of, orders=(order_id,))
    replay = line.holds.get(order_id)
    if replay is None:
        _advance(uow, line, as_of)
    spent_before = line.spent_minor(as_of)
    used_before = line.balances.owed_minor + line.held_minor
    hold = line.authorise(order_id, amount_minor, as_of)  # the line's own limits first
    if replay is None:  # then the borrower's caps (a refusal rolls the hold back)
        _check_caps(uow, line, amount_minor, as_of, net_assets_minor)
    prompts: list[str] = []
    if replay is None:
        prompts = spending_prompts(
            uow.profile,
            on=as_of,
            monthly_income_minor=line.monthly_income_minor,
            spent_before_minor=spent_before,
            spent_after_minor=line.spent_minor(as_of),
            limit_minor=line.limit_minor(as_of),
            used_before_minor=used_before,
            used_after_minor=line.balances.owed_minor + line.held_minor,
        )
        for prompt in prompts:
            line.record("prompt", as_of, amount_minor, prompt, order_id)
        uow.lines.save(line)
    return {
        "order_id": order_id,
        "status": hold.status.value,
        "amount_minor": hold.amount_minor,
        "expires_on": hold.expires_on.isoformat(),
        "available_minor": line.available_minor(as_of),
        "prompts": prompts,
        "replayed": replay is not None,
    }


def capture(
    uow: LinesUnitOfWork, *, line_id: int, order_id: str, amount_minor: int, as_of: date
) -> dict[str, Any]:
    def act(line: CreditLine) -> dict[str, Any]:
        return {"captured_minor": line.capture(order_id, amount_minor, as_of)}

    return _operate(
        uow,
        line_id=line_id,
        key=f"line:{line_id}:capture:{order_id}",
        kind="captured",
        request={"order": order_id, "amount": amount_minor},
        as_of=as_of,
        action=act,
        orders=(order_id,),
    )


def release(uow: LinesUnitOfWork, *, line_id: int, order_id: str, as_of: date) -> dict[str, Any]:
    line = _load(uow, line_id, as_of, orders=(order_id,))
    line.release(order_id, as_of)
    uow.lines.save(line)
    return {"order_id": order_id, "status": line.holds[order_id].status.value}


def refund(
    uow: LinesUnitOfWork,
    *,
    line_id: int,
    order_id: str,
    amount_minor: int,
    as_of: date,
    idempotency_key: str,
) -> dict[str, Any]:
    def act(line: CreditLine) -> dict[str, Any]:
        line.refund(order_id, amount_minor, as_of)
        return {"refunded_minor": amount_minor, "available_minor": line.available_minor(as_of)}

    return _operate(
        uow,
        line_id=line_id,
        key=idempotency_key,
        kind="refunded",
        request={"order": order_id, "amount": amount_minor},
        as_of=as_of,
        action=act,
        orders=(order_id,),
    )


def draw_cash(
    uow: LinesUnitOfWork,
    *,
    line_id: int,
    amount_minor: int,
    as_of: date,
    idempotency_key: str,
    net_assets_minor: int | None = None,
) -> dict[str, Any]:
    def act(line: CreditLine) -> dict[str, Any]:
        line.draw_cash(amount_minor, as_of, idempotency_key)  # the line's own limits first
        _check_caps(uow, line, amount_minor, as_of, net_assets_minor)
        return {"drawn_minor": amount_minor, "available_minor": line.available_minor(as_of)}

    return _operate(
        uow,
        line_id=line_id,
        key=idempotency_key,
        kind="cash_drawn",
        request={"amount": amount_minor},
        as_of=as_of,
        action=act,
    )


def pay(
    uow: LinesUnitOfWork, *, line_id: int, amount_minor: int, as_of: date, idempotency_key: str
) -> dict[str, Any]:
    def act(line: CreditLine) -> dict[str, Any]:
        applied = line.pay(amount_minor, as_of, idempotency_key)
        return {"applied": applied, "statement_due_minor": line.statement_due_minor}

    return _operate(
        uow,
        line_id=line_id,
        key=idempotency_key,
        kind="paid",
        request={"amount": amount_minor},
        as_of=as_of,
        action=act,
    )


def convert(
    uow: LinesUnitOfWork,
    *,
    line_id: int,
    periods: int,
    as_of: date,
    idempotency_key: str,
    order_id: str | None = None,
) -> dict[str, Any]:
    """Convert one purchase (`order_id`) or the last statement into instalments."""

    cap = uow.profile.value_or_none("annual_cost_cap", as_of)
    cost_cap = None if cap is None else Decimal(str(cap))

    def act(line: CreditLine) -> dict[str, Any]:
        if order_id is None:
            plan = line.convert_statement(periods, as_of, cost_cap=cost_cap)
        else:
            plan = line.convert_purchase(order_id, periods, as_of, cost_cap=cost_cap)
        return plan.to_json()

    return _operate(
        uow,
        line_id=line_id,
        key=idempotency_key,
        kind="converted",
        request={"order": order_id, "periods": periods},
        as_of=as_of,
        action=act,
        orders=() if order_id is None else (order_id,),
    )


def settle_plan(
    uow: LinesUnitOfWork, *, line_id: int, plan_id: str, as_of: date, idempotency_key: str
) -> dict[str, Any]:
    def act(line: CreditLine) -> dict[str, Any]:
        return {"billed_principal_minor": line.settle_plan(plan_id, as_of)}

    return _operate(
        uow,
        line_id=line_id,
        key=idempotency_key,
        kind="plan_settled",
        request={"plan": plan_id},
        as_of=as_of,
        action=act,
    )


def cut_statement(uow: LinesUnitOfWork, *, line_id: int, as_of: date) -> dict[str, Any]:
    """Cut and store the line's statement of `as_of` (once; a second call returns it)."""

    def act(line: CreditLine) -> dict[str, Any]:
        document = cut_statement_document(line, as_of, uow.lines.history(line_id), uow.profile)
        uow.lines.add_statement(line_id, document)
        return document

    return _operate(
        uow,
        line_id=line_id,
        key=f"sys:line-statement:{line_id}:{as_of.isoformat()}",
        kind="statement",
        request={"date": as_of.isoformat()},
        as_of=as_of,
        action=act,
    )


# ---- limits ----------------------------------------------------------------------------------


def _check_cooling_off(uow: LinesUnitOfWork, line: CreditLine, as_of: date) -> None:
    """No increase while the borrower's own cooling-off runs or soon after a decline."""
    if in_cooling_off(line.cooling_off_until, as_of):
        raise LineRefused(
            "cooling_off", f"no limit increase before {line.cooling_off_until} (cooling-off)"
        )
    days = int(uow.profile.value("cooling_off_days", as_of))
    if uow.exposure.declined_since(line.borrower_ref, as_of - timedelta(days)):
        raise LineRefused(
            "cooling_off_after_decline",
            f"the borrower was declined in the last {days} days; no limit increase yet",
        )


def change_limit(
    uow: LinesUnitOfWork,
    *,
    line_id: int,
    limit_minor: int,
    as_of: date,
    reason_code: str,
    facts: BorrowerFacts | None = None,
    net_assets_minor: int | None = None,
) -> dict[str, Any]:
    """Set the granted limit. An increase is checked like a grant (eligibility, multi-lending,
    caps, cooling-off) and cut to what fits; a decrease always applies."""
    line = _load(uow, line_id, as_of)
    limit = limit_minor
    if limit_minor > line.granted_limit_minor:
        if facts is None:
            raise LineRefused("facts_needed", "a limit increase needs the borrower's facts")
        _check_cooling_off(uow, line, as_of)
        check_eligible(uow.profile, facts, as_of)
        uow.events.lock_key(f"borrower:{line.borrower_ref}")
        room = headroom(
            uow.profile,
            facts,
            committed_minor=_committed_elsewhere(uow, line.borrower_ref, line, as_of),
            on=as_of,
            net_assets_minor=net_assets_minor,
        )
        limit = min(limit_minor, room.minor, line.product.max_limit_minor)
        if limit <= line.granted_limit_minor:
            raise LineRefused(
                "no_headroom", f"the {room.binding_cap} leaves no room for an increase"
            )
    line.set_granted_limit(limit, as_of, reason_code)
    uow.lines.save(line)
    return {
        "line_id": line_id,
        "granted_limit_minor": limit,
        "limit_minor": line.limit_minor(as_of),
    }


def set_self_limit(
    uow: LinesUnitOfWork, *, line_id: int, limit_minor: int | None, as_of: date
) -> dict[str, Any]:
    """The borrower lowers (or lifts, up to the granted limit) his own ceiling, at once."""
    line = _load(uow, line_id, as_of)
    days = int(uow.profile.value("cooling_off_days", as_of))
    line.set_self_limit(limit_minor, as_of, days)
    uow.lines.save(line)
    return {"line_id": line_id, "limit_minor": line.limit_minor(as_of)}


def grant_temporary_increase(
    uow: LinesUnitOfWork,
    *,
    line_id: int,
    limit_minor: int,
    until: date,
    as_of: date,
    facts: BorrowerFacts,
    net_assets_minor: int | None = None,
) -> dict[str, Any]:
    """A temporary limit for a big purchase, checked like any increase, ending on `until`."""
    line = _load(uow, line_id, as_of)
    _check_cooling_off(uow, line, as_of)
    check_eligible(uow.profile, facts, as_of)
    uow.events.lock_key(f"borrower:{line.borrower_ref}")
    room = headroom(
        uow.profile,
        facts,
        committed_minor=_committed_elsewhere(uow, line.borrower_ref, line, as_of),
        on=as_of,
        net_assets_minor=net_assets_minor,
    )
    if limit_minor > room.minor:
        raise LineRefused(
            "no_headroom",
            f"the {room.binding_cap} allows at most {format_minor(room.minor)} on this line",
        )
    line.grant_temporary_increase(limit_minor, until, as_of, "temporary_increase")
    uow.lines.save(line)
    return {"line_id": line_id, "limit_minor": line.limit_minor(as_of), "until": until}


def set_spending_cap(
    uow: LinesUnitOfWork, *, line_id: int, cap_minor: int | None, as_of: date
) -> dict[str, Any]:
    line = _load(uow, line_id, as_of)
    line.set_spending_cap(cap_minor, as_of)
    uow.lines.save(line)
    return {"line_id": line_id, "spending_cap_minor": cap_minor}


def change_status(
    uow: LinesUnitOfWork, *, line_id: int, action: str, as_of: date, reason_code: str
) -> dict[str, Any]:
    """freeze | unfreeze | close, with a reason code kept in the line's history."""
    line = _load(uow, line_id, as_of)
    actions = {"freeze": line.freeze, "unfreeze": line.unfreeze, "close": line.close}
    if action not in actions:
        raise LineRefused("unknown_action", f"use one of {sorted(actions)}, not {action!r}")
    actions[action](as_of, reason_code)
    uow.lines.save(line)
    return {"line_id": line_id, "status": line.status.value}
