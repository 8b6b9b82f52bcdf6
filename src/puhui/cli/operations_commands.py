"""`puhui init`, `puhui eod` and `puhui verify`: the operator's daily commands."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from puhui.batch.eod import DaySummary, run_eod
from puhui.batch.verify import VerifyReport, verify
from puhui.cli.database import open_engine
from puhui.cli.errors import exits_cleanly
from puhui.cli.output import console
from puhui.cli.parsing import parse_day
from puhui.compliance.profile import load_profile
from puhui.core.money import format_minor
from puhui.storage.setup import initialise


@exits_cleanly
def init_command(
    database_url: Annotated[str | None, typer.Option(help="Default: PUHUI_DATABASE_URL.")] = None,
) -> None:
    """Create or migrate the database and register the shipped products."""
    engine = open_engine(database_url, require_schema=False)
    codes = initialise(engine)
    console.print(
        f"database ready at {engine.url.render_as_string(hide_password=True)}; "
        f"products: {', '.join(codes)}"
    )


def eod_progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def print_eod(summaries: list[DaySummary]) -> None:
    if not summaries:
        console.print("nothing to do: every date up to the one asked for is already closed")
        return
    loans = sum(s.loans_processed for s in summaries)
    seconds = sum(s.seconds for s in summaries)
    console.print(
        f"closed {len(summaries)} business date(s) {summaries[0].business_date} → "
        f"{summaries[-1].business_date}: {loans:,} loan-days in {seconds:.2f} s; "
        f"{sum(s.instalments_billed for s in summaries):,} instalments billed, "
        f"{sum(s.late_fees_charged for s in summaries):,} late fees, "
        f"{sum(s.charged_off for s in summaries):,} charge-offs; interest accrued "
        f"{format_minor(sum(s.interest_accrued_minor for s in summaries))}, penalty "
        f"{format_minor(sum(s.penalty_accrued_minor for s in summaries))}"
    )


@exits_cleanly
def eod_command(
    business_date: Annotated[str, typer.Option("--date", help="Close every day up to this one.")],
    database_url: Annotated[str | None, typer.Option(help="Default: PUHUI_DATABASE_URL.")] = None,
) -> None:
    """Run end-of-day through a business date (catches up skipped dates; safe to rerun)."""
    day = parse_day(business_date)
    engine = open_engine(database_url)
    with eod_progress() as progress:
        task = progress.add_task("end of day", total=None)

        def advance(current: date, done: int, total: int) -> None:
            progress.update(task, description=f"end of day {current}", completed=done, total=total)

        summaries = run_eod(engine, day, load_profile(), progress=advance)
    print_eod(summaries)


def print_report(report: VerifyReport) -> None:
    table = Table(title="ledger verification")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for check in report.checks:
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAILED[/]", check.detail)
    console.print(table)


@exits_cleanly
def verify_command(
    database_url: Annotated[str | None, typer.Option(help="Default: PUHUI_DATABASE_URL.")] = None,
) -> None:
    """Prove every entry balances and every loan reconciles to the general ledger."""
    report = verify(open_engine(database_url))
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)
