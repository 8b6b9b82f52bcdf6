"""`puhui sim applicants`: write a labelled data set of simulated applicants to CSV."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from puhui.cli.errors import exits_cleanly
from puhui.cli.operations_commands import eod_progress
from puhui.cli.output import console
from puhui.cli.parsing import parse_day
from puhui.core.errors import InvalidInput
from puhui.sim.dataset import (
    GROUND_TRUTH,
    MAX_APPLICANTS,
    TARGET,
    DatasetSpec,
    build_dataset,
    write_dataset,
)
from puhui.sim.line_snapshots import line_snapshots

sim_app = typer.Typer(help="The synthetic population.", no_args_is_help=True)


@sim_app.command("applicants")
@exits_cleanly
def applicants_command(
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    count: Annotated[int, typer.Option(help="Number of applicants.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Seed of the population.")] = 7,
    as_of: Annotated[
        str, typer.Option(help="Decision date the features look back from.")
    ] = "2025-06-01",
) -> None:
    """Features, the target `defaulted`, and the ground truth (true PD, fraud ring) of simulated
    applicants — a data set `puhui model train` can learn from."""
    if not 1 <= count <= MAX_APPLICANTS:
        raise InvalidInput(f"count must be 1–{MAX_APPLICANTS}")
    day: date = parse_day(as_of)
    started = time.perf_counter()
    with eod_progress() as progress:
        task = progress.add_task("applicants", total=count)
        frame = build_dataset(
            DatasetSpec(count, seed, day),
            progress=lambda done: progress.update(task, completed=done),
        )
    write_dataset(frame, out)
    console.print(
        f"wrote {len(frame):,} applicants to {out} in {time.perf_counter() - started:.1f} s; "
        f"target column `{TARGET}` (bad rate {frame[TARGET].mean():.2%}); the ground-truth "
        f"columns are not features — train with "
        + " ".join(f"--exclude {name}" for name in GROUND_TRUTH)
    )


@sim_app.command("line-snapshots")
@exits_cleanly
def line_snapshots_command(
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    count: Annotated[int, typer.Option(help="Number of lines.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
) -> None:
    """Credit-line snapshots as the limit review sees them, with `went_bad` a year later — a
    data set `puhui line review-backtest` can replay."""
    if not 1 <= count <= MAX_APPLICANTS:
        raise InvalidInput(f"count must be 1–{MAX_APPLICANTS}")
    frame = line_snapshots(count, seed)
    frame.to_csv(out, index=False)
    console.print(
        f"wrote {len(frame):,} line snapshots to {out}; target `went_bad` "
        f"(bad rate {frame['went_bad'].mean():.2%})"
    )
