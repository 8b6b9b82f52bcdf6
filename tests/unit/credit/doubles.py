"""Test doubles for the engine's ports: a transparent logistic scorer and counting sources."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from puhui.compliance.profile import load_profile
from puhui.credit.application import Application
from puhui.credit.engine import RULE_NAMES, DecisionEngine, EngineConfig
from puhui.credit.features import DESCRIPTIONS
from puhui.credit.fraud import FraudGraph
from puhui.credit.lender import LenderFigures
from puhui.credit.rules import load_rule_set
from puhui.credit.scoring import Reason, Score
from puhui.credit.strategy import load_strategy
from puhui.loans.products import load_catalog
from puhui.sim.applications import application_for
from puhui.sim.population import Population
from puhui.sim.sources import SimulatedSources

WEIGHTS = {
    "bureau_inquiries_30d": 0.45,
    "debt_to_income": 1.5,
    "sales_volatility": 2.0,
    "spending_to_income": 1.2,
}


@dataclass(frozen=True)
class LogisticScorer:
    """PD from a fixed logistic function of a few features (unknown values count as 0)."""

    version: str = "test-logistic@1"
    intercept: float = -4.0

    def score_one(self, features: Mapping[str, float]) -> Score:
        parts = {
            n: w * (0.0 if math.isnan(features[n]) else features[n]) for n, w in WEIGHTS.items()
        }
        pd = 1 / (1 + math.exp(-(self.intercept + sum(parts.values()))))
        points = round(600 - 20 / math.log(2) * math.log(pd / (1 - pd) * 50))
        worst = sorted(parts.items(), key=lambda item: -item[1])
        return Score(pd, points, tuple(Reason(n, DESCRIPTIONS[n], v) for n, v in worst if v > 0))

    def score_many(self, features: Mapping[str, np.ndarray]) -> np.ndarray:
        total = self.intercept + sum(w * np.nan_to_num(features[n]) for n, w in WEIGHTS.items())
        return 1 / (1 + np.exp(-total))


@dataclass
class CountingSources:
    """Simulated sources that count every call (to prove what was fetched)."""

    inner: SimulatedSources
    calls: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> object:
        self.calls.append(name)
        return getattr(self.inner, name)


POPULATION = Population(50_000, seed=21)
ON = date(2025, 6, 2)


def engine(sources: object | None = None, graph: FraudGraph | None = None) -> DecisionEngine:
    config = EngineConfig(
        rules=load_rule_set(RULE_NAMES),
        scorer=LogisticScorer(),
        champion=load_strategy(),
        profile=load_profile(),
        products=load_catalog(),
        lender=LenderFigures.of([(date(2024, 12, 31), 50_000_000_000)]),
    )
    return DecisionEngine(
        config,
        sources or SimulatedSources(POPULATION),  # type: ignore[arg-type]
        graph or FraudGraph(),
    )


def application(applicant_id: int, **changes: object) -> Application:
    """A cash-loan application of a simulated applicant, who consents to the bureau query."""
    submitted = application_for(
        POPULATION,
        applicant_id,
        product_code="cash-instalment",
        amount_minor=800_000,
        periods=12,
        business_date=ON,
    )
    return replace(submitted, **{"consent_bureau": True, **changes})  # type: ignore[arg-type]


def approved_applicant() -> int:
    """The first applicant this engine approves (searching in id order)."""
    decide = engine()
    for applicant_id in range(2_000):
        person = POPULATION.applicants([applicant_id])
        if person.is_student[0] or person.is_fraud[0] or person.kind[0]:
            continue
        if decide.decide(application(applicant_id)).outcome == "approve":
            return applicant_id
    raise AssertionError("no applicant approved")
