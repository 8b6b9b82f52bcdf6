"""The WoE logistic scorecard: optimal bins per characteristic, logistic regression on their WoE.

Pipeline (fit): type the columns → propose and screen derived features → bin every candidate
(optbinning boundaries, our WoE with missing/unseen treatments, see `binning`) → keep those with
enough information value → drop near-duplicates → choose the L2 strength by cross-validated AUC
→ fit the logistic regression, dropping any characteristic whose coefficient came out against
its own WoE (a sign flip from collinearity a reviewer could not defend). The logistic regression
is fitted by maximum likelihood with an intercept, so its PD is calibrated on the training data;
the hold-out calibration table shows how well that holds.

The fitted scorecard is plain data (bins, WoEs, coefficients): `to_json` writes it for review,
`from_json` rebuilds an identical scorer (floats round-trip exactly through JSON).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.utils.validation import check_is_fitted

from puhui.modeling.binning import (
    Binning,
    binning_from_json,
    fit_categorical_binning,
    fit_numeric_binning,
)
from puhui.modeling.derived import required_features
from puhui.modeling.errors import InvalidModelOption, ModelArtefactInvalid, NoUsableFeatures
from puhui.modeling.explain import Prediction, describe, top_adverse_reasons
from puhui.modeling.inputs import ModelInputs
from puhui.modeling.preprocess import ColumnKind, numeric_key, plan_columns
from puhui.modeling.scaling import ScoreScaling, probability_of
from puhui.modeling.selection import drop_correlated, screen_derived_features
from puhui.modeling.validation import check_training_data

FloatArray = NDArray[np.float64]
FORMAT = "puhui-scorecard"
FORMAT_VERSION = 1
SIGN_FIX_ROUNDS_MAX = 50
CV_FOLDS = 4


@dataclass(frozen=True)
class Characteristic:
    """One scorecard line: a feature's bins and its logistic-regression coefficient."""

    binning: Binning
    coefficient: float

    @property
    def feature(self) -> str:
        return self.binning.feature

    def best_woe(self) -> float:
        """The safest WoE an applicant can reach (the learned missing bin counts, unseen not)."""
        woes = list(self.binning.woes)
        if self.binning.missing_learned:
            woes.append(self.binning.missing_woe)
        return min(woes)


class Scorecard(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """WoE logistic-regression scorecard with scaled points and adverse reasons.

    Parameters
    ----------
    monotonic_trend : str or None, default="auto_asc_desc"
        optbinning trend for numeric characteristics ("auto_asc_desc" picks ascending or
        descending bad rate per feature; None lets bins follow the data).
    min_information_value : float, default=0.02
        Characteristics below this information value are not used ("unpredictive").
    max_correlation : float, default=0.9
        Of two characteristics whose WoE correlate more than this, the weaker is dropped.
    derive_features : bool, default=True
        Propose family aggregates and amount ratios (see `derived`) as extra candidates.
    regularisation_grid : tuple of float, default=(0.01, 0.03, 0.1, 0.3, 1.0)
        Inverse L2 strengths tried by cross-validated AUC.
    base_points, base_odds, points_to_double_odds : float
        Score scaling (600 points at 50:1 good:bad, 20 points to double the odds).
    descriptions : mapping of str to str, optional
        Plain words for features in reasons, overriding those derived from column names.
    exclude_columns : tuple of str, default=()
        Columns never used as features (e.g. a date used for an out-of-time split).
    random_state : int, default=0
        Seed of the cross-validation folds.

    Attributes
    ----------
    inputs_ : ModelInputs
        Raw columns read and derived features computed.
    characteristics_ : tuple of Characteristic
        The scorecard lines, strongest first.
    intercept_ : float
        Logistic-regression intercept (log-odds of bad at all-zero WoE).
    information_values_ : dict of str to float
        Information value of every binned candidate (for the review report).
    regularisation_c_ : float
        The L2 strength chosen.
    classes_ : ndarray
        ``[0, 1]``; 1 is the bad class.
    """

    def __init__(
        self,
        *,
        monotonic_trend: str | None = "auto_asc_desc",
        min_information_value: float = 0.02,
        max_correlation: float = 0.9,
        derive_features: bool = True,
        regularisation_grid: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0),
        base_points: float = 600.0,
        base_odds: float = 50.0,
        points_to_double_odds: float = 20.0,
        descriptions: Mapping[str, str] | None = None,
        exclude_columns: tuple[str, ...] = (),
        random_state: int = 0,
    ) -> None:
        self.monotonic_trend = monotonic_trend
        self.min_information_value = min_information_value
        self.max_correlation = max_correlation
        self.derive_features = derive_features
        self.regularisation_grid = regularisation_grid
        self.base_points = base_points
        self.base_odds = base_odds
        self.points_to_double_odds = points_to_double_odds
        self.descriptions = descriptions
        self.exclude_columns = exclude_columns
        self.random_state = random_state

    kind = "scorecard"

    # ---- fitting -------------------------------------------------------------------------

    def fit(self, frame: pd.DataFrame, y: Any) -> Scorecard:
        """Learn bins, select characteristics and fit the logistic regression.

        Parameters
        ----------
        frame : DataFrame
            Raw applicant columns (numbers and text; missing values allowed).
        y : array-like of 0/1
            1 = bad.

        Returns
        -------
        self
        """
        target = check_training_data(frame, y)
        if not 0 < self.max_correlation <= 1 or not self.regularisation_grid:
            raise InvalidModelOption("max_correlation must be in (0, 1] and the grid non-empty")
        self.scaling_ = ScoreScaling(self.base_points, self.base_odds, self.points_to_double_odds)
        plan = plan_columns(frame, exclude=tuple(self.exclude_columns))
        raw = ModelInputs(kinds=plan.kinds).values_of_frame(frame)
        numeric = {name: raw[name] for name in plan.numeric}
        derived, derived_values = (
            screen_derived_features(
                numeric,
                target,
                discrete=plan.discrete,
                min_information_value=self.min_information_value,
            )
            if self.derive_features
            else ([], {})
        )
        candidates = {**raw, **derived_values}
        binnings = self._bin_candidates(candidates, plan.kinds, plan.discrete, target)
        self.information_values_ = {
            name: round(b.information_value, 6) for name, b in binnings.items()
        }
        strong = [
            name
            for name, b in binnings.items()
            if b.information_value >= self.min_information_value
        ]
        if not strong:
            raise NoUsableFeatures(
                "no characteristic reaches the minimum information value "
                f"{self.min_information_value}; the columns do not predict the target"
            )
        woe = {name: binnings[name].woe_of(candidates[name]) for name in strong}
        matrix = np.column_stack([woe[name] for name in strong])
        kept = drop_correlated(strong, matrix, self.information_values_, self.max_correlation)
        chosen, coefficients, intercept = self._fit_regression(kept, woe, target)
        self.characteristics_ = tuple(
            Characteristic(binnings[name], coefficient)
            for name, coefficient in zip(chosen, coefficients, strict=True)
        )
        self.intercept_ = intercept
        needed_derived = tuple(required_features(chosen, derived))
        needed_raw = {name for name in chosen if name in plan.kinds} | {
            dep
            for feature in needed_derived
            for dep in (*feature.inputs, *feature.denominators)
            if dep in plan.kinds
        }
        self.inputs_ = ModelInputs(
            kinds={name: kind for name, kind in plan.kinds.items() if name in needed_raw},
            derived=needed_derived,
        )
        self.dropped_columns_ = dict(plan.dropped)
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(frame.columns)
        return self

    def _bin_candidates(
        self,
        candidates: Mapping[str, Any],
        kinds: Mapping[str, ColumnKind],
        discrete: frozenset[str],
        target: NDArray[np.int8],
    ) -> dict[str, Binning]:
        binnings: dict[str, Binning] = {}
        for name, values in candidates.items():
            if kinds.get(name) == "text":
                binnings[name] = fit_categorical_binning(name, values, target)
            elif name in discrete:
                keys = np.array([numeric_key(float(v)) for v in values], dtype=object)
                binnings[name] = fit_categorical_binning(name, keys, target, numeric_codes=True)
            else:
                binnings[name] = fit_numeric_binning(
                    name, values, target, monotonic_trend=self.monotonic_trend
                )
        return binnings

    def _fit_regression(
        self, names: list[str], woe: Mapping[str, FloatArray], target: NDArray[np.int8]
    ) -> tuple[list[str], list[float], float]:
        chosen = list(names)
        strength = self._choose_regularisation(chosen, woe, target)
        self.regularisation_c_ = strength
        for _ in range(SIGN_FIX_ROUNDS_MAX):
            regression = LogisticRegression(C=strength, solver="newton-cholesky", max_iter=200)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                regression.fit(np.column_stack([woe[n] for n in chosen]), target)
            coefficients = regression.coef_[0]
            against = [i for i, value in enumerate(coefficients) if value <= 0]
            if not against or len(chosen) == 1:
                break
            # drop the most wrongly signed characteristic, then refit
            chosen.pop(min(against, key=lambda i: coefficients[i]))
        return chosen, [float(c) for c in coefficients], float(regression.intercept_[0])

    def _choose_regularisation(
        self, names: list[str], woe: Mapping[str, FloatArray], target: NDArray[np.int8]
    ) -> float:
        grid = sorted(self.regularisation_grid)
        if len(grid) == 1:
            return float(grid[0])
        matrix = np.column_stack([woe[n] for n in names])
        folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=self.random_state)
        means, errors = [], []
        for strength in grid:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fold_aucs = cross_val_score(
                    LogisticRegression(C=strength, solver="newton-cholesky", max_iter=200),
                    matrix,
                    target,
                    cv=folds,
                    scoring="roc_auc",
                )
            means.append(float(fold_aucs.mean()))
            errors.append(float(fold_aucs.std(ddof=1) / np.sqrt(CV_FOLDS)))
        # the one-standard-error rule: the strongest regularisation whose AUC is within one
        # standard error of the best. The bins were learned on all training rows, so the folds
        # flatter weak regularisation; the rule leans back towards the steadier model.
        best = int(np.argmax(means))
        threshold = means[best] - errors[best]
        return float(next(c for c, m in zip(grid, means, strict=True) if m >= threshold))

    # ---- scoring -------------------------------------------------------------------------

    def _woe_matrix(self, values: Mapping[str, Any]) -> FloatArray:
        return np.column_stack(
            [line.binning.woe_of(values[line.feature]) for line in self.characteristics_]
        )

    def _bad_log_odds(self, woe: FloatArray) -> FloatArray:
        # summed line by line in a fixed order, so one row and a table give identical floats
        log_odds = np.full(woe.shape[0], self.intercept_)
        for index, line in enumerate(self.characteristics_):
            log_odds = log_odds + line.coefficient * woe[:, index]
        return log_odds

    def predict_pd(self, frame: pd.DataFrame) -> FloatArray:
        """Calibrated probability of bad per row."""
        check_is_fitted(self, "characteristics_")
        return probability_of(
            self._bad_log_odds(self._woe_matrix(self.inputs_.values_of_frame(frame)))
        )

    def predict_proba(self, frame: pd.DataFrame) -> FloatArray:
        """scikit-learn's two-column form: [P(good), P(bad)]."""
        probability = self.predict_pd(frame)
        return np.column_stack([1 - probability, probability])

    def predict(self, frame: pd.DataFrame) -> NDArray[np.int64]:
        """1 where the PD is at least 0.5 (a convention of scikit-learn; lenders use bands)."""
        return (self.predict_pd(frame) >= 0.5).astype(np.int64)

    def predict_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Batch scoring: a frame with `pd` and `score` per row, in the input's order."""
        check_is_fitted(self, "characteristics_")
        log_odds = self._bad_log_odds(self._woe_matrix(self.inputs_.values_of_frame(frame)))
        return pd.DataFrame(
            {"pd": probability_of(log_odds), "score": self.scaling_.scores(log_odds)},
            index=frame.index,
        )

    def predict_one(self, applicant: Mapping[str, object]) -> Prediction:
        """One applicant's PD, score and top adverse reasons (missing keys are missing values)."""
        check_is_fitted(self, "characteristics_")
        woe = self._woe_matrix(self.inputs_.values_of_applicant(applicant))
        log_odds = self._bad_log_odds(woe)
        lost = np.array(
            [
                self.scaling_.factor * line.coefficient * (woe[0, i] - line.best_woe())
                for i, line in enumerate(self.characteristics_)
            ]
        )
        return Prediction(
            pd=float(probability_of(log_odds)[0]),
            score=int(self.scaling_.scores(log_odds)[0]),
            reasons=top_adverse_reasons(self.feature_names(), lost, self._words()),
        )

    def feature_names(self) -> list[str]:
        """The characteristics used, strongest first."""
        check_is_fitted(self, "characteristics_")
        return [line.feature for line in self.characteristics_]

    def feature_values(self, frame: pd.DataFrame) -> dict[str, Any]:
        """Each characteristic's values (raw or derived) of a table, for stability monitoring."""
        check_is_fitted(self, "characteristics_")
        values = self.inputs_.values_of_frame(frame)
        return {name: values[name] for name in self.feature_names()}

    def _words(self) -> list[str]:
        """Each characteristic in words; kept while the characteristics and descriptions are
        the same objects, because building them costs more than scoring one applicant."""
        cached = getattr(self, "_words_cache", None)
        if (
            cached is not None
            and cached[0] is self.characteristics_
            and cached[1] is self.descriptions
        ):
            return list(cached[2])
        labels = self.inputs_.labels()
        words = [
            describe(
                line.feature, label=labels.get(line.feature, ""), descriptions=self.descriptions
            )
            for line in self.characteristics_
        ]
        self._words_cache = (self.characteristics_, self.descriptions, tuple(words))
        return words

    # ---- artefacts -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The scorecard as a reviewable document: bins, WoE and points per characteristic."""
        check_is_fitted(self, "characteristics_")
        factor = self.scaling_.factor
        words = self._words()
        lines = []
        for line, word in zip(self.characteristics_, words, strict=True):
            document = line.binning.to_json()
            all_woes = [*line.binning.woes, line.binning.missing_woe]
            for item, woe in zip(document["bins"], all_woes, strict=True):
                item["points"] = round(-factor * line.coefficient * woe, 2)
            lines.append(
                {
                    "description": word,
                    "coefficient": line.coefficient,
                    "missing_points": round(
                        -factor * line.coefficient * line.binning.missing_woe, 2
                    ),
                    **document,
                }
            )
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "scaling": self.scaling_.to_json(),
            "intercept": self.intercept_,
            "base_points": round(self.scaling_.offset - factor * self.intercept_, 2),
            "inputs": self.inputs_.to_json(),
            "characteristics": lines,
            "descriptions": dict(self.descriptions or {}),
            "training": {
                "regularisation_c": self.regularisation_c_,
                "information_values": self.information_values_,
                "dropped_columns": self.dropped_columns_,
            },
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Scorecard:
        """Rebuild a fitted scorecard from `to_json`'s document (no training data needed).

        Raises:
            ModelArtefactInvalid: the document is not a scorecard of a known format.
        """
        if document.get("format") != FORMAT or document.get("format_version") != FORMAT_VERSION:
            raise ModelArtefactInvalid(
                f"not a {FORMAT} v{FORMAT_VERSION} document; retrain or upgrade puhui"
            )
        try:
            scaling = ScoreScaling.from_json(document["scaling"])
            descriptions = {str(k): str(v) for k, v in document.get("descriptions", {}).items()}
            model = cls(
                base_points=scaling.base_points,
                base_odds=scaling.base_odds,
                points_to_double_odds=scaling.points_to_double_odds,
                descriptions=descriptions or None,
            )
            model.scaling_ = scaling
            model.intercept_ = float(document["intercept"])
            model.inputs_ = ModelInputs.from_json(document["inputs"])
            model.characteristics_ = tuple(
                Characteristic(binning_from_json(item), float(item["coefficient"]))
                for item in document["characteristics"]
            )
            training = document.get("training", {})
            model.regularisation_c_ = float(training.get("regularisation_c", 0.0))
            model.information_values_ = dict(training.get("information_values", {}))
            model.dropped_columns_ = dict(training.get("dropped_columns", {}))
        except (KeyError, TypeError, ValueError) as error:
            raise ModelArtefactInvalid(f"scorecard document is malformed: {error!r}") from error
        model.classes_ = np.array([0, 1])
        _require_inputs_cover(model.inputs_, [line.feature for line in model.characteristics_])
        return model


def _require_inputs_cover(inputs: ModelInputs, features: Sequence[str]) -> None:
    known = set(inputs.kinds) | {feature.name for feature in inputs.derived}
    unknown = [name for name in features if name not in known]
    if unknown:
        raise ModelArtefactInvalid(f"scorecard uses features it has no input for: {unknown}")
