"""`puhui decision explain`: why an application was decided as it was, in words."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from puhui.cli.database import open_engine
from puhui.cli.errors import exits_cleanly
from puhui.cli.output import console
from puhui.core.money import format_minor
from puhui.credit.features import DESCRIPTIONS
from puhui.credit.service import find_decision
from puhui.storage.uow import SqlUnitOfWork

decision_app = typer.Typer(help="Look into stored decisions.", no_args_is_help=True)


@decision_app.command("explain")
@exits_cleanly
def explain_command(
    application_id: Annotated[str, typer.Argument(help="The application id.")],
    database_url: Annotated[str | None, typer.Option(help="Default: PUHUI_DATABASE_URL.")] = None,
) -> None:
    """The outcome, its reasons, the rules fired, score and PD, and the versions that decided."""
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        record = find_decision(uow, application_id)
    console.print(
        f"application {record.application_id} (applicant {record.applicant_id}) on "
        f"{record.business_date}: [bold]{record.outcome}[/]"
    )
    if record.offer is not None:
        offer = record.offer
        console.print(
            f"offer: {format_minor(offer.amount_minor)} over {offer.periods} periods, "
            f"[bold]APR {offer.apr_nominal_percent} %[/] (contract rate "
            f"{Decimal(offer.annual_rate) * 100:.2f} %), band {offer.band}, "
            f"first instalment {format_minor(offer.first_instalment_minor)}"
        )
    if record.reasons:
        console.print("reasons:")
        for reason in record.reasons:
            console.print(f"  • {reason.description} [dim]({reason.code}, {reason.source})[/]")
    if record.pd is not None:
        console.print(f"score {record.score}, probability of default {record.pd:.2%}")
    console.print(
        f"rules fired: {', '.join(record.rules_fired) or 'none'}; rule set "
        f"{record.rule_set}, model {record.model}, strategy {record.strategy}"
    )
    if record.features:
        table = Table(title="what the decision saw")
        table.add_column("characteristic")
        table.add_column("value", justify="right")
        for name, value in record.features.items():
            table.add_row(
                DESCRIPTIONS.get(name, name), "unknown" if value is None else f"{value:,.4g}"
            )
        console.print(table)
