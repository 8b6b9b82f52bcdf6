"""The server's tabled sources answer exactly what the per-call simulator answers."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.credit.errors import ConsentMissing
from puhui.sim import tabled_sources
from puhui.sim.population import Population
from puhui.sim.sources import SimulatedSources
from puhui.sim.tabled_sources import TABLE_LIMIT, TabledSources

POPULATION = Population(3_000, seed=7)
TABLED = TabledSources(POPULATION)
GENERATED = SimulatedSources(POPULATION)
FIRST_DAY = date(2025, 1, 1)

# Ids inside the table and, now and then, beyond it (generated per call).
applicant_ids = st.lists(st.integers(0, POPULATION.size + 500), min_size=1, max_size=4)
days = st.integers(0, 400).map(lambda offset: FIRST_DAY + timedelta(days=offset))


def assert_same(tabled: object, generated: object) -> None:
    assert type(tabled) is type(generated)
    for field in fields(generated):  # type: ignore[arg-type]
        mine, theirs = getattr(tabled, field.name), getattr(generated, field.name)
        assert mine.dtype == theirs.dtype, field.name
        assert np.array_equal(mine, theirs), field.name


@settings(max_examples=60, deadline=None)
@given(ids=applicant_ids, as_of=days)
def test_every_adapter_answers_as_the_simulator_does(ids: list[int], as_of: date) -> None:
    assert_same(
        TABLED.transactions.flows(ids, as_of=as_of, days=90),
        GENERATED.transactions.flows(ids, as_of=as_of, days=90),
    )
    consented = [True] * len(ids)
    assert_same(
        TABLED.bureau.reports(ids, consented=consented, as_of=as_of),
        GENERATED.bureau.reports(ids, consented=consented, as_of=as_of),
    )
    assert_same(
        TABLED.history.history(ids, as_of=as_of), GENERATED.history.history(ids, as_of=as_of)
    )
    assert_same(TABLED.identity.identities(ids), GENERATED.identity.identities(ids))


@pytest.mark.parametrize("ids", [[12], [POPULATION.size + 3]], ids=["tabled", "generated"])
def test_the_bureau_still_refuses_without_consent(ids: list[int]) -> None:
    with pytest.raises(ConsentMissing, match="record the applicant's consent"):
        TABLED.bureau.reports(ids, consented=[False], as_of=FIRST_DAY)


def test_a_population_over_the_limit_is_generated_per_call() -> None:
    built_before = tabled_sources._tables.cache_info().misses
    large = TabledSources(Population(TABLE_LIMIT + 1, seed=7))
    large.warm()
    answer = large.history.history([TABLE_LIMIT], as_of=FIRST_DAY)
    assert tabled_sources._tables.cache_info().misses == built_before  # too big: no table
    expected = SimulatedSources(large.population).history.history([TABLE_LIMIT], as_of=FIRST_DAY)
    assert_same(answer, expected)


@pytest.mark.parametrize("days", [0, 3 * 366 + 1])
@pytest.mark.parametrize("ids", [[12], [POPULATION.size + 3]], ids=["tabled", "generated"])
def test_a_flow_window_out_of_range_is_refused_either_way(ids: list[int], days: int) -> None:
    with pytest.raises(ValueError, match="flows cover 1–1098 days"):
        TABLED.transactions.flows(ids, as_of=FIRST_DAY, days=days)
