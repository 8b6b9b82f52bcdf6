from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from puhui.modeling.errors import ModelArtefactInvalid
from puhui.modeling.gbm import GradientBoostingModel
from puhui.modeling.registry import load_model, save_model
from puhui.modeling.scorecard import Scorecard

CREATED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def saved(applicants: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = Scorecard(derive_features=False).fit(
        applicants.drop(columns=["bad"]), applicants["bad"]
    )
    directory = tmp_path_factory.mktemp("model")
    save_model(model, directory, created_at=CREATED, metadata={"data": {"sha256": "abc"}})
    return directory


def copy_of(directory: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    target.mkdir()
    for path in directory.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_the_manifest_records_version_time_data_and_file_hashes(saved: Path) -> None:
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["kind"] == "scorecard"
    assert manifest["created_at"] == "2026-11-29T12:00:00+00:00"
    assert manifest["data"] == {"sha256": "abc"}
    assert set(manifest["files"]) == {"scorecard.json"}
    assert len(manifest["model_version"]) == 12


def test_a_loaded_gbm_predicts_exactly_as_the_saved_one(
    applicants: pd.DataFrame, tmp_path: Path
) -> None:
    model = GradientBoostingModel(n_estimators=30).fit(
        applicants.drop(columns=["bad"]), applicants["bad"]
    )
    save_model(model, tmp_path, created_at=CREATED, metadata={})
    loaded = load_model(tmp_path)
    assert np.array_equal(loaded.predict_pd(applicants), model.predict_pd(applicants))


def test_a_changed_file_is_refused(saved: Path, tmp_path: Path) -> None:
    directory = copy_of(saved, tmp_path)
    document = json.loads((directory / "scorecard.json").read_text())
    document["intercept"] += 1
    (directory / "scorecard.json").write_text(json.dumps(document))
    with pytest.raises(ModelArtefactInvalid, match="does not match its hash"):
        load_model(directory)


def test_a_missing_file_or_manifest_is_refused(saved: Path, tmp_path: Path) -> None:
    directory = copy_of(saved, tmp_path)
    (directory / "scorecard.json").unlink()
    with pytest.raises(ModelArtefactInvalid, match="missing"):
        load_model(directory)
    with pytest.raises(ModelArtefactInvalid, match="manifest"):
        load_model(tmp_path / "nowhere")


def test_a_malformed_manifest_is_refused(saved: Path, tmp_path: Path) -> None:
    directory = copy_of(saved, tmp_path)
    (directory / "manifest.json").write_text("{not json")
    with pytest.raises(ModelArtefactInvalid, match="not valid JSON"):
        load_model(directory)
