"""One feature definition: an online decision sees exactly the features the offline data set
has for the same applicant (the data set a model is trained on)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from puhui.credit.features import FEATURE_NAMES
from puhui.credit.fraud import FraudGraph, Identity
from puhui.sim.dataset import DatasetSpec, build_dataset
from puhui.sim.sources import SimulatedSources
from tests.unit.credit.doubles import POPULATION, application, engine

ON = date(2025, 6, 2)


def test_online_decision_features_equal_the_offline_dataset_row() -> None:
    count = 300
    frame = build_dataset(
        DatasetSpec(
            count, POPULATION.seed, ON, amount_minor=800_000, population_size=POPULATION.size
        )
    )
    # The online graph must know the same applicants the offline counts saw.
    graph = FraudGraph()
    identity = SimulatedSources(POPULATION).identity.identities(list(range(count)))
    for i in range(count):
        graph.add(
            i,
            Identity(
                int(identity.device_id[i]),
                int(identity.phone_id[i]),
                int(identity.card_id[i]),
                int(identity.address_id[i]),
            ),
        )
    decide = engine(graph=graph)
    consenting = [i for i in range(count) if bool(POPULATION.applicants([i]).bureau_consent[0])][
        :25
    ]
    for applicant_id in consenting:
        record = decide.decide(application(applicant_id, business_date=ON))
        offline = frame.iloc[applicant_id]
        for name in FEATURE_NAMES:
            online = record.features[name]
            value = float(offline[name])
            if online is None:
                assert math.isnan(value), name
            else:
                assert np.isclose(online, value, rtol=1e-12, atol=0), (applicant_id, name)
