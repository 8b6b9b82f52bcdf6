"""Choosing characteristics: a fast information-value screen and a correlation filter.

Binning every derived candidate optimally would cost most of the training budget, so candidates
are first screened with a cheap information value on decile bins (plus a missing bin), and only
the strongest go on to optimal binning. Among kept characteristics, one of two near-duplicates
(|correlation| of their WoE above a limit) is dropped: the weaker by information value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from puhui.modeling.derived import (
    DerivedFeature,
    compute_derived,
    propose_derived_features,
    required_features,
)

FloatArray = NDArray[np.float64]

SCREEN_BINS = 10
DERIVED_KEPT_MAX = 40
"""Derived candidates passed to optimal binning / the GBM, strongest first."""


def quick_information_value(values: FloatArray, target: NDArray[Any]) -> float:
    """Information value of a number on (at most) decile bins plus a missing bin."""
    present = ~np.isnan(values)
    bin_of = np.full(len(values), SCREEN_BINS, dtype=np.intp)
    if present.any():
        cuts = np.unique(np.quantile(values[present], np.linspace(0, 1, SCREEN_BINS + 1)[1:-1]))
        bin_of[present] = np.searchsorted(cuts, values[present], side="right")
    rows = np.bincount(bin_of, minlength=SCREEN_BINS + 1)
    bad = np.bincount(bin_of, weights=target, minlength=SCREEN_BINS + 1)
    good = rows - bad
    bad_share = (bad + 0.5) / (bad.sum() + 0.5)
    good_share = (good + 0.5) / (good.sum() + 0.5)
    used = rows > 0
    return float(np.sum((bad_share - good_share)[used] * np.log(bad_share / good_share)[used]))


def screen_derived_features(
    numeric_columns: Mapping[str, FloatArray],
    target: NDArray[Any],
    *,
    discrete: frozenset[str],
    min_information_value: float,
) -> tuple[list[DerivedFeature], dict[str, FloatArray]]:
    """Propose derived features, keep the strongest few, and return them with their values.

    A kept feature's inputs that are derived themselves are kept too (before it), so the
    returned list computes in order.
    """
    proposals = propose_derived_features(numeric_columns, discrete=discrete)
    if not proposals:
        return [], {}
    values = compute_derived(numeric_columns, proposals)
    strength = {name: quick_information_value(column, target) for name, column in values.items()}
    ranked = sorted(
        (name for name, iv in strength.items() if iv >= min_information_value),
        key=lambda name: -strength[name],
    )[:DERIVED_KEPT_MAX]
    kept = required_features(ranked, proposals)
    return kept, {feature.name: values[feature.name] for feature in kept}


def drop_correlated(
    names: Sequence[str], matrix: FloatArray, strength: Mapping[str, float], limit: float
) -> list[str]:
    """Names to keep: strongest first, skipping any whose |correlation| with a kept one > limit.

    `matrix` has one column per name (in `names` order).
    """
    order = sorted(range(len(names)), key=lambda i: -strength[names[i]])
    with np.errstate(all="ignore"):
        correlation = np.abs(np.corrcoef(matrix, rowvar=False))
    correlation = np.nan_to_num(np.atleast_2d(correlation), nan=0.0)
    kept: list[int] = []
    for index in order:
        if all(correlation[index, other] <= limit for other in kept):
            kept.append(index)
    return [names[i] for i in sorted(kept, key=lambda i: -strength[names[i]])]
