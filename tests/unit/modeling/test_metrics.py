from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from puhui.modeling.metrics import (
    calibration_table,
    evaluate,
    kolmogorov_smirnov,
    score_band_table,
)


@pytest.fixture
def scored() -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(0)
    target = generator.integers(0, 2, 2000)
    probability = np.clip(0.3 * target + generator.uniform(0, 0.7, 2000), 0, 1)
    return target, probability


def test_auc_gini_and_brier_agree_with_scikit_learn(scored: tuple[np.ndarray, np.ndarray]) -> None:
    target, probability = scored
    result = evaluate(target, probability, np.rint(600 - 100 * probability).astype(np.int64))
    assert result.auc == pytest.approx(roc_auc_score(target, probability))
    assert result.gini == pytest.approx(2 * roc_auc_score(target, probability) - 1)
    assert result.brier == pytest.approx(brier_score_loss(target, probability))


def test_ks_of_a_perfect_separation_is_one_and_of_a_known_case_is_its_gap() -> None:
    assert kolmogorov_smirnov(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    # bads at 0.3 and 0.9, goods at 0.1 and 0.5: the best cut catches 1/2 bads and 0 goods
    target = np.array([0, 1, 0, 1])
    assert kolmogorov_smirnov(target, np.array([0.1, 0.3, 0.5, 0.9])) == pytest.approx(0.5)


def test_tables_cover_every_row_and_every_bad(scored: tuple[np.ndarray, np.ndarray]) -> None:
    target, probability = scored
    calibration = calibration_table(target, probability)
    assert sum(row.rows for row in calibration) == len(target)
    assert [row.mean_pd for row in calibration] == sorted(row.mean_pd for row in calibration)
    bands = score_band_table(target, np.rint(600 - 100 * probability).astype(np.int64))
    assert sum(band.bad_rows for band in bands) == target.sum()
    assert bands[-1].cumulative_bad_share == pytest.approx(1.0)


def test_headline_is_rounded_to_four_decimals(scored: tuple[np.ndarray, np.ndarray]) -> None:
    target, probability = scored
    headline = evaluate(target, probability, np.zeros(len(target), dtype=np.int64)).headline()
    assert set(headline) == {"auc", "ks", "gini", "brier"}
    assert all(round(value, 4) == value for value in headline.values())
