"""The synthetic population: deterministic per applicant, plausible, with known ground truth."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from puhui.credit.errors import ConsentMissing
from puhui.sim.noise import normal, uniform
from puhui.sim.population import Population
from puhui.sim.sources import SimulatedSources

POPULATION = Population(200_000, seed=11)
AS_OF = date(2025, 6, 1)


def test_counter_based_noise_is_the_same_alone_or_in_a_batch() -> None:
    ids = np.arange(1_000)
    assert np.array_equal(uniform(3, 1, ids)[[5, 700]], uniform(3, 1, np.array([5, 700])))
    draws = normal(3, 2, ids)
    assert abs(draws.mean()) < 0.1
    assert 0.9 < draws.std() < 1.1


def test_an_applicant_is_the_same_whichever_batch_asks_for_him() -> None:
    everyone = POPULATION.applicants(np.arange(5_000))
    some = POPULATION.applicants(np.array([4_321, 17]))
    assert some.true_pd.tolist() == everyone.true_pd[[4_321, 17]].tolist()
    assert some.monthly_income_minor.tolist() == everyone.monthly_income_minor[[4_321, 17]].tolist()


def test_the_population_has_a_realistic_mix_and_known_risk() -> None:
    people = POPULATION.applicants(np.arange(200_000))
    assert 0.05 < people.defaults.mean() < 0.10
    assert 0.003 < people.is_fraud.mean() < 0.01
    assert 0.05 < people.is_student.mean() < 0.2
    assert 0.40 < people.kind.mean() < 0.50
    # Defaults follow the latent risk: the riskiest fifth defaults far more than the safest.
    order = np.argsort(people.latent_risk)
    assert people.defaults[order[-40_000:]].mean() > 4 * people.defaults[order[:40_000]].mean()
    assert people.defaults[people.is_fraud].mean() > 0.8


def test_flows_for_one_applicant_equal_the_same_rows_of_a_batch() -> None:
    sources = SimulatedSources(POPULATION)
    batch = sources.transactions.flows(np.arange(300), as_of=AS_OF, days=360)
    alone = sources.transactions.flows([123], as_of=AS_OF, days=360)
    assert np.array_equal(alone.inflow_minor[0], batch.inflow_minor[123])
    assert np.array_equal(alone.refunds_minor[0], batch.refunds_minor[123])
    assert (batch.inflow_minor >= 0).all()
    assert batch.inflow_minor.dtype == np.int64


def test_the_bureau_refuses_a_query_without_consent() -> None:
    bureau = SimulatedSources(POPULATION).bureau
    with pytest.raises(ConsentMissing, match="record the applicant's consent"):
        bureau.reports([1, 2], consented=[True, False], as_of=AS_OF)
    report = bureau.reports([1, 2], consented=[True, True], as_of=AS_OF)
    assert (report.inquiries_90d >= report.inquiries_30d).all()


def test_ring_members_share_devices_and_honest_applicants_mostly_do_not() -> None:
    ids = np.arange(200_000)
    identity = SimulatedSources(POPULATION).identity.identities(ids)
    ring = POPULATION.ring_of(ids)
    members = ids[ring >= 0]
    assert len(members) > 100
    first_ring = ring[members[0]]
    devices = set(identity.device_id[ring == first_ring].tolist())
    assert len(devices) <= 3
    honest = ring < 0
    assert len(set(identity.device_id[honest].tolist())) > 0.98 * honest.sum()
