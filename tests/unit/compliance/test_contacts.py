"""Contacts are never planned in the quiet hours nor beyond the daily cap (profile cn:
22:00–08:00 quiet, 3 contacts a day)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.compliance.contacts import ContactRules, plan_contact
from puhui.compliance.profile import load_profile
from puhui.core.errors import InvalidInput

RULES = ContactRules.of(load_profile(), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (datetime(2026, 3, 2, 9, 0), datetime(2026, 3, 2, 9, 0)),
        (datetime(2026, 3, 2, 7, 59), datetime(2026, 3, 2, 8, 0)),
        (datetime(2026, 3, 2, 22, 0), datetime(2026, 3, 3, 8, 0)),
        (datetime(2026, 3, 2, 21, 59), datetime(2026, 3, 2, 21, 59)),
        (datetime(2026, 3, 2, 0, 30), datetime(2026, 3, 2, 8, 0)),
    ],
)
def test_quiet_hours_move_a_contact_to_eight_in_the_morning(
    wanted: datetime, expected: datetime
) -> None:
    assert ContactRules(22, 8, 3) == RULES
    assert plan_contact(RULES, wanted, {}) == expected


def test_a_full_day_moves_the_contact_to_the_next_morning() -> None:
    full = {date(2026, 3, 2): 3, date(2026, 3, 3): 3}
    assert plan_contact(RULES, datetime(2026, 3, 2, 9), full) == datetime(2026, 3, 4, 8)


def test_a_cap_of_zero_is_refused_with_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="daily contact cap"):
        plan_contact(ContactRules(22, 8, 0), datetime(2026, 3, 2, 9), {})


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
    st.lists(st.integers(min_value=0, max_value=5), min_size=5, max_size=5),
)
def test_a_planned_contact_is_never_quiet_nor_over_the_cap(
    wanted: datetime, planned: list[int]
) -> None:
    counts = {wanted.date() + timedelta(n): count for n, count in enumerate(planned)}
    at = plan_contact(RULES, wanted, counts)
    assert at >= wanted
    assert 8 <= at.hour < 22
    assert counts.get(at.date(), 0) < 3
