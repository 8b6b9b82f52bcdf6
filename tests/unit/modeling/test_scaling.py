from __future__ import annotations

import math

import numpy as np
import pytest

from puhui.modeling.errors import InvalidModelOption
from puhui.modeling.scaling import ScoreScaling, bad_log_odds_of


def test_base_odds_score_the_base_points_and_pdo_points_double_the_odds() -> None:
    scaling = ScoreScaling(base_points=600, base_odds=50, points_to_double_odds=20)
    at_base = np.array([math.log(1 / 50)])  # 50 good : 1 bad
    doubled = np.array([math.log(1 / 100)])
    assert scaling.points_of_bad_log_odds(at_base)[0] == pytest.approx(600)
    assert scaling.points_of_bad_log_odds(doubled)[0] == pytest.approx(620)
    assert scaling.scores(bad_log_odds_of(np.array([1 / 51])))[0] == 600


def test_scaling_refuses_non_positive_odds() -> None:
    with pytest.raises(InvalidModelOption):
        ScoreScaling(base_odds=0)
