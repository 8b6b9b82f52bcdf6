"""Fraud checks: the relationship graph catches the planted rings with few false alarms."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from puhui.credit.fraud import FraudGraph, Identity
from puhui.sim.population import Population
from puhui.sim.sources import SimulatedSources


def test_shared_identifiers_join_applicants_and_confirmed_fraud_taints_the_component() -> None:
    graph = FraudGraph()
    graph.add(1, Identity(10, 20, 30, 40))
    graph.add(2, Identity(11, 20, 31, 41))  # shares the phone with 1
    graph.add(3, Identity(12, 22, 32, 42))
    graph.mark_fraud([2])
    first = graph.assess(1, Identity(10, 20, 30, 40))
    third = graph.assess(3, Identity(12, 22, 32, 42))
    assert first.cluster_size == 2
    assert first.shared_device_applicants == 1
    assert first.connected_to_known_fraud
    assert not third.connected_to_known_fraud
    assert third.cluster_size == 1


def test_velocity_counts_applications_from_one_device_within_the_hour() -> None:
    graph = FraudGraph()
    start = datetime(2025, 6, 1, 9)
    counts = [
        graph.assess(
            100 + i, Identity(7, 1000 + i, 2000 + i, 3000 + i), start + timedelta(minutes=10 * i)
        ).applications_last_hour
        for i in range(8)
    ]
    assert counts == [1, 2, 3, 4, 5, 6, 6, 6]


def test_the_graph_finds_the_planted_rings_with_high_recall_and_precision() -> None:
    population = Population(60_000, seed=9)
    ids = np.arange(60_000)
    identity = SimulatedSources(population).identity.identities(ids)
    graph = FraudGraph()
    for i in ids.tolist():
        graph.add(i, Identity.from_batch(identity, i))
    flagged = np.array(graph.cluster_sizes(ids.tolist())) >= 6
    fraud = population.ring_of(ids) >= 0
    recall = (flagged & fraud).sum() / fraud.sum()
    precision = (flagged & fraud).sum() / flagged.sum()
    assert recall > 0.95
    assert precision > 0.95
