"""Features: one definition online and offline (the parity test), with NaN for the unknown."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from puhui.credit.features import (
    FEATURE_NAMES,
    ApplicantFacts,
    FeatureInputs,
    compute_features,
    row,
)
from puhui.sim.population import ApplicantKind, Population
from puhui.sim.sources import SimulatedSources

POPULATION = Population(50_000, seed=5)
SOURCES = SimulatedSources(POPULATION)
AS_OF = date(2025, 6, 1)


def inputs_for(ids: np.ndarray, consent: np.ndarray) -> FeatureInputs:
    people = POPULATION.applicants(ids)
    bureau = SOURCES.bureau.reports(ids, consented=[True] * len(ids), as_of=AS_OF)
    return FeatureInputs(
        facts=ApplicantFacts(
            age=people.age,
            city_tier=people.city_tier,
            is_merchant=people.kind == ApplicantKind.MERCHANT,
            is_student=people.is_student,
            declared_monthly_income_minor=people.monthly_income_minor,
            amount_minor=np.full(len(ids), 1_000_000),
        ),
        flows=SOURCES.transactions.flows(ids, as_of=AS_OF, days=360),
        bureau=bureau,
        bureau_available=consent,
        history=SOURCES.history.history(ids, as_of=AS_OF),
        shared_device_applicants=np.zeros(len(ids), np.int64),
    )


def test_online_and_offline_features_are_identical() -> None:
    ids = np.arange(400)
    consent = np.ones(400, bool)
    offline = compute_features(inputs_for(ids, consent))
    for index in (0, 1, 57, 399):
        online = row(compute_features(inputs_for(ids[index : index + 1], consent[:1])), 0)
        expected = row(offline, index)
        assert online.keys() == expected.keys()
        for name in FEATURE_NAMES:
            a, b = online[name], expected[name]
            assert (math.isnan(a) and math.isnan(b)) or a == b, name


def test_unknown_data_gives_nan_not_a_guess() -> None:
    ids = np.arange(200)
    people = POPULATION.applicants(ids)
    consent = np.array([i % 2 == 0 for i in range(200)])
    features = compute_features(inputs_for(ids, consent))
    assert np.isnan(features["bureau_inquiries_30d"][~consent]).all()
    assert not np.isnan(features["bureau_inquiries_30d"][consent]).any()
    merchant = people.kind == ApplicantKind.MERCHANT
    assert np.isnan(features["sales_12m"][~merchant]).all()
    assert np.isnan(features["spending_to_income"][merchant]).all()


def test_features_carry_the_latent_risk() -> None:
    ids = np.arange(20_000)
    features = compute_features(inputs_for(ids, np.ones(20_000, bool)))
    people = POPULATION.applicants(ids)
    risky = people.latent_risk > 1
    safe = people.latent_risk < -1
    inquiries = features["bureau_inquiries_30d"]
    assert inquiries[risky].mean() > 2 * inquiries[safe].mean()
    growth = features["sales_growth_3m"]
    assert np.nanmean(growth[risky]) < np.nanmean(growth[safe])
