"""Synthetic people are well-formed; consent is live between grant and withdrawal only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.security.consent import ConsentRecord, Purpose, live_purposes, require_consent
from puhui.security.customers import check_personal
from puhui.security.errors import ConsentRequired
from puhui.security.personal_data import Field
from puhui.sim.people import synthetic_person

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@given(st.integers(min_value=0, max_value=10**9))
def test_synthetic_people_pass_validation_and_their_check_digits(customer_id: int) -> None:
    person = synthetic_person(3, customer_id)
    check_personal(person)
    number = person[Field.ID_NUMBER]
    expected = "10X98765432"[
        sum(int(d) * w for d, w in zip(number[:17], WEIGHTS, strict=True)) % 11
    ]
    assert number[17] == expected
    assert luhn_ok(person[Field.BANK_CARD])
    assert synthetic_person(3, customer_id) == person


def test_consent_is_live_from_grant_until_withdrawal() -> None:
    start = datetime(2025, 1, 1)
    record = ConsentRecord(1, 5, Purpose.BUREAU_QUERY, "loans", start, start + timedelta(days=3))
    assert live_purposes([record], start + timedelta(days=1)) == {Purpose.BUREAU_QUERY}
    assert live_purposes([record], start - timedelta(seconds=1)) == set()
    with pytest.raises(ConsentRequired, match="bureau_query"):
        require_consent([record], Purpose.BUREAU_QUERY, start + timedelta(days=3))
