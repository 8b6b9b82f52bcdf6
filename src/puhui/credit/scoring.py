"""What the engine needs from a model: a PD, a score and the reasons behind them.

`puhui.modeling` trains and saves scorecards and gradient-boosting models; `ModelScorer` adapts
a loaded one to this interface. Tests and back-tests can plug in any other implementation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Reason:
    """One adverse reason: which characteristic, in words, and how much it cost."""

    feature: str
    description: str
    impact: float


@dataclass(frozen=True, slots=True)
class Score:
    pd: float
    points: int
    reasons: tuple[Reason, ...]


class Scorer(Protocol):
    @property
    def version(self) -> str: ...

    def score_one(self, features: Mapping[str, float]) -> Score:
        """PD, points and the top adverse reasons for one applicant."""

    def score_many(self, features: Mapping[str, FloatArray]) -> FloatArray:
        """PD for many applicants (vectorised)."""
