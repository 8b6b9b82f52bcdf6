"""`puhui collections plan` and `puhui review …`: contacts within the conduct rules, and the
queue of borrowers' requests for a human review of an automated decision."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from puhui.batch.collections import plan_contacts
from puhui.cli.database import open_engine
from puhui.cli.errors import exits_cleanly
from puhui.cli.options import DatabaseOption, DateOption
from puhui.cli.output import console
from puhui.cli.parsing import parse_day
from puhui.compliance.reviews import decide_review, request_review
from puhui.storage.uow import SqlUnitOfWork

collections_app = typer.Typer(help="Reminders and collection contacts.", no_args_is_help=True)
review_app = typer.Typer(help="Human review of automated decisions.", no_args_is_help=True)


@collections_app.command("plan")
@exits_cleanly
def plan_command(business_date: DateOption, database_url: DatabaseOption = None) -> None:
    """Plan the day's reminders and collection contacts (quiet hours, daily cap), once."""
    plan = plan_contacts(open_engine(database_url), parse_day(business_date))
    console.print(
        f"{plan.day}: {plan.reminders:,} reminders and {plan.collections:,} collection contacts "
        f"planned; {plan.moved:,} moved later by the quiet hours or the daily cap"
    )


@review_app.command("request")
@exits_cleanly
def request_command(
    borrower: Annotated[str, typer.Option(help="The borrower's reference.")],
    subject: Annotated[str, typer.Option(help="What to review: decision:ID or line:ID.")],
    reasons: Annotated[str, typer.Option(help="The reasons the borrower was given.")],
    business_date: DateOption,
    database_url: DatabaseOption = None,
) -> None:
    """Queue a borrower's request for a human review (one open request per subject)."""
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        request_id = request_review(
            uow.conduct,
            borrower_ref=borrower,
            subject=subject,
            reasons=reasons,
            on=parse_day(business_date),
        )
        uow.commit()
    console.print(f"review request {request_id} for {subject} is open")


@review_app.command("list")
@exits_cleanly
def list_command(database_url: DatabaseOption = None) -> None:
    """The open review requests, oldest first."""
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        requests = uow.conduct.open_requests()
    table = Table("id", "requested", "borrower", "subject", "reasons")
    for item in requests:
        table.add_row(
            str(item.request_id),
            item.requested_on.isoformat(),
            item.borrower_ref,
            item.subject,
            item.reasons,
        )
    console.print(table)


@review_app.command("decide")
@exits_cleanly
def decide_command(
    request_id: Annotated[int, typer.Argument(help="The request id.")],
    outcome: Annotated[str, typer.Option(help="upheld or overturned.")],
    reviewer: Annotated[str, typer.Option(help="Who reviewed.")],
    note: Annotated[str, typer.Option(help="Why.")],
    business_date: DateOption,
    database_url: DatabaseOption = None,
) -> None:
    """Record a reviewer's outcome (once)."""
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        decided = decide_review(
            uow.conduct,
            request_id=request_id,
            outcome=outcome,
            reviewer=reviewer,
            note=note,
            on=parse_day(business_date),
        )
        uow.commit()
    console.print(f"review request {request_id}: {decided.outcome} by {decided.reviewer}")
