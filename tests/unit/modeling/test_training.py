"""Training: excluded columns never become features, and a misspelt exclusion is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from puhui.modeling.data import labelled_from_frame
from puhui.modeling.errors import InvalidModelOption
from puhui.modeling.training import train_and_validate


def leaky(applicants: pd.DataFrame) -> pd.DataFrame:
    """The applicants plus a column that is the answer itself, slightly blurred."""
    blur = np.random.default_rng(1).uniform(0.0, 0.5, len(applicants))
    return applicants.assign(outcome_copy=applicants["bad"] + blur)


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_an_excluded_column_is_not_a_feature(applicants: pd.DataFrame, kind: str) -> None:
    data = labelled_from_frame(leaky(applicants), target="bad", positive="1", data_sha256="x")
    outcome = train_and_validate(data, kind=kind, exclude=("outcome_copy",))
    assert not [name for name in outcome.model.feature_names() if "outcome_copy" in name]
    assert outcome.evaluation.auc < 0.95  # learnt from the features, not from the answer
    assert outcome.metadata["excluded_columns"] == ["outcome_copy"]
    leaked = train_and_validate(data, kind=kind)
    assert leaked.evaluation.auc > 0.99  # what the exclusion prevents


def test_excluding_a_column_that_does_not_exist_is_refused(applicants: pd.DataFrame) -> None:
    data = labelled_from_frame(applicants, target="bad", positive="1", data_sha256="x")
    with pytest.raises(InvalidModelOption, match="cannot exclude outcome_cpy: no such column"):
        train_and_validate(data, kind="scorecard", exclude=("outcome_cpy",))
