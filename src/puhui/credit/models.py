"""Trained models (`puhui.modeling`) as the engine's scorer, and training one on a data set.

A model directory from the registry is loaded (its files hash-checked, refused whole if any is
wrong) and wrapped so the engine gets a PD, a score and adverse reasons worded for borrowers from
the feature catalogue. The model's version in decision records is its kind and registry version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from puhui.credit.features import DESCRIPTIONS
from puhui.credit.scoring import FloatArray, Reason, Score

if TYPE_CHECKING:  # the model libraries load when a model is loaded or trained, not at import:
    # every `puhui` command imports this module, and scikit-learn, optbinning and LightGBM
    # cost seconds of start-up on a small machine
    from puhui.modeling.metrics import Evaluation
    from puhui.modeling.registry import CreditModel


class ModelScorer:
    """A registry model behind the engine's `Scorer` interface."""

    def __init__(self, model: CreditModel, version: str) -> None:
        self._model = model
        self._version = version

    @property
    def version(self) -> str:
        return self._version

    def score_one(self, features: Mapping[str, float]) -> Score:
        prediction = self._model.predict_one(features)
        reasons = tuple(
            Reason(r.feature, DESCRIPTIONS.get(r.feature, r.description), r.impact)
            for r in prediction.reasons
        )
        return Score(prediction.pd, prediction.score, reasons)

    def score_many(self, features: Mapping[str, FloatArray]) -> FloatArray:
        probabilities: FloatArray = np.asarray(
            self._model.predict_pd(pd.DataFrame(dict(features))), dtype=np.float64
        )
        return probabilities


def load_scorer(directory: Path) -> ModelScorer:
    """A saved model as a scorer (raises if the model's files fail validation)."""
    from puhui.modeling.registry import load_model, read_manifest

    model = load_model(directory)
    manifest = read_manifest(directory)
    return ModelScorer(model, f"{manifest['kind']}@{manifest['model_version']}")


@dataclass(frozen=True, slots=True)
class TrainedScorer:
    scorer: ModelScorer
    evaluation: Evaluation
    directory: Path


def train_scorer(
    frame: pd.DataFrame,
    *,
    target: str,
    features: list[str],
    kind: str,
    directory: Path,
    created_at: datetime,
    seed: int = 0,
) -> TrainedScorer:
    """Train a model on `frame`'s features, validate it on a hold-out, save and load it back."""
    from puhui.modeling.data import labelled_from_frame
    from puhui.modeling.registry import save_model
    from puhui.modeling.training import train_and_validate

    table = frame[[*features, target]]
    digest = hashlib.sha256(pd.util.hash_pandas_object(table, index=False).to_numpy()).hexdigest()
    data = labelled_from_frame(table, target=target, positive="1", data_sha256=digest)
    outcome = train_and_validate(data, kind=kind, seed=seed)
    save_model(outcome.model, directory, created_at=created_at, metadata=outcome.metadata)
    return TrainedScorer(load_scorer(directory), outcome.evaluation, directory)
