"""Population stability: has the score (PSI) or a characteristic (CSI) drifted since training?

PSI = Σ (recent share − reference share) × ln(recent share / reference share) over bins fixed
on the reference sample (deciles of a number, or the categories of a text column, each with a
missing bin). The bands risk teams use: below 0.10 stable, 0.10–0.25 watch, above 0.25 shifted
(act: investigate, recalibrate or retrain).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

WATCH_FROM = 0.10
SHIFT_FROM = 0.25
BINS = 10
EMPTY_SHARE = 1e-4
"""Share given to a bin empty in one sample, so its term is finite (a common convention)."""

Status = Literal["stable", "watch", "shifted"]


@dataclass(frozen=True)
class Stability:
    """One variable's stability index and its band."""

    name: str
    index: float
    status: Status

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "index": round(self.index, 4), "status": self.status}


@dataclass(frozen=True)
class StabilityReport:
    """Score PSI and per-characteristic CSI, the most shifted characteristic first."""

    score: Stability
    characteristics: tuple[Stability, ...]
    reference_rows: int
    recent_rows: int

    def to_json(self) -> dict[str, Any]:
        return {
            "score_psi": self.score.to_json(),
            "characteristics": [item.to_json() for item in self.characteristics],
            "reference_rows": self.reference_rows,
            "recent_rows": self.recent_rows,
            "bands": {"watch_from": WATCH_FROM, "shifted_from": SHIFT_FROM},
        }


def status_of(index: float) -> Status:
    """The alert band of a stability index."""
    if index >= SHIFT_FROM:
        return "shifted"
    if index >= WATCH_FROM:
        return "watch"
    return "stable"


def _index(reference_counts: NDArray[Any], recent_counts: NDArray[Any]) -> float:
    reference = np.maximum(reference_counts / max(reference_counts.sum(), 1), EMPTY_SHARE)
    recent = np.maximum(recent_counts / max(recent_counts.sum(), 1), EMPTY_SHARE)
    return float(np.sum((recent - reference) * np.log(recent / reference)))


def population_stability_index(
    reference: NDArray[Any], recent: NDArray[Any], bins: int = BINS
) -> float:
    """PSI of a number (scores, PDs, amounts) on the reference sample's quantile bins."""
    reference = np.asarray(reference, dtype=np.float64)
    recent = np.asarray(recent, dtype=np.float64)
    present = reference[~np.isnan(reference)]
    cuts = (
        np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]))
        if len(present)
        else np.array([])
    )

    def counts(values: NDArray[np.float64]) -> NDArray[np.int64]:
        index = np.searchsorted(cuts, values, side="right")
        index[np.isnan(values)] = len(cuts) + 1
        return np.bincount(index, minlength=len(cuts) + 2)

    return _index(counts(reference), counts(recent))


def category_stability_index(reference: NDArray[Any], recent: NDArray[Any]) -> float:
    """CSI of a categorical column: one bin per reference category, one for new, one missing."""
    reference_series = pd.Series(reference, dtype=object)
    recent_series = pd.Series(recent, dtype=object)
    known = list(pd.unique(reference_series.dropna()))
    position = {key: i for i, key in enumerate(known)}

    def counts(series: pd.Series) -> NDArray[np.int64]:
        index = np.array(
            [len(known) + 1 if pd.isna(key) else position.get(key, len(known)) for key in series],
            dtype=np.intp,
        )
        return np.bincount(index, minlength=len(known) + 2)

    return _index(counts(reference_series), counts(recent_series))


def stability(name: str, reference: NDArray[Any], recent: NDArray[Any]) -> Stability:
    """The index of one variable (PSI for numbers, CSI by category for text) with its band."""
    if np.asarray(reference).dtype == object:
        index = category_stability_index(reference, recent)
    else:
        index = population_stability_index(reference, recent)
    return Stability(name, index, status_of(index))


class ScoringModel(Protocol):
    """What monitoring needs of a model (both model kinds provide it)."""

    def predict_frame(self, frame: pd.DataFrame) -> pd.DataFrame: ...

    def feature_values(self, frame: pd.DataFrame) -> dict[str, Any]: ...


def stability_report(
    model: ScoringModel, reference: pd.DataFrame, recent: pd.DataFrame
) -> StabilityReport:
    """Score PSI and the CSI of every model feature between two samples of applicants."""
    score = stability(
        "score",
        model.predict_frame(reference)["score"].to_numpy(dtype=np.float64),
        model.predict_frame(recent)["score"].to_numpy(dtype=np.float64),
    )
    reference_values: Mapping[str, Any] = model.feature_values(reference)
    recent_values: Mapping[str, Any] = model.feature_values(recent)
    characteristics = sorted(
        (stability(name, reference_values[name], recent_values[name]) for name in reference_values),
        key=lambda item: -item.index,
    )
    return StabilityReport(score, tuple(characteristics), len(reference), len(recent))
