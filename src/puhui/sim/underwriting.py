"""The simulated lender's underwriting: a model trained on last year's applicants, then the
decision engine with that model, the shipped rules and strategies, and a fraud graph that
already knows last year's applicants and their confirmed fraud.

Applicants `0 … history-1` of the population are last year's (labelled) book; the year's new
applicants follow them, so the model is always scored on people it never saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from puhui.compliance.profile import JurisdictionProfile
from puhui.credit.engine import RULE_NAMES, DecisionEngine, EngineConfig
from puhui.credit.features import FEATURE_NAMES
from puhui.credit.fraud import FraudGraph, Identity
from puhui.credit.lender import LenderFigures
from puhui.credit.models import TrainedScorer, train_scorer
from puhui.credit.rules import load_rule_set
from puhui.credit.strategy import load_strategy, shipped_strategy
from puhui.loans.products import load_catalog
from puhui.sim.dataset import TARGET, DatasetSpec, build_dataset
from puhui.sim.population import Population
from puhui.sim.sources import SimulatedSources

CHALLENGER_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class UnderwritingSpec:
    history: int  # last year's applicants, labelled, to train on
    applicants: int  # this year's applicants, after them in the population
    seed: int
    first_day: date
    model_directory: Path
    net_assets_minor: int  # the lender's paid-in capital: the concentration limit's base
    model_kind: str = "scorecard"


@dataclass(frozen=True, slots=True)
class Underwriting:
    engine: DecisionEngine
    population: Population
    model: TrainedScorer
    first_applicant_id: int


def known_fraud_graph(sources: SimulatedSources, ids: np.ndarray, fraud: np.ndarray) -> FraudGraph:
    """A graph of past applicants with the fraud confirmed among them marked."""
    graph = FraudGraph()
    identity = sources.identity.identities(ids.tolist())
    for index, applicant_id in enumerate(ids.tolist()):
        graph.add(applicant_id, Identity.from_batch(identity, index))
    graph.mark_fraud(ids[fraud].tolist())
    return graph


def build_underwriting(spec: UnderwritingSpec, profile: JurisdictionProfile) -> Underwriting:
    """Train the model on the history and assemble the engine that decides the new applicants."""
    population = Population(spec.history + spec.applicants, spec.seed)
    history_day = spec.first_day - timedelta(days=365)
    frame = build_dataset(
        DatasetSpec(
            applicants=spec.history,
            seed=spec.seed,
            as_of=history_day,
            population_size=population.size,
        )
    )
    trained = train_scorer(
        frame,
        target=TARGET,
        features=list(FEATURE_NAMES),
        kind=spec.model_kind,
        directory=spec.model_directory,
        created_at=datetime.combine(history_day, time()),
        seed=spec.seed,
    )
    sources = SimulatedSources(population)
    ids = frame["applicant_id"].to_numpy()
    confirmed = (frame["fraud_ring"].to_numpy() >= 0) & (frame[TARGET].to_numpy() == 1)
    config = EngineConfig(
        rules=load_rule_set(RULE_NAMES),
        scorer=trained.scorer,
        champion=load_strategy(),
        profile=profile,
        products=load_catalog(),
        lender=LenderFigures.of([(spec.first_day, spec.net_assets_minor)]),
        challenger=shipped_strategy("challenger"),
        challenger_share=CHALLENGER_SHARE,
    )
    engine = DecisionEngine(config, sources, known_fraud_graph(sources, ids, confirmed))
    return Underwriting(engine, population, trained, first_applicant_id=spec.history)
