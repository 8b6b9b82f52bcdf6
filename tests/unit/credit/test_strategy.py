"""Strategy: bands, limits capped by product and profile, price capped, stable challenger split."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from puhui.compliance.profile import load_profile
from puhui.credit.errors import InvalidStrategy
from puhui.credit.strategy import (
    LimitInputs,
    Outcome,
    choose_strategy,
    load_strategy,
    offer_terms,
    parse_strategy,
)

PROFILE = load_profile()
CHAMPION = load_strategy()
CHALLENGER = load_strategy("src/puhui/credit/strategies/challenger.yaml")


def inputs(**changes: object) -> LimitInputs:
    values: dict[str, object] = {
        "requested_minor": 2_000_000,
        "monthly_income_minor": 1_000_000,
        "is_merchant": False,
        "existing_exposure_minor": 0,
        "product_min_minor": 50_000,
        "product_max_minor": 20_000_000,
        "requested_periods": 12,
    }
    values.update(changes)
    return LimitInputs(**values)  # type: ignore[arg-type]


def test_bands_map_pd_to_outcome_and_rate() -> None:
    on = date(2025, 6, 1)
    assert offer_terms(
        CHAMPION, pd=0.01, inputs=inputs(), profile=PROFILE, on=on
    ).annual_rate == Decimal("0.0995")
    assert (
        offer_terms(CHAMPION, pd=0.15, inputs=inputs(), profile=PROFILE, on=on).outcome
        is Outcome.REFER
    )
    assert (
        offer_terms(CHAMPION, pd=0.5, inputs=inputs(), profile=PROFILE, on=on).outcome
        is Outcome.DECLINE
    )


def test_the_limit_is_the_lowest_of_request_income_multiple_and_the_profile_caps() -> None:
    on = date(2025, 6, 1)
    # Band C: 1.5 × 10,000 a month = 15,000 < 20,000 asked.
    terms = offer_terms(CHAMPION, pd=0.05, inputs=inputs(), profile=PROFILE, on=on)
    assert (terms.amount_minor, terms.limit_reason) == (1_500_000, "income or sales multiple")
    # An individual owing 190,000 elsewhere on the platform can borrow at most 10,000 more
    # under the 200,000 per-borrower cap in force from 2025-01-17.
    owed = offer_terms(
        CHAMPION,
        pd=0.01,
        inputs=inputs(
            monthly_income_minor=100_000_000,
            existing_exposure_minor=19_000_000,
            requested_minor=5_000_000,
        ),
        profile=PROFILE,
        on=on,
    )
    assert (owed.amount_minor, owed.limit_reason) == (1_000_000, "per-borrower cap")
    # Consumers: at most a third of a year's income including what they owe.
    third = offer_terms(
        CHAMPION,
        pd=0.01,
        inputs=inputs(monthly_income_minor=300_000, requested_minor=1_500_000),
        profile=PROFILE,
        on=on,
    )
    assert third.amount_minor <= 300_000 * 12 // 3
    too_small = offer_terms(
        CHAMPION, pd=0.01, inputs=inputs(monthly_income_minor=1_000), profile=PROFILE, on=on
    )
    assert too_small.outcome is Outcome.DECLINE


def test_challenger_share_is_stable_and_close_to_the_configured_share() -> None:
    picks = [choose_strategy(i, CHAMPION, CHALLENGER, 0.2) for i in range(20_000)]
    share = sum(p is CHALLENGER for p in picks) / len(picks)
    assert 0.18 < share < 0.22
    assert all(choose_strategy(i, CHAMPION, CHALLENGER, 0.2) is picks[i] for i in range(500))
    assert choose_strategy(7, CHAMPION, None, 0.5) is CHAMPION


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name: s\nversion: 1\nbands:\n - {name: A, max_pd: '0.5', outcome: approve}",
            "annual_rate",
        ),
        (
            "name: s\nversion: 1\nbands:\n - {name: A, max_pd: '0.5', outcome: decline}",
            "last must be 1",
        ),
        (
            "name: s\nversion: 1\nbands:\n - {name: A, max_pd: 0.5, outcome: decline}\n"
            " - {name: B, max_pd: '1', outcome: decline}",
            "quoted",
        ),
        ("name: s\nversion: 1\nbands:\n - {name: A, max_pd: '1', outcome: maybe}", "outcome"),
    ],
)
def test_an_invalid_strategy_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidStrategy, match=message):
        parse_strategy(text)
