"""How well the fraud checks, and the whole engine, stop the simulator's planted rings.

Last year's applicants (the first half) train the demo's scorecard and sit in the graph with the
fraud confirmed among them (ring members who defaulted); this year's arrive one by one. Every
ring member, and a sample of honest applicants, applies for a cash loan and is decided by the
engine; everyone else is only added to the graph, as their applications would be.

- "graph check": the component has six or more applicants or contains confirmed fraud (what
  the default rule set acts on), at the moment each applicant arrives;
- "complete graph": the same once everyone has arrived (a nightly re-screen);
- "whole engine": what share of ring members is approved after rules, fraud, model and strategy.

Every application of a day is submitted at the same time of day, so applicants sharing a device
also trip the velocity rule; rings applying in bursts do that in life too.

    python -m bench.fraud --applicants 300000
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import date

import numpy as np

from bench.common import OUT, emit, result
from puhui.compliance.profile import load_profile
from puhui.credit.fraud import Identity
from puhui.sim.applications import application_for
from puhui.sim.underwriting import UnderwritingSpec, build_underwriting

CLUSTER_LIMIT = 6  # fraud.cluster_size >= 6 in credit/rulesets/default.yaml
DAY = date(2025, 6, 2)
HONEST_SAMPLE = 3_000


def _quality(flagged: np.ndarray, fraud: np.ndarray) -> str:
    caught = int((flagged & fraud).sum())
    recall = caught / max(1, int(fraud.sum()))
    precision = caught / max(1, int(flagged.sum()))
    return f"recall {recall:.1%}, precision {precision:.1%} ({int(fraud.sum()):,} ring members)"


def _shares(outcomes: Counter[str]) -> str:
    total = max(1, sum(outcomes.values()))
    return ", ".join(f"{name} {outcomes[name] / total:.1%}" for name in sorted(outcomes))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applicants", type=int, default=300_000)
    args = parser.parse_args()
    half = args.applicants // 2
    underwriting = build_underwriting(
        UnderwritingSpec(
            history=half,
            applicants=args.applicants - half,
            seed=9,
            first_day=DAY,
            model_directory=OUT / "fraud-model",
            net_assets_minor=500_000_000_00,
        ),
        load_profile(),
    )
    engine, population = underwriting.engine, underwriting.population
    arrivals = np.arange(half, args.applicants)
    fraud = population.applicants(arrivals).fraud_ring >= 0
    batch = engine.sources.identity.identities(arrivals.tolist())
    honest = set(
        np.random.default_rng(0)
        .choice(np.flatnonzero(~fraud), min(HONEST_SAMPLE, int((~fraud).sum())), replace=False)
        .tolist()
    )
    flagged = np.zeros(len(arrivals), dtype=bool)
    ring_outcomes: Counter[str] = Counter()
    honest_outcomes: Counter[str] = Counter()
    samples: list[float] = []
    decisions: list[float] = []
    for index, applicant_id in enumerate(arrivals.tolist()):
        if fraud[index] or index in honest:
            application = application_for(
                population,
                applicant_id,
                product_code="cash-instalment",
                amount_minor=1_000_000,
                periods=12,
                business_date=DAY,
            )
            begin = time.perf_counter()
            record = engine.decide(application)
            decisions.append(time.perf_counter() - begin)
            (ring_outcomes if fraud[index] else honest_outcomes)[record.outcome] += 1
            cluster = record.fraud.get("fraud.cluster_size", 0)
            known = record.fraud.get("fraud.connected_to_known_fraud", 0)
            flagged[index] = cluster >= CLUSTER_LIMIT or bool(known)
            continue
        begin = time.perf_counter()
        assessment = engine.graph.assess(applicant_id, Identity.from_batch(batch, index))
        samples.append(time.perf_counter() - begin)
        flagged[index] = (
            assessment.cluster_size >= CLUSTER_LIMIT or assessment.connected_to_known_fraud
        )
    started = time.perf_counter()
    complete = np.array(engine.graph.cluster_sizes(arrivals.tolist())) >= CLUSTER_LIMIT
    rescreen = time.perf_counter() - started
    emit(
        [
            result(
                "fraud graph check at arrival",
                "-",
                len(samples),
                samples,
                sum(samples),
                _quality(flagged, fraud),
            ),
            result(
                "fraud graph check, complete graph",
                "-",
                len(arrivals),
                [0.0],
                rescreen,
                _quality(complete, fraud),
            ),
            result(
                "ring members and honest sample, whole engine",
                "-",
                len(decisions),
                decisions,
                sum(decisions),
                f"{_shares(ring_outcomes)}; honest sample: {_shares(honest_outcomes)}",
            ),
        ]
    )


if __name__ == "__main__":
    main()
