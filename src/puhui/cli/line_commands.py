"""`puhui line …`: open and use credit lines, cut statements, run the line batch jobs.

Money-moving commands take an idempotency key (`--key`); without one it is derived from the
request, so the same command run twice applies once. Checkout commands are idempotent by the
merchant's order id. The lender's net assets (for the concentration cap) come from
`--net-assets` or PUHUI_NET_ASSETS, in yuan.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from puhui.batch.line_jobs import run_line_day, run_line_statements
from puhui.batch.line_review import run_line_review
from puhui.cli.database import open_engine
from puhui.cli.errors import exits_cleanly
from puhui.cli.options import DatabaseOption, DateOption, KeyOption
from puhui.cli.output import console
from puhui.cli.parsing import parse_amount, parse_day
from puhui.compliance.profile import load_profile
from puhui.core.money import format_minor
from puhui.lines import service
from puhui.lines.conversion import quote_conversion
from puhui.lines.responsible import BorrowerFacts
from puhui.lines.review import load_review_policy
from puhui.lines.review_backtest import PolicyResult, backtest_review, read_line_snapshots
from puhui.storage.uow import SqlUnitOfWork

line_app = typer.Typer(help="Revolving credit lines: checkout, statements, instalments.")

LineArgument = Annotated[int, typer.Argument(help="The line id.")]
NetAssetsOption = Annotated[
    str | None,
    typer.Option(
        "--net-assets",
        envvar="PUHUI_NET_ASSETS",
        help="The lender's prior year-end net assets in yuan (concentration cap).",
    ),
]


def _net_assets(text: str | None) -> int | None:
    return None if text is None else parse_amount(text, "net assets")


def _run(database_url: str | None, use_case: Any, **kwargs: Any) -> Any:
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        outcome = use_case(uow, **kwargs)
        uow.commit()
    return outcome


def _money(minor: int) -> str:
    return format_minor(minor)


@line_app.command("open")
@exits_cleanly
def open_command(
    borrower: Annotated[str, typer.Option(help="Your reference for the borrower.")],
    limit: Annotated[str, typer.Option(help="Requested limit, yuan.")],
    income: Annotated[str, typer.Option(help="Estimated monthly income, yuan.")],
    age: Annotated[int, typer.Option(help="The borrower's age in years.")],
    business_date: DateOption,
    statement_day: Annotated[int, typer.Option(help="Day of the month statements are cut.")] = 5,
    student: Annotated[bool, typer.Option(help="The borrower is a student.")] = False,
    inquiries: Annotated[int, typer.Option(help="Bureau inquiries in the last 30 days.")] = 0,
    other_debt: Annotated[str, typer.Option(help="Owed to other lenders, yuan.")] = "0",
    product: Annotated[str, typer.Option(help="Line product code.")] = "credit-line",
    net_assets: NetAssetsOption = None,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Open a line with the largest limit up to the request that every cap allows."""
    day = parse_day(business_date)
    requested = parse_amount(limit, "limit")
    facts = BorrowerFacts(
        age=age,
        is_student=student,
        monthly_income_minor=parse_amount(income, "income"),
        bureau_inquiries_30d=inquiries,
        other_lenders_balance_minor=parse_amount(other_debt, "other debt"),
    )
    opened = _run(
        database_url,
        service.open_line,
        borrower_ref=borrower,
        facts=facts,
        product_code=product,
        requested_limit_minor=requested,
        statement_day=statement_day,
        as_of=day,
        idempotency_key=key or f"cli:open-line:{borrower}:{product}:{day}:{requested}",
        net_assets_minor=_net_assets(net_assets),
    )
    console.print(
        f"line {opened.line_id} opened for {borrower}: limit {_money(opened.limit_minor)}"
        + ("" if opened.limit_minor == requested else f" (cut by the {opened.binding_cap})")
    )


@line_app.command("show")
@exits_cleanly
def show_command(
    line_id: LineArgument, business_date: DateOption, database_url: DatabaseOption = None
) -> None:
    """Limits, balances, open holds, instalment plans and the line's history."""
    day = parse_day(business_date)
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        line = uow.lines.get(line_id, on=day)
        history = uow.lines.history(line_id)
    b = line.balances
    console.print(
        f"line {line.line_id} ({line.product.code}, {line.status.value}) of {line.borrower_ref}: "
        f"limit {_money(line.limit_minor(day))}, available {_money(line.available_minor(day))}, "
        f"held {_money(line.held_minor)}"
    )
    console.print(
        f"owed {_money(b.owed_minor)}: purchases {_money(b.purchase_minor)}, cash "
        f"{_money(b.cash_minor)}, in instalments {_money(b.converted_minor)}, interest "
        f"{_money(b.interest_minor)}, fees {_money(b.fee_minor)}, credit {_money(b.credit_minor)}"
    )
    if line.due_on:
        console.print(
            f"statement of {line.last_statement_on}: pay {_money(line.statement_due_minor)} in "
            f"full or at least {_money(line.minimum_due_minor)} by {line.due_on}; "
            f"{line.days_past_due(day)} days past due"
        )
    for plan in line.plans.values():
        console.print(
            f"instalments {plan.plan_id}: {_money(plan.remaining_principal_minor)} left, "
            f"{plan.billed_count}/{plan.periods} billed, APR {plan.apr_percent} %"
        )
    table = Table("date", "event", "amount", "reason", "detail")
    for event in history[-20:]:
        table.add_row(
            event.business_date.isoformat(),
            event.kind,
            _money(event.amount_minor),
            event.reason_code,
            ", ".join(f"{k}={v}" for k, v in event.detail.items()),
        )
    console.print(table)


@line_app.command("authorise")
@exits_cleanly
def authorise_command(
    line_id: LineArgument,
    order: Annotated[str, typer.Option(help="The merchant's order id.")],
    amount: Annotated[str, typer.Option(help="Amount, yuan.")],
    business_date: DateOption,
    net_assets: NetAssetsOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Hold an amount for a merchant order (checkout); prints any prompt for the borrower."""
    outcome = _run(
        database_url,
        service.authorise,
        line_id=line_id,
        order_id=order,
        amount_minor=parse_amount(amount),
        as_of=parse_day(business_date),
        net_assets_minor=_net_assets(net_assets),
    )
    console.print(
        f"order {order} {outcome['status']}: {_money(outcome['amount_minor'])} until "
        f"{outcome['expires_on']}; available {_money(outcome['available_minor'])}"
    )
    for prompt in outcome["prompts"]:
        console.print(f"prompt for the borrower: {prompt}")


@line_app.command("capture")
@exits_cleanly
def capture_command(
    line_id: LineArgument,
    order: Annotated[str, typer.Option(help="The merchant's order id.")],
    amount: Annotated[str, typer.Option(help="Amount to capture, yuan (≤ the hold).")],
    business_date: DateOption,
    database_url: DatabaseOption = None,
) -> None:
    """Book the purchase of an authorised order; the rest of the hold is released."""
    outcome = _run(
        database_url,
        service.capture,
        line_id=line_id,
        order_id=order,
        amount_minor=parse_amount(amount),
        as_of=parse_day(business_date),
    )
    console.print(f"order {order} captured: {_money(outcome['captured_minor'])}")


@line_app.command("release")
@exits_cleanly
def release_command(
    line_id: LineArgument,
    order: Annotated[str, typer.Option(help="The merchant's order id.")],
    business_date: DateOption,
    database_url: DatabaseOption = None,
) -> None:
    """Release the hold of a cancelled order."""
    outcome = _run(
        database_url,
        service.release,
        line_id=line_id,
        order_id=order,
        as_of=parse_day(business_date),
    )
    console.print(f"order {order}: {outcome['status']}")


@line_app.command("refund")
@exits_cleanly
def refund_command(
    line_id: LineArgument,
    order: Annotated[str, typer.Option(help="The merchant's order id.")],
    amount: Annotated[str, typer.Option(help="Amount refunded, yuan.")],
    business_date: DateOption,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """A merchant's partial or full refund of a captured order."""
    day = parse_day(business_date)
    refunded = parse_amount(amount)
    outcome = _run(
        database_url,
        service.refund,
        line_id=line_id,
        order_id=order,
        amount_minor=refunded,
        as_of=day,
        idempotency_key=key or f"cli:refund:{line_id}:{order}:{day}:{refunded}",
    )
    console.print(
        f"refunded {_money(refunded)}; available {_money(outcome['available_minor'])}"
        + (" (replayed)" if outcome["replayed"] else "")
    )


@line_app.command("draw")
@exits_cleanly
def draw_command(
    line_id: LineArgument,
    amount: Annotated[str, typer.Option(help="Cash to draw, yuan.")],
    business_date: DateOption,
    net_assets: NetAssetsOption = None,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Draw cash against the line (interest from today)."""
    day = parse_day(business_date)
    drawn = parse_amount(amount)
    outcome = _run(
        database_url,
        service.draw_cash,
        line_id=line_id,
        amount_minor=drawn,
        as_of=day,
        idempotency_key=key or f"cli:draw:{line_id}:{day}:{drawn}",
        net_assets_minor=_net_assets(net_assets),
    )
    console.print(f"drew {_money(drawn)}; available {_money(outcome['available_minor'])}")


@line_app.command("pay")
@exits_cleanly
def pay_command(
    line_id: LineArgument,
    amount: Annotated[str, typer.Option(help="Amount paid, yuan.")],
    business_date: DateOption,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Apply a payment: fees, interest, cash, purchases; any excess is kept as a credit."""
    day = parse_day(business_date)
    paid = parse_amount(amount)
    outcome = _run(
        database_url,
        service.pay,
        line_id=line_id,
        amount_minor=paid,
        as_of=day,
        idempotency_key=key or f"cli:pay-line:{line_id}:{day}:{paid}",
    )
    parts = ", ".join(f"{name} {_money(value)}" for name, value in outcome["applied"].items())
    console.print(f"paid {_money(paid)}: {parts}" + (" (replayed)" if outcome["replayed"] else ""))


@line_app.command("quote")
@exits_cleanly
def quote_command(
    line_id: LineArgument,
    amount: Annotated[str, typer.Option(help="Principal to convert, yuan.")],
    periods: Annotated[int, typer.Option(help="Number of monthly parts.")],
    business_date: DateOption,
    database_url: DatabaseOption = None,
) -> None:
    """What converting an amount into instalments costs: every part and the APR."""
    day = parse_day(business_date)
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        line = uow.lines.get(line_id, on=day)
    quote = quote_conversion(
        line.product,
        principal_minor=parse_amount(amount),
        periods=periods,
        on=day,
        statement_day=line.statement_day,
    )
    console.print(
        f"APR {quote.apr.nominal_percent()} % — {periods} parts, fee "
        f"{_money(quote.fee_per_period_minor)} a month ({quote.fee_rate_per_period * 100} % of "
        f"the principal), {_money(quote.total_fee_minor)} in all"
    )
    table = Table("due", "principal", "fee", "total")
    for row in quote.rows:
        table.add_row(
            row.due_date.isoformat(),
            _money(row.principal_minor),
            _money(row.fee_minor),
            _money(row.total_minor),
        )
    console.print(table)


@line_app.command("convert")
@exits_cleanly
def convert_command(
    line_id: LineArgument,
    periods: Annotated[int, typer.Option(help="Number of monthly parts.")],
    business_date: DateOption,
    order: Annotated[
        str | None, typer.Option(help="Convert this purchase (default: the last statement).")
    ] = None,
    key: KeyOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Convert a purchase or the last statement into monthly instalments."""
    day = parse_day(business_date)
    plan = _run(
        database_url,
        service.convert,
        line_id=line_id,
        periods=periods,
        as_of=day,
        order_id=order,
        idempotency_key=key or f"cli:convert:{line_id}:{order}:{day}:{periods}",
    )
    console.print(
        f"{plan['plan_id']}: {_money(plan['principal_minor'])} in {plan['periods']} parts, fee "
        f"{_money(plan['fee_per_period_minor'])} a month, APR {plan['apr_percent']} %"
    )


@line_app.command("statement")
@exits_cleanly
def statement_command(
    line_id: LineArgument, business_date: DateOption, database_url: DatabaseOption = None
) -> None:
    """Cut (once) and print the line's statement of a date."""
    document = _run(
        database_url, service.cut_statement, line_id=line_id, as_of=parse_day(business_date)
    )
    _print_statement(document)


def _print_statement(document: dict[str, Any]) -> None:
    console.print(
        f"statement {document['statement_date']} of line {document['line_id']}: balance "
        f"{_money(document['statement_balance_minor'])}, minimum "
        f"{_money(document['minimum_payment_minor'])}, due {document['due_date']}"
    )
    table = Table("date", "transaction", "amount", "reference")
    for item in document["lines"]:
        table.add_row(item["date"], item["kind"], _money(item["amount_minor"]), item["reference"])
    console.print(table)
    for plan in document["instalment_plans"]:
        console.print(
            f"instalments {plan['plan_id']}: part {plan['billed_count']}/{plan['periods']}, "
            f"APR {plan['apr_percent']} %"
        )


@line_app.command("temporary-increase")
@exits_cleanly
def temporary_increase_command(
    line_id: LineArgument,
    limit: Annotated[str, typer.Option(help="The temporary limit, yuan.")],
    until: Annotated[str, typer.Option(help="Last day it applies, YYYY-MM-DD.")],
    income: Annotated[str, typer.Option(help="Estimated monthly income, yuan.")],
    age: Annotated[int, typer.Option(help="The borrower's age in years.")],
    business_date: DateOption,
    student: Annotated[bool, typer.Option(help="The borrower is a student.")] = False,
    inquiries: Annotated[int, typer.Option(help="Bureau inquiries in the last 30 days.")] = 0,
    other_debt: Annotated[str, typer.Option(help="Owed to other lenders, yuan.")] = "0",
    net_assets: NetAssetsOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """A temporary limit for a big purchase, checked like any increase (eligibility, bureau,
    caps, income share, cooling-off)."""
    outcome = _run(
        database_url,
        service.grant_temporary_increase,
        line_id=line_id,
        limit_minor=parse_amount(limit, "limit"),
        until=parse_day(until, "until"),
        as_of=parse_day(business_date),
        facts=BorrowerFacts(
            age=age,
            is_student=student,
            monthly_income_minor=parse_amount(income, "income"),
            bureau_inquiries_30d=inquiries,
            other_lenders_balance_minor=parse_amount(other_debt, "other debt"),
        ),
        net_assets_minor=_net_assets(net_assets),
    )
    console.print(
        f"line {line_id}: limit {_money(outcome['limit_minor'])} until {outcome['until']}"
    )


@line_app.command("self-limit")
@exits_cleanly
def self_limit_command(
    line_id: LineArgument,
    business_date: DateOption,
    amount: Annotated[str | None, typer.Option(help="New ceiling, yuan; omit to remove.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """The borrower sets his own ceiling (lowering applies at once and starts a cooling-off)."""
    outcome = _run(
        database_url,
        service.set_self_limit,
        line_id=line_id,
        limit_minor=None if amount is None else parse_amount(amount),
        as_of=parse_day(business_date),
    )
    console.print(f"line {line_id}: limit now {_money(outcome['limit_minor'])}")


@line_app.command("status")
@exits_cleanly
def status_command(
    line_id: LineArgument,
    action: Annotated[str, typer.Argument(help="freeze, unfreeze or close.")],
    reason: Annotated[str, typer.Option(help="Reason code kept in the history.")],
    business_date: DateOption,
    database_url: DatabaseOption = None,
) -> None:
    """Freeze, unfreeze or close a line, with a reason code."""
    outcome = _run(
        database_url,
        service.change_status,
        line_id=line_id,
        action=action,
        as_of=parse_day(business_date),
        reason_code=reason,
    )
    console.print(f"line {line_id}: {outcome['status']}")


@line_app.command("run-day")
@exits_cleanly
def run_day_command(business_date: DateOption, database_url: DatabaseOption = None) -> None:
    """The daily pass: judge due dates that passed, expire stale holds (idempotent)."""
    summary = run_line_day(open_engine(database_url), parse_day(business_date))
    console.print(
        f"{summary.lines:,} lines brought to {summary.day}: {summary.late_fees_charged:,} late "
        f"fees, {summary.holds_expired:,} holds expired"
    )


@line_app.command("run-statements")
@exits_cleanly
def run_statements_command(business_date: DateOption, database_url: DatabaseOption = None) -> None:
    """Cut every statement due on a date (resumable; a line is never cut twice)."""
    summary = run_line_statements(open_engine(database_url), parse_day(business_date))
    console.print(
        f"{summary.lines:,} statements of {summary.day}: balances "
        f"{_money(summary.statement_balance_minor)}, minimum payments "
        f"{_money(summary.minimum_payment_minor)}"
    )
    if summary.blocked_line_ids:
        shown = ", ".join(str(line_id) for line_id in summary.blocked_line_ids[:10])
        console.print(
            f"not cut: {len(summary.blocked_line_ids):,} line(s) already hold events after "
            f"{summary.day} (e.g. {shown}); run the statement run at the end of each day, "
            "before the next day's events"
        )


@line_app.command("review")
@exits_cleanly
def review_command(
    business_date: DateOption,
    dry_run: Annotated[bool, typer.Option(help="Report the changes without writing.")] = False,
    policy: Annotated[
        str | None, typer.Option(help="Review policy YAML (default: shipped).")
    ] = None,
    net_assets: NetAssetsOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The limit review: freezes and decreases on delinquency. Increases need a bureau adapter
    (the Python API's `bureau=`); from the command line no limit is raised."""
    day: date = parse_day(business_date)
    summary = run_line_review(
        open_engine(database_url),
        day,
        load_profile(),
        load_review_policy(policy),
        net_assets_minor=_net_assets(net_assets),
        dry_run=dry_run,
    )
    console.print(
        f"{summary.lines:,} lines reviewed{' (dry run)' if dry_run else ''}: mean behaviour "
        f"score {summary.mean_score:.0f}; granted limits {_money(summary.granted_before_minor)} → "
        f"{_money(summary.granted_after_minor)}"
    )
    for reason, count in sorted(summary.changes.items()):
        console.print(f"  {reason}: {count:,}")


@line_app.command("review-backtest")
@exits_cleanly
def review_backtest_command(
    data: Annotated[str, typer.Option(help="CSV of line snapshots with a later outcome.")],
    target: Annotated[str, typer.Option(help="Column: 1/true when the line went bad.")],
    challenger: Annotated[str | None, typer.Option(help="A second review policy YAML.")] = None,
) -> None:
    """Replay line snapshots through the shipped policy (and a challenger) side by side."""
    policies = {"champion": load_review_policy()}
    if challenger is not None:
        policies["challenger"] = load_review_policy(challenger)
    columns, room, went_bad = read_line_snapshots(data, target)
    table = Table("", *policies)
    results = backtest_review(policies, columns, room, went_bad)
    rows: list[tuple[str, Callable[[PolicyResult], str]]] = [
        ("lines", lambda r: f"{r.lines:,}"),
        ("increases", lambda r: f"{r.increases:,}"),
        ("decreases", lambda r: f"{r.decreases:,}"),
        ("freezes", lambda r: f"{r.freezes:,}"),
        ("limit added", lambda r: _money(r.limit_added_minor)),
        ("limit removed", lambda r: _money(r.limit_removed_minor)),
        ("bad rate of raised lines", lambda r: f"{r.bad_rate_increased:.2%}"),
        ("bad rate of lines left alone", lambda r: f"{r.bad_rate_unchanged:.2%}"),
        ("bad rate of cut or frozen lines", lambda r: f"{r.bad_rate_cut:.2%}"),
        ("limit added to lines that went bad", lambda r: _money(r.limit_added_to_bad_minor)),
    ]
    for label, show in rows:
        table.add_row(label, *(show(result) for result in results))
    console.print(table)
