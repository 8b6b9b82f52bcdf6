"""A labelled data set of simulated applicants: their features, whether they defaulted, and
the ground truth (true PD, fraud ring) that no real data set has.

Written as CSV so any tool — `puhui model train`, a notebook, a peer library — can read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from puhui.credit.features import ApplicantFacts
from puhui.credit.fraud import FraudGraph, Identity
from puhui.credit.offline import FactsTable, features_for
from puhui.sim.population import ApplicantKind, Population
from puhui.sim.sources import SimulatedSources

TARGET = "defaulted"
GROUND_TRUTH = ("true_pd", "fraud_ring")  # known only to the simulator: never a model feature
MAX_APPLICANTS = 5_000_000


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    applicants: int
    seed: int
    as_of: date
    first_id: int = 0
    amount_minor: int = 1_000_000
    population_size: int | None = None  # default: just large enough for these applicants


def facts_table(population: Population, ids: np.ndarray, amount_minor: int) -> FactsTable:
    people = population.applicants(ids)
    return FactsTable(
        applicant_ids=ids,
        facts=ApplicantFacts(
            age=people.age,
            city_tier=people.city_tier,
            is_merchant=people.kind == ApplicantKind.MERCHANT,
            is_student=people.is_student,
            declared_monthly_income_minor=people.monthly_income_minor,
            amount_minor=np.full(len(ids), amount_minor, np.int64),
        ),
        consent_bureau=people.bureau_consent,
    )


def shared_device_counts(sources: SimulatedSources, ids: np.ndarray) -> np.ndarray:
    """How many other applicants in the set share each one's device, phone or card."""
    batch = sources.identity.identities(ids.tolist())
    identities = [Identity.from_batch(batch, index) for index in range(len(ids))]
    graph = FraudGraph()
    for applicant_id, identity in zip(ids.tolist(), identities, strict=True):
        graph.add(applicant_id, identity)
    counts = np.empty(len(ids), np.int64)
    for index, (applicant_id, identity) in enumerate(zip(ids.tolist(), identities, strict=True)):
        counts[index] = graph.assess(applicant_id, identity).shared_device_applicants
    return counts


def build_dataset(spec: DatasetSpec, progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Features, target and ground truth of `spec.applicants` simulated applicants."""
    if not 1 <= spec.applicants <= MAX_APPLICANTS:
        raise ValueError(f"a data set has 1–{MAX_APPLICANTS} applicants")
    population = Population(spec.population_size or spec.first_id + spec.applicants, spec.seed)
    sources = SimulatedSources(population)
    ids = np.arange(spec.first_id, spec.first_id + spec.applicants, dtype=np.int64)
    features = features_for(
        sources,
        facts_table(population, ids, spec.amount_minor),
        as_of=spec.as_of,
        shared_device_applicants=shared_device_counts(sources, ids),
        progress=progress,
    )
    people = population.applicants(ids)
    frame = pd.DataFrame(features)
    frame.insert(0, "applicant_id", ids)
    frame[TARGET] = people.defaults.astype(np.int64)
    frame[GROUND_TRUTH[0]] = people.true_pd
    frame[GROUND_TRUTH[1]] = people.fraud_ring
    return frame


def write_dataset(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.6g")
