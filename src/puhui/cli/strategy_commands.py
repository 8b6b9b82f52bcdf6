"""`puhui strategy backtest`: one or two strategies over labelled history, side by side."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from puhui.cli.errors import exits_cleanly
from puhui.cli.output import console
from puhui.core.errors import InvalidInput
from puhui.credit.backtest import BacktestResult, backtest
from puhui.credit.models import load_scorer
from puhui.credit.strategy import load_strategy

strategy_app = typer.Typer(help="Decision strategies.", no_args_is_help=True)


def _column(frame: pd.DataFrame, name: str, what: str) -> np.ndarray:
    if name not in frame.columns:
        raise InvalidInput(
            f"{what} column {name!r} is not in the data; columns: "
            f"{', '.join(map(str, frame.columns[:30]))}"
        )
    values: np.ndarray = frame[name].to_numpy()
    return values


def _load(data: Path) -> pd.DataFrame:
    if not data.is_file():
        raise InvalidInput(f"no data file {data}")
    try:
        return pd.read_csv(data)
    except (ValueError, pd.errors.ParserError) as error:
        raise InvalidInput(f"{data} is not a readable CSV: {error}") from None


def _pd_values(frame: pd.DataFrame, pd_column: str | None, model: Path | None) -> np.ndarray:
    if (pd_column is None) == (model is None):
        raise InvalidInput("give exactly one of --pd-column (PDs in the data) or --model DIR")
    if pd_column is not None:
        values: np.ndarray = _column(frame, pd_column, "PD").astype(np.float64)
    else:
        assert model is not None
        values = load_scorer(model).score_many(
            {
                name: frame[name].to_numpy(np.float64)
                for name in frame.columns
                if frame[name].dtype.kind in "biuf"
            }
        )
    if np.isnan(values).any() or (values < 0).any() or (values > 1).any():
        raise InvalidInput("PDs must be numbers between 0 and 1 for every row")
    return values


@strategy_app.command("backtest")
@exits_cleanly
def backtest_command(
    data: Annotated[Path, typer.Option(help="Labelled CSV (one row per applicant).")],
    target: Annotated[str, typer.Option(help="Column that is 1 for a default.")],
    strategy: Annotated[Path | None, typer.Option(help="Strategy YAML (default: shipped).")] = None,
    challenger: Annotated[Path | None, typer.Option(help="A second strategy to compare.")] = None,
    pd_column: Annotated[
        str | None, typer.Option(help="Column holding each applicant's PD.")
    ] = None,
    model: Annotated[Path | None, typer.Option(help="Model directory to score the data.")] = None,
    amount_column: Annotated[
        str | None, typer.Option(help="Amount asked for (default: 1).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Approval rate, bad rate among approved, expected loss and profit by band."""
    frame = _load(data)
    defaulted = _column(frame, target, "target")
    if not set(np.unique(defaulted)).issubset({0, 1}):
        raise InvalidInput(f"target {target!r} must hold 0 (repaid) and 1 (defaulted)")
    pd_values = _pd_values(frame, pd_column, model)
    amount = (
        _column(frame, amount_column, "amount").astype(np.float64)
        if amount_column
        else np.ones(len(frame))
    )
    strategies = [load_strategy(str(strategy) if strategy else None)]
    if challenger is not None:
        strategies.append(load_strategy(str(challenger)))
    results = [
        backtest(s, pd=pd_values, defaulted=defaulted.astype(bool), amount=amount)
        for s in strategies
    ]
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in results], indent=2))
        return
    _print(results)


def _print(results: list[BacktestResult]) -> None:
    table = Table(title="strategy back-test")
    table.add_column("measure")
    for result in results:
        table.add_column(result.strategy, justify="right")
    rows: list[tuple[str, Callable[[BacktestResult], str]]] = [
        ("applicants", lambda r: f"{r.applicants:,}"),
        ("approval rate", lambda r: f"{r.approval_rate:.1%}"),
        ("refer rate", lambda r: f"{r.refer_rate:.1%}"),
        ("bad rate among approved", lambda r: f"{r.bad_rate_approved:.2%}"),
        ("approved amount", lambda r: f"{r.approved_amount:,.0f}"),
        ("expected loss", lambda r: f"{r.expected_loss:,.0f}"),
        ("realised profit", lambda r: f"{r.realised_profit:,.0f}"),
    ]
    for label, show in rows:
        table.add_row(label, *(show(r) for r in results))
    console.print(table)
    for result in results:
        bands = Table(title=f"{result.strategy} by band")
        for column in ("band", "outcome", "applicants", "bad rate", "approved", "profit"):
            bands.add_column(column, justify="right")
        for band in result.bands:
            bands.add_row(
                band.band,
                band.outcome,
                f"{band.applicants:,}",
                f"{band.bad_rate:.2%}",
                f"{band.approved_amount:,.0f}",
                f"{band.realised_profit:,.0f}",
            )
        console.print(bands)
