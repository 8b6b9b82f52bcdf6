"""How well the fraud checks catch the simulator's planted rings, as the engine meets them.

Last year's applicants (the first half) are in the graph with the fraud confirmed among them
(ring members who defaulted); this year's arrive one by one and are flagged, as the default rule
set does, when their component has six or more applicants or contains confirmed fraud. Recall
and precision are measured against the planted rings of this year's applicants; "complete graph"
is the same check once everyone has arrived (what a nightly re-screen would see).

    python -m bench.fraud --applicants 300000
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.common import emit, result
from puhui.credit.fraud import Identity
from puhui.sim.population import Population
from puhui.sim.sources import SimulatedSources
from puhui.sim.underwriting import known_fraud_graph

CLUSTER_LIMIT = 6  # fraud.cluster_size >= 6 in credit/rulesets/default.yaml


def _quality(flagged: np.ndarray, fraud: np.ndarray) -> str:
    caught = int((flagged & fraud).sum())
    recall = caught / max(1, int(fraud.sum()))
    precision = caught / max(1, int(flagged.sum()))
    return f"recall {recall:.1%}, precision {precision:.1%} ({int(fraud.sum()):,} ring members)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applicants", type=int, default=300_000)
    args = parser.parse_args()
    population = Population(args.applicants, seed=9)
    sources = SimulatedSources(population)
    half = args.applicants // 2
    history = np.arange(half)
    people = population.applicants(history)
    graph = known_fraud_graph(sources, history, (people.fraud_ring >= 0) & people.defaults)
    arrivals = np.arange(half, args.applicants)
    batch = sources.identity.identities(arrivals.tolist())
    flagged = np.zeros(len(arrivals), dtype=bool)
    samples = []
    started = time.perf_counter()
    for index, applicant_id in enumerate(arrivals.tolist()):
        begin = time.perf_counter()
        assessment = graph.assess(applicant_id, Identity.from_batch(batch, index))
        samples.append(time.perf_counter() - begin)
        flagged[index] = (
            assessment.cluster_size >= CLUSTER_LIMIT or assessment.connected_to_known_fraud
        )
    elapsed = time.perf_counter() - started
    fraud = population.ring_of(arrivals) >= 0
    complete = np.array(graph.cluster_sizes(arrivals.tolist())) >= CLUSTER_LIMIT
    emit(
        [
            result(
                "fraud check at decision time",
                "-",
                len(arrivals),
                samples,
                elapsed,
                _quality(flagged, fraud),
            ),
            result(
                "fraud check, complete graph",
                "-",
                len(arrivals),
                [0.0],
                0.0,
                _quality(complete, fraud),
            ),
        ]
    )


if __name__ == "__main__":
    main()
