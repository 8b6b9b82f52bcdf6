"""Entry point of the `puhui` command: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from puhui.cli.access_commands import keys_app, serve_command, users_app
from puhui.cli.conduct_commands import collections_app, review_app
from puhui.cli.decision_commands import decision_app
from puhui.cli.demo_command import demo_command
from puhui.cli.line_commands import line_app
from puhui.cli.loan_commands import loan_app
from puhui.cli.model_commands import model_app
from puhui.cli.operations_commands import eod_command, init_command, verify_command
from puhui.cli.schedule_command import schedule_command
from puhui.cli.sim_commands import sim_app
from puhui.cli.strategy_commands import strategy_app

app = typer.Typer(
    name="puhui",
    help="puhui: open-source digital micro-lending — decisioning, servicing and ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("schedule")(schedule_command)
app.command("init")(init_command)
app.command("eod")(eod_command)
app.command("verify")(verify_command)
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.add_typer(loan_app, name="loan")
app.add_typer(line_app, name="line")
app.add_typer(collections_app, name="collections")
app.add_typer(review_app, name="review")
app.add_typer(decision_app, name="decision")
app.add_typer(sim_app, name="sim")
app.add_typer(model_app, name="model")
app.add_typer(strategy_app, name="strategy")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")


@app.callback()
def main() -> None:
    """puhui: open-source digital micro-lending — decisioning, servicing and ledger."""
