"""Generic derived features: aggregates of column families and ratios of amounts.

Credit data often carries the same measure for several periods (`bill_1 … bill_6`) and
amounts whose relation says more than each alone (a balance relative to its limit, a payment
relative to its bill). An additive scorecard cannot see such relations, so we propose them —
from column names and value ranges alone, never from knowledge of a particular data set — and
let information value decide which are kept:

- a *family* is three or more numeric columns named alike but for a trailing number; it gets
  its mean, maximum, minimum, count of values above zero and first-minus-rest change;
- an *amount* is a numeric column with many distinct values; pairs of amount families of one
  length get the ratio of their totals and of their first members, amount families get their
  first member and mean relative to each other amount, and other amounts are paired by ratio.

A derived feature is a small JSON-able value (operation and inputs), computed by the same
vectorised function for a whole table and for one applicant (arrays of length one).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

OPERATIONS = ("mean", "max", "min", "count_positive", "first_minus_rest", "ratio", "sum_ratio")
FAMILY_MEMBERS_MIN = 3
AMOUNT_DISTINCT_MIN = 20
"""A numeric column with more distinct values than this is an amount, not a code."""
CANDIDATES_MAX = 160
"""Bound on proposals so a wide file cannot make training quadratic in its columns."""
SINGLE_AMOUNTS_PAIRED_MAX = 10

_FAMILY_NAME = re.compile(r"^(.*?[A-Za-z_.\- ])(\d+)$")


@dataclass(frozen=True)
class DerivedFeature:
    """One derived column: `operation` over `inputs` (and `denominators` for ratios)."""

    name: str
    operation: str
    inputs: tuple[str, ...]
    denominators: tuple[str, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ValueError(f"unknown derived-feature operation {self.operation!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "operation": self.operation,
            "inputs": list(self.inputs),
            "denominators": list(self.denominators),
            "label": self.label,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> DerivedFeature:
        return cls(
            name=str(document["name"]),
            operation=str(document["operation"]),
            inputs=tuple(str(item) for item in document["inputs"]),
            denominators=tuple(str(item) for item in document.get("denominators", [])),
            label=str(document.get("label", "")),
        )


def compute_derived(
    columns: Mapping[str, FloatArray], features: Sequence[DerivedFeature]
) -> dict[str, FloatArray]:
    """Values of `features`, in order (a later feature may use an earlier one)."""
    available = dict(columns)
    values: dict[str, FloatArray] = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing rows give NaN on purpose
        for feature in features:
            values[feature.name] = available[feature.name] = _compute_one(feature, available)
    return values


def _compute_one(feature: DerivedFeature, columns: Mapping[str, FloatArray]) -> FloatArray:
    stacked = np.column_stack([columns[name] for name in feature.inputs])
    operation = feature.operation
    if operation == "ratio":
        return _safe_ratio(np.asarray(stacked[:, 0]), columns[feature.denominators[0]])
    if operation == "sum_ratio":
        denominators = np.column_stack([columns[name] for name in feature.denominators])
        return _safe_ratio(np.nansum(stacked, axis=1), np.nansum(denominators, axis=1))
    if operation == "mean":
        return np.asarray(np.nanmean(stacked, axis=1), dtype=np.float64)
    if operation == "max":
        return np.asarray(np.nanmax(stacked, axis=1), dtype=np.float64)
    if operation == "min":
        return np.asarray(np.nanmin(stacked, axis=1), dtype=np.float64)
    if operation == "count_positive":
        present = ~np.isnan(stacked)
        counts: FloatArray = (np.nan_to_num(stacked) > 0).sum(axis=1).astype(np.float64)
        counts[~present.any(axis=1)] = np.nan
        return counts
    # first_minus_rest: the first member's change against the mean of the others
    return np.asarray(stacked[:, 0] - np.nanmean(stacked[:, 1:], axis=1), dtype=np.float64)


def _safe_ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """A ratio that is missing (not infinite) where the denominator is zero or missing."""
    ratio: FloatArray = np.full(numerator.shape, np.nan)
    usable = (denominator != 0) & ~np.isnan(denominator) & ~np.isnan(numerator)
    np.divide(numerator, denominator, out=ratio, where=usable)
    return ratio


def find_families(numeric_names: Sequence[str]) -> dict[str, list[str]]:
    """Columns named alike but for a trailing number (≥ 3 members), ordered by that number."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for name in numeric_names:
        match = _FAMILY_NAME.match(name)
        if match:
            groups.setdefault(match.group(1), []).append((int(match.group(2)), name))
    return {
        stem: [name for _, name in sorted(members)]
        for stem, members in groups.items()
        if len(members) >= FAMILY_MEMBERS_MIN
    }


def propose_derived_features(
    columns: Mapping[str, FloatArray], *, discrete: frozenset[str] = frozenset()
) -> list[DerivedFeature]:
    """Candidate derived features for these numeric training columns (at most CANDIDATES_MAX)."""
    families = find_families(list(columns))
    proposals: list[DerivedFeature] = []
    for stem, members in families.items():
        proposals.extend(_family_aggregates(stem, members))
    amount_families = {
        stem: members
        for stem, members in families.items()
        if all(_is_amount(columns[name], name, discrete) for name in members)
    }
    in_family = {name for members in families.values() for name in members}
    single_amounts = [
        name
        for name, values in columns.items()
        if name not in in_family and _is_amount(values, name, discrete)
    ][:SINGLE_AMOUNTS_PAIRED_MAX]
    proposals.extend(_family_pair_ratios(amount_families))
    proposals.extend(_family_to_amount_ratios(amount_families, single_amounts))
    proposals.extend(_amount_pair_ratios(single_amounts))
    unique = {feature.name: feature for feature in proposals if feature.name not in columns}
    return list(unique.values())[:CANDIDATES_MAX]


def _is_amount(values: FloatArray, name: str, discrete: frozenset[str]) -> bool:
    if name in discrete:
        return False
    present = values[~np.isnan(values)]
    return len(np.unique(present[:5000])) > AMOUNT_DISTINCT_MIN


def _stem_label(stem: str) -> str:
    return stem.strip(" _.-")


def _family_aggregates(stem: str, members: list[str]) -> list[DerivedFeature]:
    label = _stem_label(stem)
    inputs = tuple(members)
    span = f"{members[0]}..{members[-1]}"
    return [
        DerivedFeature(f"mean({span})", "mean", inputs, label=f"average {label}"),
        DerivedFeature(f"max({span})", "max", inputs, label=f"highest {label}"),
        DerivedFeature(f"min({span})", "min", inputs, label=f"lowest {label}"),
        DerivedFeature(
            f"count_positive({span})",
            "count_positive",
            inputs,
            label=f"number of {label} values above zero",
        ),
        DerivedFeature(
            f"first_minus_rest({span})",
            "first_minus_rest",
            inputs,
            label=f"change in {label} (latest against earlier)",
        ),
    ]


def _family_pair_ratios(families: Mapping[str, list[str]]) -> list[DerivedFeature]:
    proposals: list[DerivedFeature] = []
    for stem, members in families.items():
        for other_stem, others in families.items():
            if stem == other_stem or len(members) != len(others):
                continue
            label, other_label = _stem_label(stem), _stem_label(other_stem)
            proposals.append(
                DerivedFeature(
                    f"sum_ratio({members[0]}..{members[-1]}/{others[0]}..{others[-1]})",
                    "sum_ratio",
                    tuple(members),
                    tuple(others),
                    label=f"total {label} relative to total {other_label}",
                )
            )
            proposals.append(
                DerivedFeature(
                    f"ratio({members[0]}/{others[0]})",
                    "ratio",
                    (members[0],),
                    (others[0],),
                    label=f"latest {label} relative to latest {other_label}",
                )
            )
    return proposals


def _family_to_amount_ratios(
    families: Mapping[str, list[str]], amounts: Sequence[str]
) -> list[DerivedFeature]:
    proposals: list[DerivedFeature] = []
    for stem, members in families.items():
        label = _stem_label(stem)
        mean_name = f"mean({members[0]}..{members[-1]})"
        for amount in amounts:
            proposals.append(
                DerivedFeature(
                    f"ratio({members[0]}/{amount})",
                    "ratio",
                    (members[0],),
                    (amount,),
                    label=f"latest {label} relative to {amount}",
                )
            )
            proposals.append(
                DerivedFeature(
                    f"ratio({mean_name}/{amount})",
                    "ratio",
                    (mean_name,),
                    (amount,),
                    label=f"average {label} relative to {amount}",
                )
            )
    return proposals


def _amount_pair_ratios(amounts: Sequence[str]) -> list[DerivedFeature]:
    return [
        DerivedFeature(
            f"ratio({first}/{second})",
            "ratio",
            (first,),
            (second,),
            label=f"{first} relative to {second}",
        )
        for index, first in enumerate(amounts)
        for second in amounts[index + 1 :]
    ]


def required_features(
    chosen: Sequence[str], proposals: Sequence[DerivedFeature]
) -> list[DerivedFeature]:
    """The derived features `chosen` needs, with the derived features they are built on."""
    by_name = {feature.name: feature for feature in proposals}
    needed: set[str] = set()
    pending = [name for name in chosen if name in by_name]
    for _ in range(len(by_name) + 1):  # bound: each feature is added at most once
        if not pending:
            break
        name = pending.pop()
        if name in needed:
            continue
        needed.add(name)
        feature = by_name[name]
        pending.extend(dep for dep in (*feature.inputs, *feature.denominators) if dep in by_name)
    return [feature for feature in proposals if feature.name in needed]
