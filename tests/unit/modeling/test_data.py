from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from puhui.modeling.data import holdout_split, labelled_from_frame, load_labelled_csv
from puhui.modeling.errors import (
    DataFileNotFound,
    PositiveClassAbsent,
    PositiveClassUnclear,
    TargetColumnMissing,
    TargetNotBinary,
    TimeColumnInvalid,
    TooFewRowsPerClass,
)


def frame_with(target: list[object]) -> pd.DataFrame:
    return pd.DataFrame({"x": range(len(target)), "y": target})


def labelled(target: list[object], positive: str | None = None):  # type: ignore[no-untyped-def]
    return labelled_from_frame(frame_with(target), target="y", positive=positive, data_sha256="")


def test_a_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFound, match=r"nope\.csv"):
        load_labelled_csv(tmp_path / "nope.csv", target="y")


def test_a_missing_target_column_lists_the_columns() -> None:
    with pytest.raises(TargetColumnMissing, match="x, y"):
        labelled_from_frame(frame_with([0, 1]), target="bad", positive=None, data_sha256="")


def test_a_target_with_three_values_says_how_many_and_shows_some() -> None:
    with pytest.raises(TargetNotBinary, match=r"it has 3 \('a', 'b', 'c'\)"):
        labelled(["a", "b", "c"] * 30)


def test_zero_one_targets_take_one_as_bad() -> None:
    data = labelled([0, 1] * 30)
    assert data.positive_label == "1"
    assert data.target.tolist() == [0, 1] * 30


def test_a_bad_like_word_is_the_bad_class_and_float_codes_match_text() -> None:
    assert labelled(["good", "bad"] * 30).target.tolist() == [0, 1] * 30
    assert labelled([0.0, 1.0] * 30, positive="1").target.tolist() == [0, 1] * 30


def test_two_unrecognised_values_need_positive() -> None:
    with pytest.raises(PositiveClassUnclear, match="--positive"):
        labelled(["paid", "late"] * 30)
    assert labelled(["paid", "late"] * 30, positive="late").target.sum() == 30


def test_a_positive_value_that_does_not_occur_is_refused() -> None:
    with pytest.raises(PositiveClassAbsent, match="'2'"):
        labelled([0, 1] * 30, positive="2")


def test_too_few_rows_of_a_class_are_refused() -> None:
    with pytest.raises(TooFewRowsPerClass, match="5 bad"):
        labelled([1] * 5 + [0] * 100)


def test_rows_without_a_target_are_left_out_and_counted() -> None:
    data = labelled([0, 1] * 30 + [None])
    assert data.n_rows == 60
    assert data.rows_without_target == 1


def test_stratified_split_keeps_the_bad_rate_and_out_of_time_holds_out_the_latest() -> None:
    frame = pd.DataFrame(
        {"when": pd.date_range("2024-01-01", periods=400).astype(str), "y": [0, 0, 0, 1] * 100}
    )
    data = labelled_from_frame(frame, target="y", positive=None, data_sha256="")
    split = holdout_split(data, holdout_fraction=0.25, seed=0)
    assert len(split.test_rows) == 100
    assert data.target[split.test_rows].mean() == pytest.approx(0.25)
    by_time = holdout_split(data, holdout_fraction=0.25, seed=0, time_column="when")
    assert by_time.test_rows.min() == 300
    with pytest.raises(TimeColumnInvalid):
        holdout_split(data, holdout_fraction=0.25, seed=0, time_column="nope")
