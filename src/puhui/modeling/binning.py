"""Weight-of-evidence bins of one characteristic, learned from training data.

optbinning finds the bin boundaries (optimal, monotonic where asked); the weights of evidence
are then computed here from the training counts, because optbinning's own transform gives
missing values a WoE of 0 and unseen categories nothing useful, and because a bin table we own
can be saved as reviewable JSON and applied without optbinning at scoring time.

Sign convention: WoE = ln(bad share / good share) of a bin, so a positive WoE is riskier than
average. Missing values get their own learned WoE when training had enough of them, else the
riskiest bin's WoE (conservative: an applicant cannot gain by leaving a field empty).
Categories seen rarely in training are pooled into one "rare" group with its own WoE; a
category never seen gets the rare group's WoE when it has one, else the riskiest WoE.
Outliers need no clipping: the outer bins are open-ended and every bin holds at least a
minimum share of the training rows, so an extreme value cannot move a boundary.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from optbinning import OptimalBinning

from puhui.modeling.preprocess import numeric_key

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int8]

MISSING_ROWS_MIN = 20
"""Fewer training rows than this with a missing value: not enough to learn their own WoE."""
RARE_SHARE = 0.005
RARE_ROWS_MIN = 10
RARE_GROUP = "(rare)"
MIN_BIN_SHARE = 0.05
SMOOTHING = 0.5
"""Added to bad and good counts so an all-good or all-bad bin has a finite WoE."""


@dataclass(frozen=True)
class BinStatistics:
    """Training counts and WoE of one bin (kept in the JSON for reviewers)."""

    label: str
    rows: int
    bad_rows: int
    woe: float

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> BinStatistics:
        return cls(
            label=str(document["bin"]),
            rows=int(document["rows"]),
            bad_rows=int(document["bad_rows"]),
            woe=float(document["woe"]),
        )

    def to_json(self) -> dict[str, Any]:
        bad_rate = self.bad_rows / self.rows if self.rows else 0.0
        return {
            "bin": self.label,
            "rows": self.rows,
            "bad_rows": self.bad_rows,
            "bad_rate": round(bad_rate, 6),
            "woe": self.woe,
        }


def _expand_rare(group: list[str], rare: set[str]) -> tuple[str, ...]:
    """The group with the pooled rare token replaced by the rare categories it stands for."""
    keys = {key for key in group if key != RARE_GROUP}
    if RARE_GROUP in group:
        keys |= rare
    return tuple(sorted(keys))


def _woe(bad: NDArray[Any], good: NDArray[Any], bad_total: int, good_total: int) -> FloatArray:
    bad_share = (bad + SMOOTHING) / (bad_total + SMOOTHING)
    good_share = (good + SMOOTHING) / (good_total + SMOOTHING)
    return np.asarray(np.log(bad_share / good_share), dtype=np.float64)


@dataclass(frozen=True)
class NumericBinning:
    """Bins of a number: edge e_i starts bin i+1 (bins are [e_i, e_i+1)), plus a missing bin."""

    feature: str
    edges: tuple[float, ...]
    woes: tuple[float, ...]
    missing_woe: float
    information_value: float
    bins: tuple[BinStatistics, ...] = ()
    missing_learned: bool = False
    _edge_array: FloatArray = field(init=False, repr=False, compare=False)
    _woe_array: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_edge_array", np.asarray(self.edges, dtype=np.float64))
        woes = np.asarray([*self.woes, self.missing_woe], dtype=np.float64)
        object.__setattr__(self, "_woe_array", woes)  # the missing bin's WoE last

    def bin_index(self, values: FloatArray) -> NDArray[np.intp]:
        """Bin of each value; the missing bin is index len(woes)."""
        index = np.searchsorted(self._edge_array, values, side="right")
        index[np.isnan(values)] = len(self.woes)
        return index

    def woe_of(self, values: FloatArray) -> FloatArray:
        return self._woe_array[self.bin_index(values)]

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "type": "numeric",
            "edges": list(self.edges),
            "woes": list(self.woes),
            "missing_woe": self.missing_woe,
            "missing_learned": self.missing_learned,
            "information_value": self.information_value,
            "bins": [item.to_json() for item in self.bins],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> NumericBinning:
        return cls(
            feature=str(document["feature"]),
            edges=tuple(float(edge) for edge in document["edges"]),
            woes=tuple(float(woe) for woe in document["woes"]),
            missing_woe=float(document["missing_woe"]),
            information_value=float(document["information_value"]),
            missing_learned=bool(document.get("missing_learned", False)),
            bins=tuple(BinStatistics.from_json(item) for item in document.get("bins", [])),
        )


@dataclass(frozen=True)
class CategoricalBinning:
    """Groups of categories sharing a WoE; plus missing and unseen treatments.

    `numeric_codes` says the raw column holds numbers used as codes: their keys are the
    numbers' canonical text ('2' for 2.0).
    """

    feature: str
    groups: tuple[tuple[str, ...], ...]
    woes: tuple[float, ...]
    missing_woe: float
    unseen_woe: float
    information_value: float
    numeric_codes: bool = False
    bins: tuple[BinStatistics, ...] = ()
    missing_learned: bool = False
    _lookup: dict[str, float] = field(init=False, repr=False, compare=False)
    _number_lookup: dict[float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup = {
            key: woe for group, woe in zip(self.groups, self.woes, strict=True) for key in group
        }
        object.__setattr__(self, "_lookup", lookup)
        numbers = {float(key): woe for key, woe in lookup.items() if self.numeric_codes}
        object.__setattr__(self, "_number_lookup", numbers)

    def bin_index(self, values: NDArray[Any]) -> NDArray[np.intp]:
        """Group of each value; missing is len(groups), unseen len(groups) + 1."""
        group_of = {key: index for index, group in enumerate(self.groups) for key in group}
        codes, uniques = pd.factorize(values)
        unique_keys = [numeric_key(u) if self.numeric_codes else str(u) for u in uniques]
        unseen = len(self.groups) + 1
        mapped = np.array(
            [group_of.get(key, unseen) if key else unseen for key in unique_keys]
            + [len(self.groups)],
            dtype=np.intp,
        )
        return np.asarray(mapped[codes], dtype=np.intp)

    def woe_of(self, values: NDArray[Any]) -> FloatArray:
        """WoE per value: numbers (for numeric codes) or text keys, None/NaN is missing."""
        if len(values) == 1:  # one applicant online: a dictionary look-up, not a factorize
            return np.array([self._woe_of_one(values[0])], dtype=np.float64)
        codes, uniques = pd.factorize(values)
        if self.numeric_codes:
            table = [self._number_lookup.get(float(u), self.unseen_woe) for u in uniques]
        else:
            table = [self._lookup.get(u, self.unseen_woe) for u in uniques]
        mapped = np.array([*table, self.missing_woe], dtype=np.float64)
        # factorize gives a missing value the code -1: the last entry, the missing WoE
        return np.asarray(mapped[codes], dtype=np.float64)

    def _woe_of_one(self, value: Any) -> float:
        if pd.isna(value):
            return self.missing_woe
        if self.numeric_codes:
            return self._number_lookup.get(float(value), self.unseen_woe)
        return self._lookup.get(value, self.unseen_woe)

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "type": "categorical",
            "numeric_codes": self.numeric_codes,
            "groups": [list(group) for group in self.groups],
            "woes": list(self.woes),
            "missing_woe": self.missing_woe,
            "missing_learned": self.missing_learned,
            "unseen_woe": self.unseen_woe,
            "information_value": self.information_value,
            "bins": [item.to_json() for item in self.bins],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> CategoricalBinning:
        return cls(
            feature=str(document["feature"]),
            groups=tuple(tuple(str(key) for key in group) for group in document["groups"]),
            woes=tuple(float(woe) for woe in document["woes"]),
            missing_woe=float(document["missing_woe"]),
            unseen_woe=float(document["unseen_woe"]),
            information_value=float(document["information_value"]),
            numeric_codes=bool(document.get("numeric_codes", False)),
            missing_learned=bool(document.get("missing_learned", False)),
            bins=tuple(BinStatistics.from_json(item) for item in document.get("bins", [])),
        )


Binning = NumericBinning | CategoricalBinning


def binning_from_json(document: Mapping[str, Any]) -> Binning:
    if document["type"] == "numeric":
        return NumericBinning.from_json(document)
    if document["type"] == "categorical":
        return CategoricalBinning.from_json(document)
    raise ValueError(f"unknown binning type {document['type']!r}")


def fit_numeric_binning(
    feature: str, values: FloatArray, target: IntArray, *, monotonic_trend: str | None
) -> NumericBinning:
    """Optimal bins of a number (monotonic bad rate when `monotonic_trend` asks)."""
    present = ~np.isnan(values)
    edges = _optimal_splits(values[present], target[present], "numerical", monotonic_trend)
    index = np.searchsorted(np.asarray(edges), values[present], side="right")
    n_bins = len(edges) + 1
    labels = _interval_labels(edges)
    return _finish_numeric(feature, edges, labels, index, n_bins, target, present)


def _finish_numeric(
    feature: str,
    edges: list[float],
    labels: list[str],
    index: NDArray[np.intp],
    n_bins: int,
    target: IntArray,
    present: NDArray[np.bool_],
) -> NumericBinning:
    counts = _Counts.of(index, target[present], n_bins, target, present)
    return NumericBinning(
        feature=feature,
        edges=tuple(float(edge) for edge in edges),
        woes=tuple(float(woe) for woe in counts.woes),
        missing_woe=counts.missing_woe,
        information_value=counts.information_value,
        bins=counts.statistics(labels),
        missing_learned=counts.missing_learned,
    )


def fit_categorical_binning(
    feature: str, keys: NDArray[Any], target: IntArray, *, numeric_codes: bool = False
) -> CategoricalBinning:
    """Optimal groups of categories; rare categories pooled, unseen ones get a learned WoE."""
    present = np.array([key is not None for key in keys], dtype=bool)
    present_keys = keys[present].astype(str)
    distinct, frequency = np.unique(present_keys, return_counts=True)
    rare_limit = max(RARE_ROWS_MIN, RARE_SHARE * len(keys))
    rare = set(distinct[frequency < rare_limit].tolist())
    pooled = np.array([RARE_GROUP if key in rare else key for key in present_keys], dtype=object)
    groups = _optimal_groups(pooled, target[present])
    group_of = {key: index for index, group in enumerate(groups) for key in group}
    index = np.array([group_of[key] for key in pooled], dtype=np.intp)
    counts = _Counts.of(index, target[present], len(groups), target, present)
    woes = [float(woe) for woe in counts.woes]
    rare_group = next((i for i, group in enumerate(groups) if RARE_GROUP in group), None)
    unseen_woe = woes[rare_group] if rare_group is not None else max(woes)
    expanded = tuple(_expand_rare(group, rare) for group in groups)
    return CategoricalBinning(
        feature=feature,
        groups=expanded,
        woes=tuple(woes),
        missing_woe=counts.missing_woe,
        unseen_woe=unseen_woe,
        information_value=counts.information_value,
        numeric_codes=numeric_codes,
        bins=counts.statistics([", ".join(group) for group in expanded]),
        missing_learned=counts.missing_learned,
    )


@dataclass(frozen=True)
class _Counts:
    bad: NDArray[np.int64]
    rows: NDArray[np.int64]
    woes: FloatArray
    missing_rows: int
    missing_bad: int
    missing_woe: float
    missing_learned: bool
    information_value: float

    @classmethod
    def of(
        cls,
        index: NDArray[np.intp],
        present_target: IntArray,
        n_bins: int,
        target: IntArray,
        present: NDArray[np.bool_],
    ) -> _Counts:
        bad_total = int(target.sum())
        good_total = len(target) - bad_total
        rows = np.bincount(index, minlength=n_bins).astype(np.int64)
        bad = np.bincount(index, weights=present_target, minlength=n_bins).astype(np.int64)
        woes = _woe(bad, rows - bad, bad_total, good_total)
        missing_rows = int((~present).sum())
        missing_bad = int(target[~present].sum())
        learned = missing_rows >= MISSING_ROWS_MIN
        if learned:
            missing_woe = float(
                _woe(
                    np.array([missing_bad]),
                    np.array([missing_rows - missing_bad]),
                    bad_total,
                    good_total,
                )[0]
            )
        else:
            missing_woe = float(woes.max())
        all_bad = np.append(bad, missing_bad)
        all_good = np.append(rows - bad, missing_rows - missing_bad)
        all_woes = np.append(woes, missing_woe if learned else 0.0)
        shares = all_bad / max(bad_total, 1) - all_good / max(good_total, 1)
        return cls(
            bad=bad,
            rows=rows,
            woes=woes,
            missing_rows=missing_rows,
            missing_bad=missing_bad,
            missing_woe=missing_woe,
            missing_learned=learned,
            information_value=float(np.sum(shares * all_woes)),
        )

    def statistics(self, labels: list[str]) -> tuple[BinStatistics, ...]:
        bins = [
            BinStatistics(label, int(rows), int(bad), float(woe))
            for label, rows, bad, woe in zip(labels, self.rows, self.bad, self.woes, strict=True)
        ]
        bins.append(BinStatistics("missing", self.missing_rows, self.missing_bad, self.missing_woe))
        return tuple(bins)


def _optimal_splits(
    values: FloatArray, target: IntArray, dtype: str, monotonic_trend: str | None
) -> list[float]:
    if len(np.unique(values)) < 2:
        return []
    optimal = OptimalBinning(
        name="x",
        dtype=dtype,
        solver="cp",
        monotonic_trend=monotonic_trend,
        min_bin_size=MIN_BIN_SHARE,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optbinning warns about solver details, not our data
        optimal.fit(values, target)
    return [float(edge) for edge in optimal.splits]


def _optimal_groups(keys: NDArray[Any], target: IntArray) -> list[list[str]]:
    distinct = np.unique(keys.astype(str))
    if len(distinct) < 2:
        return [distinct.tolist()]
    optimal = OptimalBinning(name="x", dtype="categorical", solver="cp", min_bin_size=MIN_BIN_SHARE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimal.fit(keys, target)
    groups = [sorted(str(key) for key in group) for group in optimal.splits]
    covered = {key for group in groups for key in group}
    # categories optbinning left out (too small for a bin of their own) join the rare group
    leftover = [str(key) for key in distinct if key not in covered]
    if leftover:
        groups.append(sorted(leftover))
    return [group for group in groups if group]


def _interval_labels(edges: list[float]) -> list[str]:
    bounds = [-math.inf, *edges, math.inf]
    return [f"[{low:g}, {high:g})" for low, high in itertools.pairwise(bounds)]
