"""Validation metrics risk teams read: AUC, KS, Gini, Brier, calibration and score-band tables.

The statistics come from scikit-learn (AUC, ROC for KS, Brier); the tables are ours because
their layout is the credit-risk one (bands of predicted PD or score against observed bad rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

BANDS = 10


@dataclass(frozen=True)
class CalibrationRow:
    """One PD decile: mean predicted PD against the observed bad rate."""

    band: int
    rows: int
    mean_pd: float
    observed_bad_rate: float


@dataclass(frozen=True)
class ScoreBandRow:
    """One score band: its range, size, bad rate, and cumulative share of bads above it."""

    band: int
    score_min: int
    score_max: int
    rows: int
    bad_rows: int
    bad_rate: float
    cumulative_bad_share: float


@dataclass(frozen=True)
class Evaluation:
    """Hold-out (or any labelled sample's) performance of a model."""

    auc: float
    ks: float
    gini: float
    brier: float
    rows: int
    bad_rate: float
    calibration: tuple[CalibrationRow, ...]
    score_bands: tuple[ScoreBandRow, ...]

    def headline(self) -> dict[str, float]:
        """The four numbers, rounded to 4 decimals as printed by `--json`."""
        return {
            "auc": round(self.auc, 4),
            "ks": round(self.ks, 4),
            "gini": round(self.gini, 4),
            "brier": round(self.brier, 4),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.headline(),
            "rows": self.rows,
            "bad_rate": round(self.bad_rate, 6),
            "calibration": [row.__dict__ for row in self.calibration],
            "score_bands": [row.__dict__ for row in self.score_bands],
        }


def auc(target: NDArray[Any], probability: NDArray[np.float64]) -> float:
    return float(roc_auc_score(target, probability))


def kolmogorov_smirnov(target: NDArray[Any], probability: NDArray[np.float64]) -> float:
    """Largest gap between the cumulative bad and good distributions (max TPR − FPR)."""
    false_positive, true_positive, _ = roc_curve(target, probability)
    return float(np.max(true_positive - false_positive))


def brier(target: NDArray[Any], probability: NDArray[np.float64]) -> float:
    return float(brier_score_loss(target, probability))


def evaluate(
    target: NDArray[Any], probability: NDArray[np.float64], score: NDArray[np.int64]
) -> Evaluation:
    """All metrics of predicted PDs and scores against a 0/1 target (1 = bad)."""
    area = auc(target, probability)
    return Evaluation(
        auc=area,
        ks=kolmogorov_smirnov(target, probability),
        gini=2 * area - 1,
        brier=brier(target, probability),
        rows=len(target),
        bad_rate=float(np.mean(target)),
        calibration=calibration_table(target, probability),
        score_bands=score_band_table(target, score),
    )


def _quantile_bands(values: NDArray[Any], bands: int) -> NDArray[np.intp]:
    """Band 0..bands-1 of each value by rank (ties share the rank order, sizes near equal)."""
    order = np.argsort(values, kind="stable")
    band = np.empty(len(values), dtype=np.intp)
    band[order] = (np.arange(len(values)) * bands) // max(len(values), 1)
    return band


def calibration_table(
    target: NDArray[Any], probability: NDArray[np.float64], bands: int = BANDS
) -> tuple[CalibrationRow, ...]:
    """PD deciles, lowest PD first."""
    band = _quantile_bands(probability, bands)
    rows = []
    for index in range(bands):
        chosen = band == index
        if chosen.any():
            rows.append(
                CalibrationRow(
                    band=index + 1,
                    rows=int(chosen.sum()),
                    mean_pd=round(float(probability[chosen].mean()), 6),
                    observed_bad_rate=round(float(np.mean(target[chosen])), 6),
                )
            )
    return tuple(rows)


def score_band_table(
    target: NDArray[Any], score: NDArray[np.int64], bands: int = BANDS
) -> tuple[ScoreBandRow, ...]:
    """Score deciles, lowest (riskiest) score first, with the cumulative share of bads caught."""
    band = _quantile_bands(score, bands)
    bad_total = max(int(np.sum(target)), 1)
    rows = []
    caught = 0
    for index in range(bands):
        chosen = band == index
        if not chosen.any():
            continue
        bad_rows = int(np.sum(target[chosen]))
        caught += bad_rows
        rows.append(
            ScoreBandRow(
                band=index + 1,
                score_min=int(score[chosen].min()),
                score_max=int(score[chosen].max()),
                rows=int(chosen.sum()),
                bad_rows=bad_rows,
                bad_rate=round(bad_rows / int(chosen.sum()), 6),
                cumulative_bad_share=round(caught / bad_total, 6),
            )
        )
    return tuple(rows)
