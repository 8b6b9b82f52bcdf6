"""Strategy: bands, limits capped by product and profile, price capped, stable challenger split."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from puhui.compliance.profile import load_profile
from puhui.credit.errors import InvalidStrategy, LenderFiguresMissing
from puhui.credit.lender import LenderFigures
from puhui.credit.strategy import (
    LimitInputs,
    Outcome,
    borrower_cap,
    choose_strategy,
    load_strategy,
    offer_terms,
    parse_strategy,
)

PROFILE = load_profile()
LENDER = LenderFigures.of([(date(2024, 12, 31), 50_000_000_000)])  # RMB 500 m
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
        CHAMPION, pd=0.01, inputs=inputs(), profile=PROFILE, lender=LENDER, on=on
    ).annual_rate == Decimal("0.0995")
    assert (
        offer_terms(
            CHAMPION, pd=0.15, inputs=inputs(), profile=PROFILE, lender=LENDER, on=on
        ).outcome
        is Outcome.REFER
    )
    assert (
        offer_terms(
            CHAMPION, pd=0.5, inputs=inputs(), profile=PROFILE, lender=LENDER, on=on
        ).outcome
        is Outcome.DECLINE
    )


def test_the_limit_is_the_lowest_of_request_income_multiple_and_the_profile_caps() -> None:
    on = date(2025, 6, 1)
    # Band C: 1.5 × 10,000 a month = 15,000 < 20,000 asked.
    terms = offer_terms(CHAMPION, pd=0.05, inputs=inputs(), profile=PROFILE, lender=LENDER, on=on)
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
        lender=LENDER,
        on=on,
    )
    assert (owed.amount_minor, owed.limit_reason) == (1_000_000, "per-borrower cap")
    # Consumers: at most a third of a year's income including what they owe.
    third = offer_terms(
        CHAMPION,
        pd=0.01,
        inputs=inputs(monthly_income_minor=300_000, requested_minor=1_500_000),
        profile=PROFILE,
        lender=LENDER,
        on=on,
    )
    assert third.amount_minor <= 300_000 * 12 // 3
    too_small = offer_terms(
        CHAMPION,
        pd=0.01,
        inputs=inputs(monthly_income_minor=1_000),
        profile=PROFILE,
        lender=LENDER,
        on=on,
    )
    assert too_small.outcome is Outcome.DECLINE


def test_one_borrower_is_capped_at_a_share_of_the_lenders_net_assets() -> None:
    on = date(2025, 6, 2)
    small_lender = LenderFigures.of([(date(2024, 12, 31), 60_000_000)])  # RMB 600,000
    merchant = inputs(
        is_merchant=True,
        monthly_income_minor=100_000_000,
        requested_minor=9_000_000,
        existing_exposure_minor=2_000_000,
    )
    terms = offer_terms(
        CHAMPION, pd=0.01, inputs=merchant, profile=PROFILE, lender=small_lender, on=on
    )
    # 10 % of 600,000 is 60,000; the merchant already owes 20,000
    assert (terms.amount_minor, terms.limit_reason) == (4_000_000, "concentration cap")
    assert borrower_cap(PROFILE, small_lender, is_merchant=True, on=on) == 6_000_000
    assert borrower_cap(PROFILE, LENDER, is_merchant=False, on=on) == 20_000_000
    # before the concentration rule took effect only the per-borrower cap applies
    assert borrower_cap(PROFILE, None, is_merchant=False, on=date(2024, 6, 3)) == 30_000_000


def test_a_missing_net_assets_figure_stops_the_decision_rather_than_skipping_the_limit() -> None:
    on = date(2025, 6, 2)
    with pytest.raises(LenderFiguresMissing, match="configure the lender's net assets"):
        offer_terms(CHAMPION, pd=0.01, inputs=inputs(), profile=PROFILE, lender=None, on=on)
    later = LenderFigures.of([(date(2025, 12, 31), 1_000_000_000)])
    with pytest.raises(LenderFiguresMissing, match="no net-assets figure of the lender applies"):
        offer_terms(CHAMPION, pd=0.01, inputs=inputs(), profile=PROFILE, lender=later, on=on)
    with pytest.raises(LenderFiguresMissing, match="positive"):
        LenderFigures.of([(on, 0)])


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
