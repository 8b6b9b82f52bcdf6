"""Labelled data sets: read a CSV, find the bad class, and split off a hold-out sample.

A model is only as trustworthy as its target, so the target is validated loudly here (two
values, a known bad class, enough rows of each) before any training starts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.model_selection import train_test_split

from puhui.modeling.errors import (
    DataFileNotFound,
    DataFileUnreadable,
    PositiveClassAbsent,
    PositiveClassUnclear,
    TargetColumnMissing,
    TargetNotBinary,
    TimeColumnInvalid,
    TooFewRowsPerClass,
)

MIN_ROWS_PER_CLASS = 20
"""Below this a hold-out AUC is noise and binning cannot estimate a bad rate per bin."""

BAD_CLASS_WORDS = frozenset({"1", "bad", "default", "defaulted", "yes", "true", "y", "positive"})
"""Target values read as 'the bad class' when the caller does not name one."""

SHOWN_VALUES_MAX = 5


@dataclass(frozen=True)
class LabelledData:
    """Feature columns and a 0/1 target (1 = the bad class) read from one file."""

    features: pd.DataFrame
    target: NDArray[np.int8]
    target_column: str
    positive_label: str
    data_sha256: str
    rows_without_target: int

    @property
    def n_rows(self) -> int:
        return len(self.target)


@dataclass(frozen=True)
class HoldoutSplit:
    """Row positions of the training and hold-out samples."""

    train_rows: NDArray[np.intp]
    test_rows: NDArray[np.intp]
    method: str


def read_csv_file(path: Path) -> tuple[pd.DataFrame, str]:
    """Read a CSV into a frame and hash its bytes (the hash goes into the model's manifest).

    Raises:
        DataFileNotFound: no such file.
        DataFileUnreadable: empty or not a CSV table.
    """
    if not path.is_file():
        raise DataFileNotFound(f"data file {str(path)!r} does not exist; check the path")
    raw = path.read_bytes()
    try:
        frame = pd.read_csv(path, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataFileUnreadable(
            f"{str(path)!r} is not a readable CSV table ({error}); save it as UTF-8 CSV "
            "with one header row"
        ) from error
    if frame.empty or len(frame.columns) < 2:
        raise DataFileUnreadable(
            f"{str(path)!r} has no data rows or fewer than two columns; a labelled data set "
            "needs a target column and at least one feature"
        )
    return frame, hashlib.sha256(raw).hexdigest()


def load_labelled_csv(path: Path, *, target: str, positive: str | None = None) -> LabelledData:
    """Read a CSV and validate its binary target.

    Args:
        path: the CSV file.
        target: name of the target column.
        positive: the target value meaning 'bad' (default, see `resolve_positive_label`).

    Raises:
        TargetColumnMissing, TargetNotBinary, PositiveClassUnclear, PositiveClassAbsent,
        TooFewRowsPerClass: the target cannot train a model; the message says why.
    """
    frame, digest = read_csv_file(path)
    return labelled_from_frame(frame, target=target, positive=positive, data_sha256=digest)


def labelled_from_frame(
    frame: pd.DataFrame, *, target: str, positive: str | None, data_sha256: str
) -> LabelledData:
    """Validate the target of an in-memory frame and split it from the features."""
    if target not in frame.columns:
        raise TargetColumnMissing(
            f"target column {target!r} is not in the file; its columns are "
            f"{', '.join(map(str, frame.columns))}"
        )
    labels = _target_labels(frame[target])
    known = labels.notna().to_numpy()
    labels = labels[known]
    positive_label = resolve_positive_label(labels, positive)
    is_bad = (labels == positive_label).to_numpy().astype(np.int8)
    _require_rows_per_class(is_bad, positive_label)
    features = frame.loc[known].drop(columns=[target]).reset_index(drop=True)
    return LabelledData(
        features=features,
        target=is_bad,
        target_column=target,
        positive_label=positive_label,
        data_sha256=data_sha256,
        rows_without_target=int((~known).sum()),
    )


def _target_labels(column: pd.Series) -> pd.Series:
    """Target values as text, so `--positive 1` matches 1, 1.0 read as a number matches '1'."""
    if pd.api.types.is_float_dtype(column):
        finite = column.dropna()
        if (finite == finite.round()).all():
            return column.astype("Int64").astype("string")
    return column.astype("string").str.strip()


def resolve_positive_label(labels: pd.Series, positive: str | None) -> str:
    """The target value that means 'bad'.

    Default: with values 0/1, 1; with two values of which exactly one reads as bad
    (bad, default, yes, true, 1, ...), that one; otherwise the caller must name it.
    """
    distinct = sorted(labels.unique().tolist())
    if len(distinct) != 2:
        shown = ", ".join(repr(value) for value in distinct[:SHOWN_VALUES_MAX])
        more = " …" if len(distinct) > SHOWN_VALUES_MAX else ""
        raise TargetNotBinary(
            f"the target must have exactly two distinct values; it has {len(distinct)}"
            f" ({shown}{more}); choose a binary target column or recode it"
        )
    if positive is not None:
        wanted = positive.strip()
        if wanted not in distinct:
            raise PositiveClassAbsent(
                f"--positive {positive!r} does not occur in the target; its values are "
                f"{distinct[0]!r} and {distinct[1]!r}"
            )
        return wanted
    bad_like = [value for value in distinct if value.lower() in BAD_CLASS_WORDS]
    if len(bad_like) == 1:
        return str(bad_like[0])
    raise PositiveClassUnclear(
        f"cannot tell which target value is the bad class ({distinct[0]!r} or "
        f"{distinct[1]!r}); pass --positive with the value that means bad"
    )


def _require_rows_per_class(is_bad: NDArray[np.int8], positive_label: str) -> None:
    bad_count = int(is_bad.sum())
    good_count = len(is_bad) - bad_count
    if min(bad_count, good_count) < MIN_ROWS_PER_CLASS:
        raise TooFewRowsPerClass(
            f"the data has {bad_count} bad ({positive_label!r}) and {good_count} other rows; "
            f"each class needs at least {MIN_ROWS_PER_CLASS} rows to train and validate a model"
        )


def holdout_split(
    data: LabelledData,
    *,
    holdout_fraction: float,
    seed: int,
    time_column: str | None = None,
) -> HoldoutSplit:
    """Split rows into training and hold-out samples.

    Stratified random by default; with `time_column`, out-of-time: the latest
    `holdout_fraction` of rows (by that column) are held out, so the model is judged on a
    later period than it learned from.
    """
    n_rows = data.n_rows
    positions = np.arange(n_rows)
    if time_column is None:
        train_rows, test_rows = train_test_split(
            positions, test_size=holdout_fraction, stratify=data.target, random_state=seed
        )
        split = HoldoutSplit(np.sort(train_rows), np.sort(test_rows), "stratified")
    else:
        order = np.argsort(_time_values(data.features, time_column), kind="stable")
        cut = n_rows - round(n_rows * holdout_fraction)
        split = HoldoutSplit(
            np.sort(order[:cut]), np.sort(order[cut:]), f"out-of-time:{time_column}"
        )
    for name, rows in (("training", split.train_rows), ("hold-out", split.test_rows)):
        bad_count = int(data.target[rows].sum())
        if min(bad_count, len(rows) - bad_count) < 1:
            raise TooFewRowsPerClass(
                f"the {name} sample has only one class; use more data or a larger hold-out"
            )
    return split


def _time_values(features: pd.DataFrame, time_column: str) -> NDArray[np.float64]:
    if time_column not in features.columns:
        raise TimeColumnInvalid(
            f"time column {time_column!r} is not in the file; its columns are "
            f"{', '.join(map(str, features.columns))}"
        )
    column = features[time_column]
    if pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
    else:
        parsed = pd.to_datetime(column, errors="coerce", format="mixed")
        if parsed.isna().mean() > 0.5:
            raise TimeColumnInvalid(
                f"time column {time_column!r} does not hold dates (e.g. 2024-03-31) or numbers"
            )
        values = parsed.astype("int64").to_numpy(dtype=float, copy=True)
        values[parsed.isna().to_numpy()] = np.nan
    return np.asarray(values, dtype=np.float64)
