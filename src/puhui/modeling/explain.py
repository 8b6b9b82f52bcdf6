"""Top adverse reasons: what lowered an applicant's score most, in words a borrower reads.

A scorecard's reason is the points a characteristic lost against its best bin; a gradient-boosting
model's reason is a feature's contribution to the log-odds (LightGBM's `pred_contrib`), turned
into points with the same scaling. Only characteristics that cost points are reasons, and the
largest come first — the order adverse-action notices use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

REASONS_MAX = 4
"""Adverse-action notices conventionally list up to four principal reasons."""


@dataclass(frozen=True)
class Reason:
    """One adverse reason: the model feature, plain words, and points lost (> 0)."""

    feature: str
    description: str
    impact: float


@dataclass(frozen=True)
class Prediction:
    """One applicant's calibrated PD, scaled score and top adverse reasons."""

    pd: float
    score: int
    reasons: tuple[Reason, ...]


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)")
_SEPARATORS = re.compile(r"[_.\-\s]+")


def humanise(name: str) -> str:
    """A column name in plain words: 'PAY_AMT1' → 'pay amt 1', 'creditAmount' → 'credit amount'."""
    spaced = _CAMEL_BOUNDARY.sub(" ", name)
    return _SEPARATORS.sub(" ", spaced).strip().lower()


def describe(feature: str, *, label: str = "", descriptions: Mapping[str, str] | None) -> str:
    """The words shown for a feature: the caller's description, else derived from its name."""
    if descriptions and feature in descriptions:
        return descriptions[feature]
    return humanise(label) if label else humanise(feature)


def top_adverse_reasons(
    features: Sequence[str],
    points_lost: NDArray[np.float64],
    words: Sequence[str],
    limit: int = REASONS_MAX,
) -> tuple[Reason, ...]:
    """The `limit` features that lost most points (only those that lost any), largest first."""
    order = np.argsort(-points_lost, kind="stable")[:limit]
    return tuple(
        Reason(feature=features[i], description=words[i], impact=round(float(points_lost[i]), 2))
        for i in order
        if points_lost[i] > 1e-9
    )
