"""A trained model behind the engine: trained on simulated applicants, saved, reloaded, scoring
one applicant with worded reasons and many in bulk, and refused when its files are tampered."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from puhui.core.errors import PuhuiError
from puhui.credit.features import DESCRIPTIONS, FEATURE_NAMES
from puhui.credit.models import load_scorer, train_scorer
from puhui.sim.dataset import TARGET, DatasetSpec, build_dataset


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    frame = build_dataset(DatasetSpec(8_000, 3, date(2025, 3, 1)))
    directory = tmp_path_factory.mktemp("model")
    result = train_scorer(
        frame,
        target=TARGET,
        features=list(FEATURE_NAMES),
        kind="scorecard",
        directory=directory,
        created_at=datetime(2025, 3, 1),
    )
    return result, frame


def test_a_model_trained_on_simulated_applicants_ranks_risk(trained: tuple) -> None:
    result, _ = trained
    assert result.evaluation.auc > 0.70
    assert result.scorer.version.startswith("scorecard@")


def test_one_applicant_gets_a_pd_a_score_and_reasons_in_borrowers_words(trained: tuple) -> None:
    result, frame = trained
    riskiest = frame.sort_values("true_pd").iloc[-1]
    score = result.scorer.score_one({n: float(riskiest[n]) for n in FEATURE_NAMES})
    assert 0 < score.pd < 1
    assert score.reasons
    assert all(r.description == DESCRIPTIONS.get(r.feature, r.description) for r in score.reasons)
    unknown = result.scorer.score_one(dict.fromkeys(FEATURE_NAMES, math.nan))
    assert 0 < unknown.pd < 1


def test_bulk_scores_equal_one_by_one(trained: tuple) -> None:
    result, frame = trained
    sample = frame.iloc[:50]
    bulk = result.scorer.score_many({n: sample[n].to_numpy(np.float64) for n in FEATURE_NAMES})
    single = [
        result.scorer.score_one({n: float(row[n]) for n in FEATURE_NAMES}).pd
        for _, row in sample.iterrows()
    ]
    assert np.allclose(bulk, single, rtol=1e-9, atol=1e-12)


def test_a_tampered_model_is_refused_whole(trained: tuple, tmp_path: Path) -> None:
    result, _ = trained
    for file in result.directory.iterdir():
        (tmp_path / file.name).write_bytes(file.read_bytes())
    card = tmp_path / "scorecard.json"
    card.write_text(card.read_text().replace("0", "1", 1))
    with pytest.raises(PuhuiError):
        load_scorer(tmp_path)
