from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from puhui.modeling.data import load_labelled_csv
from puhui.modeling.scorecard import Scorecard
from puhui.modeling.training import train_and_validate
from tests.unit.modeling.conftest import GERMAN


@pytest.fixture(scope="module")
def scorecard(applicants: pd.DataFrame) -> Scorecard:
    return Scorecard().fit(applicants.drop(columns=["bad"]), applicants["bad"])


def test_scoring_from_the_json_alone_reproduces_the_pd_exactly(
    scorecard: Scorecard, applicants: pd.DataFrame
) -> None:
    document = json.loads(json.dumps(scorecard.to_json()))
    reloaded = Scorecard.from_json(document)
    features = applicants.drop(columns=["bad"])
    assert np.array_equal(reloaded.predict_pd(features), scorecard.predict_pd(features))
    assert reloaded.predict_frame(features).equals(scorecard.predict_frame(features))


def test_the_json_shows_points_per_bin_for_a_reviewer(scorecard: Scorecard) -> None:
    document = scorecard.to_json()
    line = document["characteristics"][0]
    assert {"feature", "description", "coefficient", "bins"} <= set(line)
    assert all("points" in item and "bad_rate" in item for item in line["bins"])
    assert document["scaling"]["base_points"] == 600


def test_identifiers_are_not_used_and_the_strong_drivers_are(scorecard: Scorecard) -> None:
    assert "applicant_id" in scorecard.dropped_columns_
    assert "late_months" in scorecard.feature_names()


def test_missing_values_and_an_unseen_category_are_scored(
    scorecard: Scorecard, applicants: pd.DataFrame
) -> None:
    row = {"monthly_income": None, "debt_balance": float("nan"), "late_months": 3}
    row |= {"city_tier": "a city never seen", "age": "not a number"}
    prediction = scorecard.predict_one(row)
    assert 0 < prediction.pd < 1
    frame = pd.DataFrame([row])
    assert scorecard.predict_frame(frame)["pd"].iloc[0] == prediction.pd


def test_one_applicant_and_a_table_give_identical_results(
    scorecard: Scorecard, applicants: pd.DataFrame
) -> None:
    features = applicants.drop(columns=["bad"]).head(50)
    table = scorecard.predict_frame(features)
    for position, (_, row) in enumerate(features.iterrows()):
        one = scorecard.predict_one(row.to_dict())
        assert one.pd == table["pd"].iloc[position]
        assert one.score == table["score"].iloc[position]


def test_reasons_are_points_lost_largest_first_in_plain_words(scorecard: Scorecard) -> None:
    prediction = scorecard.predict_one({"late_months": 5, "city_tier": "rural", "age": 21})
    impacts = [reason.impact for reason in prediction.reasons]
    assert impacts == sorted(impacts, reverse=True)
    assert all(x > 0 for x in impacts)
    assert prediction.reasons[0].feature == "late_months"
    assert prediction.reasons[0].description == "late months"


def test_descriptions_override_the_words_from_column_names(applicants: pd.DataFrame) -> None:
    words = {"late_months": "months you paid late"}
    model = Scorecard(descriptions=words, derive_features=False)
    model.fit(applicants.drop(columns=["bad"]), applicants["bad"])
    reasons = model.predict_one({"late_months": 6}).reasons
    assert "months you paid late" in [reason.description for reason in reasons]


def test_predicting_before_fitting_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        Scorecard().predict_pd(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(NotFittedError):
        Scorecard().predict_one({"x": 1.0})


def test_a_german_credit_scorecard_ranks_well_on_its_hold_out() -> None:
    data = load_labelled_csv(GERMAN, target="creditability", positive="bad")
    outcome = train_and_validate(data, kind="scorecard", seed=0)
    assert outcome.evaluation.auc > 0.75
