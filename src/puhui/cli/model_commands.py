"""`puhui model train | evaluate | monitor`: develop, validate and watch credit models.

The commands read CSV files, call `puhui.modeling`, and print either a Rich summary or, with
`--json`, one JSON object. This layer owns the wall clock (a model's creation time).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from puhui.cli.errors import exits_cleanly
from puhui.cli.output import console
from puhui.modeling.errors import FeatureColumnsMissing

if TYPE_CHECKING:  # the modelling libraries load inside the commands that need them: every
    # other `puhui` command would pay seconds of start-up for scikit-learn and optbinning
    from puhui.modeling.metrics import Evaluation
    from puhui.modeling.monitoring import StabilityReport

model_app = typer.Typer(
    help="Train, evaluate and monitor credit models (scorecard or gradient boosting).",
    no_args_is_help=True,
)

DataOption = Annotated[Path, typer.Option("--data", help="Labelled CSV file.")]
TargetOption = Annotated[str, typer.Option("--target", help="Name of the 0/1 target column.")]
PositiveOption = Annotated[
    str | None,
    typer.Option("--positive", help="Target value meaning bad (default: 1, or bad/default/yes)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@model_app.command("train")
@exits_cleanly
def train_command(
    data: DataOption,
    target: TargetOption,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the model into.")],
    kind: Annotated[str, typer.Option("--kind", help="scorecard | gbm")] = "scorecard",
    positive: PositiveOption = None,
    seed: Annotated[int, typer.Option(help="Seed of the split and the model.")] = 0,
    holdout: Annotated[float, typer.Option(help="Share of rows held out for validation.")] = 0.25,
    time_column: Annotated[
        str | None,
        typer.Option("--time-column", help="Hold out the latest rows by this date column."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="A column that must not be a feature (e.g. ground truth); repeatable.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train a model on a labelled CSV, validate it on a hold-out, and save it to --out."""
    from puhui.modeling.data import load_labelled_csv
    from puhui.modeling.registry import save_model
    from puhui.modeling.training import MODEL_KINDS, train_and_validate

    if kind not in MODEL_KINDS:
        raise typer.BadParameter(f"choose one of {', '.join(MODEL_KINDS)}", param_hint="--kind")
    labelled = load_labelled_csv(data, target=target, positive=positive)
    outcome = train_and_validate(
        labelled,
        kind=kind,
        seed=seed,
        holdout_fraction=holdout,
        time_column=time_column,
        exclude=tuple(exclude or ()),
    )
    manifest = save_model(
        outcome.model, out, created_at=datetime.now(UTC), metadata=outcome.metadata
    )
    if as_json:
        typer.echo(json.dumps(outcome.summary()))
        return
    console.print(
        f"[bold]{kind}[/bold] trained on {outcome.n_train:,} rows, validated on "
        f"{outcome.n_test:,} ({outcome.metadata['split']['method']}); "
        f"{len(manifest['features'])} features; saved to {out} "
        f"(version {manifest['model_version']})"
    )
    _print_evaluation(outcome.evaluation, title="Hold-out")


@model_app.command("evaluate")
@exits_cleanly
def evaluate_command(
    model: Annotated[Path, typer.Option("--model", help="Model directory.")],
    data: DataOption,
    target: TargetOption,
    positive: PositiveOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score a labelled CSV with a saved model and print the same metrics as training."""
    from puhui.modeling.data import load_labelled_csv
    from puhui.modeling.registry import load_model, read_manifest
    from puhui.modeling.training import evaluate_model

    loaded = load_model(model)
    labelled = load_labelled_csv(data, target=target, positive=positive)
    evaluation = evaluate_model(loaded, labelled.features, labelled.target)
    if as_json:
        typer.echo(json.dumps({**evaluation.headline(), "n": evaluation.rows}))
        return
    manifest = read_manifest(model)
    console.print(f"[bold]{manifest['kind']}[/bold] {manifest['model_version']} on {data}")
    _print_evaluation(evaluation, title=str(data.name))


@model_app.command("monitor")
@exits_cleanly
def monitor_command(
    model: Annotated[Path, typer.Option("--model", help="Model directory.")],
    reference: Annotated[Path, typer.Option(help="CSV of the reference sample.")],
    recent: Annotated[Path, typer.Option(help="CSV of the recent sample.")],
    as_json: JsonOption = False,
) -> None:
    """Score PSI and feature CSI between two samples, with the 0.10 / 0.25 alert bands."""
    from puhui.modeling.data import read_csv_file
    from puhui.modeling.monitoring import stability_report
    from puhui.modeling.registry import load_model

    loaded = load_model(model)
    reference_frame, _ = read_csv_file(reference)
    recent_frame, _ = read_csv_file(recent)
    for name, frame in (("reference", reference_frame), ("recent", recent_frame)):
        missing = loaded.inputs_.missing_columns(list(frame.columns))
        if missing:
            raise FeatureColumnsMissing(
                f"the {name} file lacks columns the model reads: {', '.join(missing)}"
            )
    report = stability_report(loaded, reference_frame, recent_frame)
    if as_json:
        typer.echo(json.dumps(report.to_json()))
        return
    _print_stability(report)


_STATUS_STYLE = {"stable": "green", "watch": "yellow", "shifted": "bold red"}


def _print_evaluation(evaluation: Evaluation, *, title: str) -> None:
    headline = evaluation.headline()
    console.print(
        f"{title}: AUC {headline['auc']:.4f}  KS {headline['ks']:.4f}  "
        f"Gini {headline['gini']:.4f}  Brier {headline['brier']:.4f}  "
        f"({evaluation.rows:,} rows, bad rate {evaluation.bad_rate:.2%})"
    )
    calibration = Table(title="Calibration (PD deciles)")
    for column in ("band", "rows", "mean PD", "observed bad rate"):
        calibration.add_column(column, justify="right")
    for row in evaluation.calibration:
        calibration.add_row(
            str(row.band), f"{row.rows:,}", f"{row.mean_pd:.2%}", f"{row.observed_bad_rate:.2%}"
        )
    console.print(calibration)
    bands = Table(title="Score bands (riskiest first)")
    for column in ("band", "score", "rows", "bads", "bad rate", "bads caught"):
        bands.add_column(column, justify="right")
    for band in evaluation.score_bands:
        bands.add_row(
            str(band.band),
            f"{band.score_min}–{band.score_max}",
            f"{band.rows:,}",
            f"{band.bad_rows:,}",
            f"{band.bad_rate:.2%}",
            f"{band.cumulative_bad_share:.1%}",
        )
    console.print(bands)


def _print_stability(report: StabilityReport) -> None:
    document: dict[str, Any] = report.to_json()
    table = Table(
        title=f"Stability: {report.reference_rows:,} reference vs {report.recent_rows:,} recent "
        "rows (watch ≥ 0.10, shifted ≥ 0.25)"
    )
    for column in ("variable", "index", "status"):
        table.add_column(column, justify="left" if column == "variable" else "right")
    for item in [document["score_psi"], *document["characteristics"]]:
        style = _STATUS_STYLE[item["status"]]
        table.add_row(item["name"], f"{item['index']:.4f}", f"[{style}]{item['status']}[/{style}]")
    console.print(table)
