"""The train-and-validate use case behind `puhui model train` and `puhui model evaluate`.

Fit on the training rows only, score the untouched hold-out, and describe the result in the
manifest's terms. Saving is the caller's step (it owns the clock for the creation time).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from puhui.modeling.data import LabelledData, holdout_split
from puhui.modeling.errors import FeatureColumnsMissing, InvalidModelOption
from puhui.modeling.gbm import GradientBoostingModel
from puhui.modeling.metrics import Evaluation, evaluate
from puhui.modeling.registry import CreditModel
from puhui.modeling.scorecard import Scorecard

ModelKind = Literal["scorecard", "gbm"]
MODEL_KINDS: tuple[ModelKind, ...] = ("scorecard", "gbm")


@dataclass(frozen=True)
class TrainingOutcome:
    """A fitted model, its hold-out evaluation, and what to record about how it was made."""

    model: CreditModel
    evaluation: Evaluation
    n_train: int
    n_test: int
    metadata: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """The `--json` output of `puhui model train`."""
        return {**self.evaluation.headline(), "n_train": self.n_train, "n_test": self.n_test}


def new_model(
    kind: str,
    *,
    seed: int,
    exclude_columns: tuple[str, ...] = (),
    descriptions: Mapping[str, str] | None = None,
) -> CreditModel:
    """An unfitted model of `kind` with puhui's defaults."""
    if kind == "scorecard":
        return Scorecard(
            random_state=seed, exclude_columns=exclude_columns, descriptions=descriptions
        )
    if kind == "gbm":
        return GradientBoostingModel(
            random_state=seed, exclude_columns=exclude_columns, descriptions=descriptions
        )
    raise InvalidModelOption(f"unknown model kind {kind!r}; choose one of {MODEL_KINDS}")


def train_and_validate(
    data: LabelledData,
    *,
    kind: str,
    seed: int = 0,
    holdout_fraction: float = 0.25,
    time_column: str | None = None,
    exclude: tuple[str, ...] = (),
) -> TrainingOutcome:
    """Split, fit on the training rows, evaluate on the hold-out.

    `exclude` names columns that must never be features (ground truth, outcomes known only
    after the decision); they are checked to exist so a typo cannot silently let one through.
    """
    if not 0.05 <= holdout_fraction <= 0.5:
        raise InvalidModelOption(
            f"hold-out fraction {holdout_fraction} is outside 0.05–0.5; 0.25 is usual"
        )
    split = holdout_split(
        data, holdout_fraction=holdout_fraction, seed=seed, time_column=time_column
    )
    unknown = sorted(set(exclude) - set(map(str, data.features.columns)))
    if unknown:
        raise InvalidModelOption(
            f"cannot exclude {', '.join(unknown)}: no such column; the columns are "
            f"{', '.join(map(str, data.features.columns))}"
        )
    excluded = (*exclude, time_column) if time_column else exclude
    model = new_model(kind, seed=seed, exclude_columns=excluded)
    model.fit(data.features.iloc[split.train_rows], data.target[split.train_rows])
    test = data.features.iloc[split.test_rows]
    evaluation = evaluate_model(model, test, data.target[split.test_rows])
    metadata = {
        "target": {"column": data.target_column, "positive": data.positive_label},
        "data": {
            "sha256": data.data_sha256,
            "rows": data.n_rows,
            "rows_without_target": data.rows_without_target,
            "bad_rate": round(float(data.target.mean()), 6),
        },
        "excluded_columns": list(exclude),
        "split": {
            "method": split.method,
            "holdout_fraction": holdout_fraction,
            "seed": seed,
            "n_train": len(split.train_rows),
            "n_test": len(split.test_rows),
        },
        "metrics": {"holdout": evaluation.to_json()},
        "params": {k: v for k, v in model.get_params().items() if k != "descriptions"},
    }
    return TrainingOutcome(model, evaluation, len(split.train_rows), len(split.test_rows), metadata)


def evaluate_model(model: CreditModel, features: Any, target: Any) -> Evaluation:
    """Score a labelled table with a fitted model and compute every metric.

    Raises:
        FeatureColumnsMissing: the table lacks a column the model reads.
    """
    missing = model.inputs_.missing_columns(list(features.columns))
    if missing:
        raise FeatureColumnsMissing(
            f"the data lacks columns the model reads: {', '.join(missing)}; score a file with "
            "the same columns as the training data"
        )
    scored = model.predict_frame(features)
    return evaluate(target, scored["pd"].to_numpy(), scored["score"].to_numpy())
