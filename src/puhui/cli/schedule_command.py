"""`puhui schedule`: print the exact schedule and APR for a set of terms."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from puhui.cli.errors import exits_cleanly
from puhui.cli.output import console
from puhui.cli.parsing import parse_day, parse_percent
from puhui.core.errors import InvalidInput
from puhui.core.money import format_minor, parse_minor
from puhui.loans.products import load_catalog
from puhui.loans.schedule import Schedule, generate_schedule


def schedule_as_dict(schedule: Schedule) -> dict[str, Any]:
    """The JSON shape of `puhui schedule --json` (amounts as exact decimal strings)."""
    currency = schedule.terms.currency
    return {
        "currency": currency.code,
        "instalments": [
            {
                "period": row.period,
                "due_date": row.due_date.isoformat(),
                "principal": format_minor(row.principal_minor, currency),
                "interest": format_minor(row.interest_minor, currency),
                "fee": format_minor(row.fee_minor, currency),
                "total": format_minor(row.total_minor, currency),
                "balance": format_minor(row.balance_minor, currency),
            }
            for row in schedule.instalments
        ],
        "total_interest": format_minor(schedule.total_interest_minor, currency),
        "total_fee": format_minor(schedule.total_fee_minor, currency),
        "apr_nominal_percent": str(schedule.apr.nominal_percent()),
        "apr_effective_percent": str(schedule.apr.effective_percent()),
    }


@exits_cleanly
def schedule_command(
    principal: Annotated[str, typer.Option(help="Amount lent, in major units (e.g. 5000).")],
    start: Annotated[str, typer.Option(help="Start (disbursal) date, YYYY-MM-DD.")],
    product: Annotated[
        str, typer.Option(help="Product whose defaults fill options not given.")
    ] = "cash-instalment",
    annual_rate_percent: Annotated[str | None, typer.Option(help="Annual rate in %.")] = None,
    periods: Annotated[int | None, typer.Option(help="Number of periods (1–60).")] = None,
    frequency: Annotated[str | None, typer.Option(help="weekly|biweekly|monthly|quarterly")] = None,
    method: Annotated[
        str | None,
        typer.Option(help="equal_instalment|equal_principal|flat|interest_only|bullet"),
    ] = None,
    interest_basis: Annotated[str | None, typer.Option(help="period|daily")] = None,
    day_count: Annotated[
        str | None, typer.Option(help="30/360|actual/360|actual/365|actual/actual")
    ] = None,
    rounding: Annotated[str | None, typer.Option(help="half_up|half_even")] = None,
    instalment_multiple: Annotated[
        str | None,
        typer.Option(help="Round instalments to this multiple, in major units (1 = whole yuan)."),
    ] = None,
    principal_grace: Annotated[
        int | None, typer.Option(help="Interest-only periods first.")
    ] = None,
    down_payment_percent: Annotated[
        str | None, typer.Option(help="Down payment, % of principal.")
    ] = None,
    fee_percent_per_period: Annotated[
        str | None, typer.Option(help="Fee per period, % of the financed amount.")
    ] = None,
    first_due_date: Annotated[
        str | None, typer.Option(help="Broken first period ends here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print a loan's exact repayment schedule and its APR (IRR of the real cash flows)."""
    catalog = load_catalog()
    if product not in catalog:
        raise InvalidInput(f"unknown product {product!r}; choose one of {sorted(catalog)}")
    chosen = catalog[product]
    currency = chosen.currency
    overrides: dict[str, Any] = {}
    if annual_rate_percent is not None:
        overrides["annual_rate"] = parse_percent(annual_rate_percent, "annual rate")
    for key, value in (
        ("periods", periods),
        ("frequency", frequency),
        ("method", method),
        ("interest_basis", interest_basis),
        ("day_count", day_count),
        ("rounding", rounding),
        ("principal_grace_periods", principal_grace),
    ):
        if value is not None:
            overrides[key] = value
    if instalment_multiple is not None:
        overrides["instalment_multiple_minor"] = parse_minor(
            instalment_multiple, currency, what="instalment multiple"
        )
    if down_payment_percent is not None:
        overrides["down_payment_rate"] = parse_percent(down_payment_percent, "down payment")
    if fee_percent_per_period is not None:
        overrides["fee_rate_per_period"] = parse_percent(fee_percent_per_period, "fee per period")
    if first_due_date is not None:
        overrides["first_due_date"] = parse_day(first_due_date, "first due date")
    terms = chosen.terms(
        principal_minor=parse_minor(principal, currency, what="principal"),
        start_date=parse_day(start, "start date"),
        overrides=overrides,
    )
    schedule = generate_schedule(terms)
    document = schedule_as_dict(schedule)
    if as_json:
        typer.echo(json.dumps(document, indent=2))
        return
    table = Table(
        title=f"{chosen.name}: {format_minor(terms.principal_minor, currency)} "
        f"{currency.code} at {terms.annual_rate * 100}% a year"
    )
    for column in ("period", "due_date", "principal", "interest", "fee", "total", "balance"):
        table.add_column(column, justify="right")
    for row in document["instalments"]:
        table.add_row(*(str(row[c]) for c in row))
    console.print(table)
    console.print(
        f"[bold]APR {document['apr_nominal_percent']} %[/] nominal "
        f"({document['apr_effective_percent']} % effective), fees included"
    )
