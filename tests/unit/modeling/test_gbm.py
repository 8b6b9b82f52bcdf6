from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from puhui.modeling.gbm import GradientBoostingModel
from puhui.modeling.metrics import auc


@pytest.fixture(scope="module")
def gbm(applicants: pd.DataFrame) -> GradientBoostingModel:
    model = GradientBoostingModel(n_estimators=60, learning_rate=0.1)
    return model.fit(applicants.drop(columns=["bad"]), applicants["bad"])


def test_reloading_from_text_and_json_reproduces_predictions_exactly(
    gbm: GradientBoostingModel, applicants: pd.DataFrame
) -> None:
    reloaded = GradientBoostingModel.from_artefacts(gbm.to_json(), gbm.model_text())
    features = applicants.drop(columns=["bad"])
    assert np.array_equal(reloaded.predict_pd(features), gbm.predict_pd(features))


def test_the_gbm_learns_the_planted_risk(
    gbm: GradientBoostingModel, applicants: pd.DataFrame
) -> None:
    assert auc(applicants["bad"].to_numpy(), gbm.predict_pd(applicants)) > 0.75
    late = gbm.features_.index("late_months")
    assert gbm.monotone_constraints_[late] == 0  # a small integer code: left free
    debt = gbm.features_.index("debt_balance")
    assert gbm.monotone_constraints_[debt] in (0, 1)


def test_missing_values_and_unseen_categories_are_scored_with_reasons(
    gbm: GradientBoostingModel,
) -> None:
    prediction = gbm.predict_one({"late_months": 4, "city_tier": "mars", "monthly_income": None})
    assert 0 < prediction.pd < 1
    assert prediction.reasons
    assert all(reason.impact > 0 for reason in prediction.reasons)
    frame = pd.DataFrame([{"late_months": 4, "city_tier": "mars", "monthly_income": None}])
    assert gbm.predict_frame(frame)["pd"].iloc[0] == pytest.approx(prediction.pd, rel=1e-12)


def test_predicting_before_fitting_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        GradientBoostingModel().predict_pd(pd.DataFrame({"x": [1.0]}))
