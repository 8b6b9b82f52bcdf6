"""Back-tests: approval, bad rate, expected loss and profit per band, on known numbers."""

from __future__ import annotations

import numpy as np
import pytest

from puhui.credit.backtest import backtest
from puhui.credit.strategy import load_strategy, parse_strategy

STRATEGY = parse_strategy(
    "name: s\nversion: 1\nbands:\n"
    " - {name: A, max_pd: '0.05', outcome: approve, annual_rate: '0.10', income_multiple: '1'}\n"
    " - {name: B, max_pd: '0.20', outcome: refer}\n"
    " - {name: C, max_pd: '1', outcome: decline}\n"
)


def test_a_hand_checked_backtest() -> None:
    pd_ = np.array([0.01, 0.04, 0.04, 0.10, 0.50])
    bad = np.array([False, False, True, False, True])
    amount = np.array([100.0, 200.0, 300.0, 400.0, 500.0])
    result = backtest(STRATEGY, pd=pd_, defaulted=bad, amount=amount, loss_given_default=0.5)
    assert result.approval_rate == pytest.approx(3 / 5)
    assert result.refer_rate == pytest.approx(1 / 5)
    assert result.bad_rate_approved == pytest.approx(1 / 3)
    assert result.approved_amount == pytest.approx(600.0)
    # Interest 10 % on the two that repaid (100 + 200) minus half of the 300 that defaulted.
    assert result.realised_profit == pytest.approx(30.0 - 150.0)
    assert result.expected_loss == pytest.approx(0.5 * (1 + 8 + 12))
    assert [b.applicants for b in result.bands] == [3, 1, 1]


def test_a_tighter_strategy_approves_fewer_with_a_lower_bad_rate() -> None:
    rng = np.random.default_rng(0)
    pd_ = rng.beta(1.2, 15, 50_000)
    bad = rng.random(50_000) < pd_
    amount = np.full(50_000, 10_000.0)
    champion = backtest(load_strategy(), pd=pd_, defaulted=bad, amount=amount)
    challenger = backtest(
        load_strategy("src/puhui/credit/strategies/challenger.yaml"),
        pd=pd_,
        defaulted=bad,
        amount=amount,
    )
    assert challenger.approval_rate < champion.approval_rate
    assert challenger.bad_rate_approved < champion.bad_rate_approved
