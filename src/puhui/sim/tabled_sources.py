"""The simulator's data sources for a server: one applicant at a time, answered from tables.

An online decision asks every adapter about one applicant. Generating one applicant's attributes
is about 150 NumPy calls on one-element arrays, and the bureau, repayment history and identity
as many again: about 0.9 ms of a worker's CPU per application, a quarter of the whole request
(measured with py-spy, `bench/RESULTS.md`). A lender's real adapters answer from stores that
already hold these figures; this does the same for the simulator. For a population of up to
`TABLE_LIMIT` applicants it computes the attributes, history and identities of everyone once,
vectorised (under 0.1 s for 25,000), the bureau's figures once per bureau month, and answers by
indexing. Transaction flows move with the business date, so they are still generated per call
(from the tabled attributes). Every simulated number is a pure function of (seed, applicant,
coordinates), so the answers equal `SimulatedSources`' exactly (tested); an applicant outside
the table, or a population above the limit, is generated per call as before.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import TypeVar

import numpy as np

from puhui.credit.adapters import BureauBatch, FlowBatch, HistoryBatch, IdentityBatch
from puhui.sim.population import Applicants, Population
from puhui.sim.sources import (
    Int64Array,
    SimulatedBureau,
    SimulatedHistory,
    SimulatedIdentity,
    SimulatedTransactions,
    bureau_month,
    require_bureau_consent,
)

TABLE_LIMIT = 250_000  # at the limit about 70 MB per server process (two bureau months kept)

Batch = TypeVar("Batch", Applicants, BureauBatch, HistoryBatch, IdentityBatch)


@dataclass(frozen=True, slots=True)
class _Tables:
    people: Applicants
    history: HistoryBatch
    identity: IdentityBatch


@functools.lru_cache(maxsize=2)
def _tables(size: int, seed: int) -> _Tables:
    population = Population(size, seed)
    people = population.applicants(np.arange(size, dtype=np.int64))
    return _Tables(
        people=people,
        history=SimulatedHistory(population).history_of(people),
        identity=SimulatedIdentity(population).identities(range(size)),
    )


@functools.lru_cache(maxsize=2)
def _bureau_table(size: int, seed: int, month: int) -> BureauBatch:
    return SimulatedBureau(Population(size, seed)).reports_of(_tables(size, seed).people, month)


def _rows(table: Batch, ids: Int64Array) -> Batch:
    """The rows `ids` of every column of a batch."""
    return type(table)(**{f.name: getattr(table, f.name)[ids] for f in fields(table)})


@dataclass(frozen=True, slots=True)
class _Lookup:
    population: Population

    def tabled(self, applicant_ids: Sequence[int]) -> Int64Array | None:
        """The ids as an index into the tables, or None when they must be generated."""
        ids = np.asarray(applicant_ids, dtype=np.int64)
        if self.population.size > TABLE_LIMIT or ids.size == 0:
            return None
        if ids.min() < 0 or ids.max() >= self.population.size:
            return None
        return ids

    def tables(self) -> _Tables:
        return _tables(self.population.size, self.population.seed)


@dataclass(frozen=True, slots=True)
class _Transactions(_Lookup):
    def flows(self, applicant_ids: Sequence[int], *, as_of: date, days: int) -> FlowBatch:
        generated = SimulatedTransactions(self.population)
        ids = self.tabled(applicant_ids)
        if ids is None:
            return generated.flows(applicant_ids, as_of=as_of, days=days)
        return generated.flows_of(_rows(self.tables().people, ids), as_of, days)


@dataclass(frozen=True, slots=True)
class _Bureau(_Lookup):
    """Refuses any query without consent, like the simulated bureau it stands for."""

    def reports(
        self, applicant_ids: Sequence[int], *, consented: Sequence[bool], as_of: date
    ) -> BureauBatch:
        ids = self.tabled(applicant_ids)
        if ids is None:
            return SimulatedBureau(self.population).reports(
                applicant_ids, consented=consented, as_of=as_of
            )
        require_bureau_consent(ids, consented)
        size, seed = self.population.size, self.population.seed
        return _rows(_bureau_table(size, seed, bureau_month(as_of)), ids)


@dataclass(frozen=True, slots=True)
class _History(_Lookup):
    def history(self, applicant_ids: Sequence[int], *, as_of: date) -> HistoryBatch:
        ids = self.tabled(applicant_ids)
        if ids is None:
            return SimulatedHistory(self.population).history(applicant_ids, as_of=as_of)
        return _rows(self.tables().history, ids)


@dataclass(frozen=True, slots=True)
class _Identity(_Lookup):
    def identities(self, applicant_ids: Sequence[int]) -> IdentityBatch:
        ids = self.tabled(applicant_ids)
        if ids is None:
            return SimulatedIdentity(self.population).identities(applicant_ids)
        return _rows(self.tables().identity, ids)


@dataclass(frozen=True, slots=True)
class TabledSources:
    """`SimulatedSources` for one applicant at a time (implements `DataSources`)."""

    population: Population

    def warm(self) -> None:
        """Build the static tables now (at server start) rather than in the first request; the
        bureau's month is built by the month's first application (about 10 ms for 25,000)."""
        if self.population.size <= TABLE_LIMIT:
            _tables(self.population.size, self.population.seed)

    @property
    def transactions(self) -> _Transactions:
        return _Transactions(self.population)

    @property
    def bureau(self) -> _Bureau:
        return _Bureau(self.population)

    @property
    def history(self) -> _History:
        return _History(self.population)

    @property
    def identity(self) -> _Identity:
        return _Identity(self.population)
