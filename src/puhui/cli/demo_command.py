"""`puhui demo`: a synthetic lender's first year, then its portfolio and ledger verification."""

from __future__ import annotations

import os
import secrets
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from puhui.api.settings import ApiSettings
from puhui.batch.summary import PortfolioSummary, portfolio_summary
from puhui.batch.verify import verify
from puhui.cli.database import open_engine
from puhui.cli.errors import exits_cleanly
from puhui.cli.operations_commands import eod_progress, print_eod, print_report
from puhui.cli.output import console
from puhui.compliance.profile import load_profile
from puhui.core.errors import InvalidInput
from puhui.core.money import format_minor
from puhui.security.personal_data import KeyRing
from puhui.sim.business import Funnel
from puhui.sim.demo import OPENING_CAPITAL_MINOR, DemoSettings, run_demo
from puhui.sim.demo_access import DemoAccess, seed_demo_access
from puhui.sim.line_demo import LineDemoStats
from puhui.sim.underwriting import Underwriting
from puhui.storage.engine import make_engine

DEMO_DATABASE = "puhui-demo.db"
DEMO_ENV_FILE = Path("puhui-demo.env")


def _fresh_demo_engine(database_url: str | None):  # type: ignore[no-untyped-def]
    """The demo's own SQLite file (recreated each run), or an empty database the user names."""
    if database_url is None:
        for suffix in ("", "-wal", "-shm"):
            Path(DEMO_DATABASE + suffix).unlink(missing_ok=True)
        return make_engine(f"sqlite:///{DEMO_DATABASE}")
    engine = open_engine(database_url, require_schema=False)
    with engine.connect() as connection:
        has_loans = (
            connection.dialect.has_table(connection, "loans")
            and connection.exec_driver_sql("SELECT COUNT(*) FROM loans").scalar()
        )
    if has_loans:
        raise InvalidInput(
            "the demo needs an empty database, and this one has loans; omit --database-url to "
            f"use the demo's own {DEMO_DATABASE}"
        )
    return engine


def _print_summary(summary: PortfolioSummary) -> None:
    table = Table(title=f"live portfolio on {summary.as_of}")
    for column in ("product", "bucket", "loans", "principal", "receivable"):
        table.add_column(column, justify="right" if column not in ("product", "bucket") else "left")
    for (product, bucket), row in summary.by_product_bucket.items():
        table.add_row(
            product,
            bucket,
            f"{row.loans:,}",
            format_minor(row.principal_minor),
            format_minor(row.receivable_minor),
        )
    console.print(table)
    console.print(
        "loans by status: "
        + ", ".join(f"{status} {count:,}" for status, count in sorted(summary.by_status.items()))
    )
    ledger = summary.ledger
    income = {
        name: -ledger.get(name, 0)
        for name in ("interest_income", "fee_income", "penalty_income", "recovery_income")
    }
    console.print(
        "income: "
        + ", ".join(f"{k.removesuffix('_income')} {format_minor(v)}" for k, v in income.items())
        + f"; written off {format_minor(ledger.get('write_off_expense', 0))}; "
        f"credit balances owed to borrowers {format_minor(-ledger.get('credit_balance', 0))}"
    )


def _print_underwriting(underwriting: Underwriting, funnel: Funnel) -> None:
    evaluation = underwriting.model.evaluation
    console.print(
        f"[bold]model[/]: {underwriting.model.scorer.version} trained on last year's "
        f"applicants; hold-out AUC {evaluation.auc:.3f}, KS {evaluation.ks:.3f}; saved to "
        f"{underwriting.model.directory}"
    )
    table = Table(title=f"decision funnel: {funnel.applications:,} applications")
    outcomes = ("approve", "refer", "decline")
    table.add_column("strategy")
    for outcome in outcomes:
        table.add_column(outcome, justify="right")
    for strategy in sorted({name for name, _ in funnel.by_strategy}):
        counts = [funnel.by_strategy[(strategy, outcome)] for outcome in outcomes]
        table.add_row(strategy, *(f"{count:,}" for count in counts))
    table.add_row(
        "would default (ground truth)",
        *(
            f"{funnel.defaulters[o] / funnel.outcomes[o]:.1%}" if funnel.outcomes[o] else "–"
            for o in outcomes
        ),
    )
    console.print(table)
    top = ", ".join(
        f"{reason} {count:,}" for reason, count in funnel.decline_reasons.most_common(5)
    )
    console.print(
        f"offers booked {funnel.booked:,}, refused at acceptance (per-borrower cap) "
        f"{funnel.refused_at_acceptance:,}; top decline reasons: {top or 'none'}"
    )


def _print_lines(lines: LineDemoStats) -> None:
    refused = ", ".join(f"{reason} {count:,}" for reason, count in lines.refused.most_common())
    declined = ", ".join(
        f"{reason} {count:,}" for reason, count in lines.checkouts_refused.most_common()
    )
    console.print(
        f"[bold]credit lines[/]: {lines.applied:,} consumers applied, {lines.opened:,} lines "
        f"opened (refused: {refused or 'none'}); {lines.checkouts:,} checkouts "
        f"(declined: {declined or 'none'}), {lines.refunds:,} refunds, {lines.cash_draws:,} "
        f"cash draws, {lines.conversions:,} statements converted into instalments; "
        f"{lines.statements:,} statements cut, paid in full {lines.payments['in full']:,}, "
        f"at the minimum {lines.payments['minimum']:,}, not paid {lines.payments['nothing']:,}; "
        f"{lines.late_fees:,} late fees; spending prompts shown "
        + ", ".join(f"{reason} {count:,}" for reason, count in lines.prompts.most_common())
        + "; limit reviews "
        + ", ".join(f"{reason} {count:,}" for reason, count in lines.review_changes.most_common())
        + f"; {lines.contacts_planned:,} reminders and collection contacts planned (loans and "
        "lines, within quiet hours and the daily cap)"
    )


def write_demo_settings(path: Path, url: str, demo: DemoSettings, history: int) -> ApiSettings:
    """The server's settings for the demo database: fresh secrets each run (file mode 0600)."""
    values = {
        "PUHUI_DATABASE_URL": url,
        "PUHUI_TOKEN_SECRET": secrets.token_urlsafe(32),
        "PUHUI_PII_KEYS": KeyRing.new_key_text("k1"),
        "PUHUI_MODEL_DIR": str(demo.model_directory.resolve()),
        "PUHUI_POPULATION_SEED": str(demo.seed),
        "PUHUI_POPULATION_SIZE": str(max(history + demo.loans, 1)),
        "PUHUI_NET_ASSETS_MINOR": str(OPENING_CAPITAL_MINOR),
    }
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)  # private from birth
    with os.fdopen(descriptor, "w") as file:
        file.write(
            "# written by `puhui demo`: the demo server's settings and secrets (keep private)\n"
            + "".join(f"{key}={value}\n" for key, value in values.items())
        )
    return ApiSettings.from_environment(values)


def _print_access(access: DemoAccess, no_serve: bool) -> None:
    table = Table(title="demo sign-ins (console: http://127.0.0.1:8000/console)")
    for column in ("username", "password", "role"):
        table.add_column(column)
    for username, password, role in access.sign_ins:
        table.add_row(username, password, role)
    console.print(table)
    console.print(
        f"{access.customers:,} customers with sealed personal data; checkout channel API key "
        f"(shown once): {access.api_key}"
    )
    console.print(
        "borrowers sign in at http://127.0.0.1:8000/me/login; API docs at "
        "http://127.0.0.1:8000/api/v1/docs" + ("" if no_serve else "; serving now (Ctrl-C stops)")
    )


@exits_cleanly
def demo_command(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Do not start a server after.")
    ] = False,
    loans: Annotated[
        int,
        typer.Option(
            help="Loans planned (cash and BNPL ones are applications).", min=1, max=1_000_000
        ),
    ] = 2_000,
    history: Annotated[
        int,
        typer.Option(help="Last year's applicants the model learns from (0: no engine).", min=0),
    ] = 20_000,
    days: Annotated[int, typer.Option(help="Business days to run.", min=1, max=3_650)] = 365,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic population.")] = 2025,
    start: Annotated[str, typer.Option(help="First business day.")] = "2025-01-02",
    database_url: Annotated[
        str | None,
        typer.Option(help=f"An empty database to use (default: a fresh {DEMO_DATABASE})."),
    ] = None,
    port: Annotated[int, typer.Option(help="Port of the console.", min=1, max=65535)] = 8000,
) -> None:
    """Simulate a lender's first year (every product, late payers, prepayments, refunds,
    defaults), print the portfolio, verify the ledger, then serve the console and the API on
    127.0.0.1 (sign-ins printed) unless --no-serve."""
    try:
        first_day = date.fromisoformat(start)
    except ValueError:
        raise InvalidInput(f"start {start!r} is not a date; write it as YYYY-MM-DD") from None
    engine = _fresh_demo_engine(database_url)
    profile = load_profile()
    settings = DemoSettings(
        loans=loans,
        days=days,
        first_day=first_day,
        seed=seed,
        booking_days=min(120, days),
        history=history,
    )
    if history:
        console.print(
            f"training a scorecard on last year's {history:,} simulated applicants; the decision "
            "engine then decides this year's cash-loan and BNPL applications"
        )
    started = time.perf_counter()
    with eod_progress() as progress:
        task = progress.add_task("simulating", total=days)

        def advance(day: date, done: int) -> None:
            progress.update(task, description=f"business day {day}", completed=done)

        result = run_demo(engine, profile, settings, advance)
    stats = result.stats
    elapsed = time.perf_counter() - started
    console.print(
        f"[bold]simulated {days} business days in {elapsed:.1f} s[/]: {stats.booked:,} loans "
        f"booked, {stats.repayments:,} repayments, {stats.reversals:,} bounced and reversed, "
        f"{stats.refunds:,} merchant refunds, {stats.payouts:,} credit payouts, "
        f"{stats.refused:,} planned actions refused (loan already closed or charged off)"
    )
    if result.underwriting is not None:
        _print_underwriting(result.underwriting, stats.funnel)
    print_eod(stats.eod)
    _print_summary(portfolio_summary(engine, profile))
    if result.lines is not None:
        _print_lines(result.lines)
    report = verify(engine)
    print_report(report)
    if not report.ok:
        raise typer.Exit(1)
    url = database_url or f"sqlite:///{DEMO_DATABASE}"
    server_settings = write_demo_settings(DEMO_ENV_FILE, url, settings, history)
    moment = datetime.now(UTC).replace(tzinfo=None)
    access = seed_demo_access(engine, server_settings.keyring, seed, moment)
    _print_access(access, no_serve)
    if not no_serve:
        from puhui.web.server import serve  # the web stack only when serving (start-up time)

        engine.dispose()
        serve(host="127.0.0.1", port=port, workers=1, env_file=DEMO_ENV_FILE)
