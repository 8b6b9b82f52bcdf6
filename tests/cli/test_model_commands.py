"""`puhui model …` as a user runs it: the Typer sub-app end to end on CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.cli.model_commands import model_app
from tests.unit.modeling.conftest import synthetic_applicants

runner = CliRunner()


@pytest.fixture(scope="module")
def skewed_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "skewed.csv"
    synthetic_applicants(6000, bad_rate=0.02, seed=11).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def trained(skewed_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("model")
    result = runner.invoke(
        model_app,
        ["train", "--data", str(skewed_csv), "--target", "bad", "--out", str(out), "--json"],
    )
    return out, result.output


def test_train_json_prints_the_hold_out_metrics_and_counts(trained: tuple[Path, str]) -> None:
    out, output = trained
    document = json.loads(output)
    assert set(document) == {"auc", "ks", "gini", "brier", "n_train", "n_test"}
    assert all(isinstance(document[key], float) for key in ("auc", "ks", "gini", "brier"))
    assert (document["n_train"], document["n_test"]) == (4500, 1500)
    assert document["auc"] > 0.7
    assert {path.name for path in out.iterdir()} == {"manifest.json", "scorecard.json"}


def test_gbm_train_writes_the_text_model(skewed_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        model_app,
        [
            "train",
            "--data",
            str(skewed_csv),
            "--target",
            "bad",
            "--kind",
            "gbm",
            "--out",
            str(tmp_path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert {path.name for path in tmp_path.iterdir()} == {"manifest.json", "gbm.json", "model.txt"}


def test_evaluate_scores_a_labelled_file_with_the_saved_model(
    trained: tuple[Path, str], skewed_csv: Path
) -> None:
    out, _ = trained
    result = runner.invoke(
        model_app,
        ["evaluate", "--model", str(out), "--data", str(skewed_csv), "--target", "bad", "--json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 6000


def test_monitor_reports_score_psi_and_characteristic_csi(
    trained: tuple[Path, str], skewed_csv: Path, tmp_path: Path
) -> None:
    out, _ = trained
    shifted = synthetic_applicants(3000, bad_rate=0.02, seed=3)
    shifted["late_months"] += 3
    recent = tmp_path / "recent.csv"
    shifted.to_csv(recent, index=False)
    result = runner.invoke(
        model_app,
        [
            "monitor",
            "--model",
            str(out),
            "--reference",
            str(skewed_csv),
            "--recent",
            str(recent),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["score_psi"]["status"] == "shifted"
    late = next(item for item in report["characteristics"] if item["name"] == "late_months")
    assert late["index"] > 0.25


def test_the_rich_summary_shows_metrics_and_tables(skewed_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        model_app,
        ["train", "--data", str(skewed_csv), "--target", "bad", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "AUC" in result.output
    assert "Calibration" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--target", "bad", "--data", "missing.csv"], "data_file_not_found"),
        (["--target", "nope"], "target_column_missing"),
        (["--target", "city_tier"], "target_not_binary"),
        (["--target", "bad", "--positive", "7"], "positive_class_absent"),
    ],
)
def test_bad_input_exits_with_status_two_and_says_why(
    skewed_csv: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    base = ["train", "--data", str(skewed_csv), "--out", str(tmp_path / "m")]
    result = runner.invoke(model_app, [*base, *arguments])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "m").exists()
