"""How each raw column enters a model: as a number, as a category, or not at all.

The same conversions serve training (a whole frame), batch scoring (a frame) and the
single-applicant path (a mapping of Python values), so a value means the same thing in all
three: text that is not a number becomes missing in a numeric column, infinities are
missing, and categories are compared as trimmed text ("2" and 2 and 2.0 are one category of a
numeric code column).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from puhui.modeling.errors import NoUsableFeatures

ColumnKind = Literal["numeric", "text"]
FloatArray = NDArray[np.float64]
ObjectArray = NDArray[np.object_]

DISCRETE_DISTINCT_MAX = 12
"""Integer columns with at most this many values are codes (status, grade): binned as
categories, because their risk is often not monotonic in the code (e.g. -2/-1/0 status)."""

CATEGORY_DISTINCT_MAX = 200
"""Text columns with more distinct values are free text or identifiers: not modelled."""


@dataclass(frozen=True)
class ColumnPlan:
    """Which raw columns a model uses and how; `dropped` says why the others are not used."""

    kinds: dict[str, ColumnKind]
    discrete: frozenset[str] = frozenset()
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def numeric(self) -> list[str]:
        return [name for name, kind in self.kinds.items() if kind == "numeric"]

    @property
    def text(self) -> list[str]:
        return [name for name, kind in self.kinds.items() if kind == "text"]


def plan_columns(frame: pd.DataFrame, *, exclude: tuple[str, ...] = ()) -> ColumnPlan:
    """Type each column from training data and drop those that cannot carry risk signal.

    Dropped: excluded columns (e.g. the time column), constants, identifiers (integer or text
    columns with a different value on every row) and text with more than
    `CATEGORY_DISTINCT_MAX` values.

    Raises:
        NoUsableFeatures: no column is left.
    """
    kinds: dict[str, ColumnKind] = {}
    discrete: set[str] = set()
    dropped: dict[str, str] = {}
    n_rows = len(frame)
    for name in frame.columns:
        column_name = str(name)
        if column_name in exclude:
            dropped[column_name] = "excluded"
            continue
        column = frame[name]
        is_numeric = pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
        values = numeric_values(column) if is_numeric else category_keys(column)
        reason = _reason_to_drop(values, is_numeric=is_numeric, n_rows=n_rows)
        if reason is not None:
            dropped[column_name] = reason
            continue
        kinds[column_name] = "numeric" if is_numeric else "text"
        if is_numeric and _is_discrete_code(np.asarray(values, dtype=np.float64)):
            discrete.add(column_name)
    if not kinds:
        raise NoUsableFeatures(
            "no usable feature column: every column is constant, an identifier or free text "
            f"({dropped}); add feature columns to the file"
        )
    return ColumnPlan(kinds=kinds, discrete=frozenset(discrete), dropped=dropped)


def _reason_to_drop(values: NDArray[Any], *, is_numeric: bool, n_rows: int) -> str | None:
    present = values[~np.isnan(values)] if is_numeric else values[values != None]  # noqa: E711
    distinct = len(np.unique(present.astype(float if is_numeric else str)))
    if distinct <= 1:
        return "constant or empty"
    if distinct == n_rows and (not is_numeric or bool(np.all(present == np.round(present)))):
        return "identifier (a different value on every row)"
    if not is_numeric and distinct > CATEGORY_DISTINCT_MAX:
        return f"free text ({distinct} distinct values)"
    return None


def _is_discrete_code(values: FloatArray) -> bool:
    present = values[~np.isnan(values)]
    if not np.all(present == np.round(present)):
        return False
    return len(np.unique(present)) <= DISCRETE_DISTINCT_MAX


def numeric_values(column: Any) -> FloatArray:
    """A column as float64; non-numbers and infinities become NaN (missing)."""
    series = column if isinstance(column, pd.Series) else pd.Series(column)
    if pd.api.types.is_bool_dtype(series):
        series = series.astype(float)
    values = pd.to_numeric(series, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan, copy=True
    )
    values[~np.isfinite(values)] = np.nan
    return np.asarray(values, dtype=np.float64)


def category_keys(column: Any) -> ObjectArray:
    """A column as trimmed text keys (object array); missing and empty become None."""
    series = column if isinstance(column, pd.Series) else pd.Series(column)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return np.array([numeric_key(value) for value in numeric_values(series)], dtype=object)
    text = series.astype("string").str.strip()
    keys = text.to_numpy(dtype=object, na_value=None, copy=True)
    keys[keys == ""] = None
    return np.asarray(keys, dtype=object)


def numeric_key(value: float) -> str | None:
    """The category key of a number: '2' for 2 and 2.0, None for missing."""
    if math.isnan(value):
        return None
    return str(int(value)) if value == int(value) else repr(value)


def scalar_number(value: object) -> float:
    """One applicant's value as a float, with the same rules as `numeric_values`."""
    if value is None or isinstance(value, bool):
        return float(value) if isinstance(value, bool) else math.nan
    if isinstance(value, int | float):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return math.nan
    return number if math.isfinite(number) else math.nan


def scalar_key(value: object, *, numeric: bool) -> str | None:
    """One applicant's value as a category key, with the same rules as `category_keys`."""
    if numeric:
        return numeric_key(scalar_number(value))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def columns_from_frame(frame: pd.DataFrame, plan: Mapping[str, ColumnKind]) -> dict[str, Any]:
    """The model's raw input columns of a frame as arrays: floats for numeric, keys for text.

    A column absent from the frame is all missing (the caller decides whether that is an
    error, see `FeatureColumnsMissing`).
    """
    n_rows = len(frame)
    columns: dict[str, Any] = {}
    for name, kind in plan.items():
        if name in frame.columns:
            raw = frame[name]
            columns[name] = numeric_values(raw) if kind == "numeric" else category_keys(raw)
        elif kind == "numeric":
            columns[name] = np.full(n_rows, np.nan)
        else:
            columns[name] = np.full(n_rows, None, dtype=object)
    return columns


def columns_from_mapping(
    applicant: Mapping[str, object], plan: Mapping[str, ColumnKind]
) -> dict[str, Any]:
    """One applicant's values as one-row columns, so single and batch scoring share one path."""
    columns: dict[str, Any] = {}
    for name, kind in plan.items():
        value = applicant.get(name)
        if kind == "numeric":
            columns[name] = np.array([scalar_number(value)])
        else:
            columns[name] = np.array([scalar_key(value, numeric=False)], dtype=object)
    return columns
