"""Jurisdiction profiles: dated limits, loan classification and delinquency buckets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.compliance.errors import InvalidProfile
from puhui.compliance.profile import JurisdictionProfile, load_profile, profile_from_mapping

CN = load_profile("cn")
CLASSES = ["normal", "special_mention", "substandard", "doubtful", "loss"]
BUCKETS = ["current", "1-30", "31-60", "61-90", "91-180", "180+"]


def mapping(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "xx",
        "name": "Test land",
        "limits": {"cap": [{"from": "2024-01-01", "value": 10}]},
        "classification": [
            {"name": "good", "from_days_past_due": 0},
            {"name": "bad", "from_days_past_due": 30},
        ],
        "delinquency_buckets": [{"name": "all", "from_days_past_due": 0}],
    }
    data.update(changes)
    return data


def test_the_default_profile_is_china() -> None:
    assert load_profile() == CN
    assert CN.code == "cn"


def test_an_unshipped_profile_is_refused() -> None:
    with pytest.raises(InvalidProfile, match="zz"):
        load_profile("zz")


@pytest.mark.parametrize(
    ("days_past_due", "expected"),
    [
        (0, "normal"),
        (1, "special_mention"),
        (90, "special_mention"),
        (91, "substandard"),
        (270, "substandard"),
        (271, "doubtful"),
        (360, "doubtful"),
        (361, "loss"),
        (10_000, "loss"),
    ],
)
def test_loans_are_classified_by_days_past_due(days_past_due: int, expected: str) -> None:
    assert CN.classify(days_past_due) == expected


@pytest.mark.parametrize(
    ("days_past_due", "expected"),
    [
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-180"),
        (180, "91-180"),
        (181, "180+"),
        (5_000, "180+"),
    ],
)
def test_loans_fall_in_delinquency_buckets_by_days_past_due(
    days_past_due: int, expected: str
) -> None:
    assert CN.bucket(days_past_due) == expected


@given(st.integers(0, 5_000))
def test_classification_and_bucket_never_improve_with_more_days_past_due(days: int) -> None:
    assert CLASSES.index(CN.classify(days)) <= CLASSES.index(CN.classify(days + 1))
    assert BUCKETS.index(CN.bucket(days)) <= BUCKETS.index(CN.bucket(days + 1))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2020, 11, 2), 30_000_000),
        (date(2024, 6, 1), 30_000_000),
        (date(2025, 1, 16), 30_000_000),
        (date(2025, 1, 17), 20_000_000),
        (date(2030, 1, 1), 20_000_000),
    ],
)
def test_a_limit_takes_the_value_in_force_on_the_date(on: date, expected: int) -> None:
    assert CN.value("per_borrower_balance_consumer_minor", on) == expected


def test_a_limit_is_not_in_force_before_its_first_date() -> None:
    with pytest.raises(InvalidProfile, match="not in force"):
        CN.value("per_borrower_balance_consumer_minor", date(2020, 11, 1))


def test_the_annual_cost_cap_starts_on_1_october_2025() -> None:
    assert CN.value("annual_cost_cap", date(2025, 10, 1)) == "0.24"
    with pytest.raises(InvalidProfile):
        CN.value("annual_cost_cap", date(2025, 9, 30))


def test_an_unknown_limit_is_refused_by_name() -> None:
    with pytest.raises(InvalidProfile, match="no_such_limit"):
        CN.value("no_such_limit", date(2025, 1, 1))


def test_limit_history_may_be_written_in_any_order() -> None:
    profile = profile_from_mapping(
        mapping(
            limits={
                "cap": [
                    {"from": "2025-01-01", "value": 20},
                    {"from": "2023-01-01", "value": 5},
                    {"from": "2024-01-01", "value": 10},
                ]
            }
        )
    )
    values = [profile.value("cap", date(year, 6, 1)) for year in (2023, 2024, 2025)]
    assert values == [5, 10, 20]


def test_a_profile_without_limits_has_none() -> None:
    profile = profile_from_mapping(mapping(limits=None))
    with pytest.raises(InvalidProfile):
        profile.value("cap", date(2025, 1, 1))


def test_a_mapping_builds_the_bands_it_describes() -> None:
    profile: JurisdictionProfile = profile_from_mapping(mapping())
    assert [profile.classify(d) for d in (0, 29, 30)] == ["good", "good", "bad"]
    assert profile.bucket(400) == "all"


@pytest.mark.parametrize("field", ["classification", "delinquency_buckets"])
@pytest.mark.parametrize(
    "starts",
    [[], [1, 30], [0, 30, 30], [0, 60, 30]],
    ids=["empty", "not-from-zero", "repeated", "falling"],
)
def test_bands_must_start_at_zero_and_rise_strictly(field: str, starts: list[int]) -> None:
    bands = [{"name": f"band-{i}", "from_days_past_due": s} for i, s in enumerate(starts)]
    with pytest.raises(InvalidProfile, match="start at 0"):
        profile_from_mapping(mapping(**{field: bands}))


def test_two_values_of_a_limit_from_the_same_date_are_refused() -> None:
    limits = {"cap": [{"from": "2024-01-01", "value": 10}, {"from": "2024-01-01", "value": 5}]}
    with pytest.raises(InvalidProfile):
        profile_from_mapping(mapping(limits=limits))
