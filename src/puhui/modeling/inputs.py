"""A model's inputs: the raw columns it reads and the derived features it computes from them.

Both model kinds share this so that one applicant (a mapping) and a table (a frame) go through
the same conversions and the same vectorised derived-feature code; only the row count differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from puhui.modeling.derived import DerivedFeature, compute_derived
from puhui.modeling.preprocess import ColumnKind, columns_from_frame, columns_from_mapping


@dataclass(frozen=True)
class ModelInputs:
    """Raw input columns (name → numeric/text) and derived features, in computing order."""

    kinds: dict[str, ColumnKind]
    derived: tuple[DerivedFeature, ...] = ()

    def labels(self) -> dict[str, str]:
        """Plain-word labels of derived features (raw columns are described by their names)."""
        return {feature.name: feature.label for feature in self.derived}

    def values_of_frame(self, frame: pd.DataFrame) -> dict[str, Any]:
        """Every input and derived value of a table, by name."""
        return self._with_derived(columns_from_frame(frame, self.kinds))

    def values_of_applicant(self, applicant: Mapping[str, object]) -> dict[str, Any]:
        """Every input and derived value of one applicant, as one-row arrays."""
        return self._with_derived(columns_from_mapping(applicant, self.kinds))

    def _with_derived(self, columns: dict[str, Any]) -> dict[str, Any]:
        if self.derived:
            numeric = {
                name: columns[name] for name, kind in self.kinds.items() if kind == "numeric"
            }
            columns.update(compute_derived(numeric, self.derived))
        return columns

    def missing_columns(self, available: Sequence[str]) -> list[str]:
        """Raw inputs not among `available` columns."""
        present = set(map(str, available))
        return [name for name in self.kinds if name not in present]

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": dict(self.kinds),
            "derived_features": [feature.to_json() for feature in self.derived],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> ModelInputs:
        kinds: dict[str, ColumnKind] = {}
        for name, kind in dict(document["columns"]).items():
            if kind not in ("numeric", "text"):
                raise ValueError(f"column {name!r} has unknown kind {kind!r}")
            kinds[str(name)] = "numeric" if kind == "numeric" else "text"
        derived = tuple(DerivedFeature.from_json(item) for item in document["derived_features"])
        return cls(kinds=kinds, derived=derived)
