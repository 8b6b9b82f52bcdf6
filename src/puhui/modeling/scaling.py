"""Score scaling: points = offset + factor × ln(odds), with odds = good : bad.

The risk team's convention: a base score at base odds, and a fixed number of points to double
the odds (PDO). The defaults (600 points at 50 : 1, 20 points to double) are common in consumer
lending; every model stores its scaling so scores stay comparable across model versions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from puhui.modeling.errors import InvalidModelOption


@dataclass(frozen=True)
class ScoreScaling:
    """Maps a PD (or its log-odds) to points; higher score = safer applicant."""

    base_points: float = 600.0
    base_odds: float = 50.0
    points_to_double_odds: float = 20.0

    def __post_init__(self) -> None:
        if not (self.base_odds > 0 and self.points_to_double_odds > 0):
            raise InvalidModelOption(
                "base odds and points to double the odds must be positive "
                f"(got {self.base_odds} and {self.points_to_double_odds})"
            )

    @property
    def factor(self) -> float:
        return self.points_to_double_odds / math.log(2.0)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)

    def points_of_bad_log_odds(self, bad_log_odds: NDArray[np.float64]) -> NDArray[np.float64]:
        """Unrounded points for ln(bad/good); ln(good/bad) is its negative."""
        return np.asarray(self.offset - self.factor * bad_log_odds, dtype=np.float64)

    def scores(self, bad_log_odds: NDArray[np.float64]) -> NDArray[np.int64]:
        """Whole-point scores (half away from zero never matters: ties are measure zero)."""
        return np.rint(self.points_of_bad_log_odds(bad_log_odds)).astype(np.int64)

    def to_json(self) -> dict[str, Any]:
        return {
            "base_points": self.base_points,
            "base_odds": self.base_odds,
            "points_to_double_odds": self.points_to_double_odds,
            "factor": self.factor,
            "offset": self.offset,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> ScoreScaling:
        return cls(
            base_points=float(document["base_points"]),
            base_odds=float(document["base_odds"]),
            points_to_double_odds=float(document["points_to_double_odds"]),
        )


def bad_log_odds_of(probability: NDArray[np.float64]) -> NDArray[np.float64]:
    """ln(p / (1 - p)), finite even at p = 0 or 1 (clipped to 1e-12)."""
    clipped = np.clip(probability, 1e-12, 1 - 1e-12)
    return np.asarray(np.log(clipped / (1 - clipped)), dtype=np.float64)


def probability_of(bad_log_odds: NDArray[np.float64]) -> NDArray[np.float64]:
    """The logistic function: the PD for ln(bad/good)."""
    return np.asarray(1.0 / (1.0 + np.exp(-bad_log_odds)), dtype=np.float64)
