"""The simulator's implementation of every data adapter the decision engine reads.

Transaction flows are generated day by day from the population's parameters with counter-based
noise, so one applicant online and a million in chunks offline see identical numbers. Merchants
have daily sales with growth, seasonality, weekly rhythm, closed days and refunds; consumers have
a monthly salary and daily spending. Fraud-ring members share devices, phones and cards; a few
honest applicants share an address or a device too (families), so the fraud checks must tell the
difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from puhui.credit.adapters import BureauBatch, FlowBatch, HistoryBatch, IdentityBatch
from puhui.credit.errors import ConsentMissing
from puhui.sim.noise import halves, hashes, normal, normal_from, uniform
from puhui.sim.population import ApplicantKind, Applicants, Population

Int64Array = npt.NDArray[np.int64]
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MAX_FLOW_DAYS = 3 * 366
_FLOW_STREAM, _SPEND_STREAM, _CLOSED_STREAM = 101, 102, 104
_IDENTITY_STREAM = 201


def _ids(applicant_ids: Sequence[int]) -> Int64Array:
    return np.asarray(applicant_ids, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class SimulatedTransactions:
    population: Population

    def flows(self, applicant_ids: Sequence[int], *, as_of: date, days: int) -> FlowBatch:
        return self.flows_of(self.population.applicants(_ids(applicant_ids)), as_of, days)

    def flows_of(self, people: Applicants, as_of: date, days: int) -> FlowBatch:
        """`flows` for applicants whose attributes are already at hand."""
        if not 1 <= days <= MAX_FLOW_DAYS:
            raise ValueError(f"flows cover 1–{MAX_FLOW_DAYS} days")
        ids = people.ids
        end = as_of.toordinal() - EPOCH_ORDINAL
        day = np.arange(end - days, end, dtype=np.int64)[None, :]  # absolute day numbers
        inflow = np.zeros((len(ids), days), np.int64)
        outflow = np.zeros((len(ids), days), np.int64)
        refunds = np.zeros((len(ids), days), np.int64)
        merchant = people.kind == ApplicantKind.MERCHANT
        if merchant.any():
            sales, refund = self._merchant_days(people, merchant, day, end)
            inflow[merchant] = sales
            outflow[merchant] = np.rint(sales * 0.78).astype(np.int64)
            refunds[merchant] = refund
        consumer = ~merchant
        if consumer.any():
            inflow[consumer], outflow[consumer] = self._consumer_days(people, consumer, day)
        return FlowBatch(inflow_minor=inflow, outflow_minor=outflow, refunds_minor=refunds)

    def _merchant_days(
        self, people: Applicants, rows: npt.NDArray[np.bool_], day: Int64Array, end: int
    ) -> tuple[Int64Array, Int64Array]:
        """Daily sales (growth, seasonality, weekly rhythm, noise, closed days) and refunds."""
        seed = self.population.seed
        column = people.ids[rows][:, None]
        t = (day - end) / 365.0  # years before as_of (negative)
        trend = np.exp(people.sales_growth[rows][:, None] * t)
        season = 1.0 + people.seasonality[rows][:, None] * np.sin(2 * np.pi * (day / 365.25 + 0.1))
        weekly = np.where(day % 7 >= 5, 1.25, 0.93)
        noise = np.exp(
            people.sales_volatility[rows][:, None]
            * normal_from(hashes(seed, _FLOW_STREAM, column, day))
        )
        closed_draw, refund_draw = halves(hashes(seed, _CLOSED_STREAM, column, day))
        open_day = closed_draw > people.closed_day_share[rows][:, None]
        sales = (
            people.base_daily_sales_minor[rows][:, None]
            * trend
            * season
            * weekly
            * noise
            * open_day
        )
        refund = sales * people.refund_rate[rows][:, None] * 2 * refund_draw
        return np.rint(sales).astype(np.int64), np.rint(refund).astype(np.int64)

    def _consumer_days(
        self, people: Applicants, rows: npt.NDArray[np.bool_], day: Int64Array
    ) -> tuple[Int64Array, Int64Array]:
        """A monthly salary (on every 30th day) and daily spending around the spend share."""
        seed = self.population.seed
        column = people.ids[rows][:, None]
        income = people.monthly_income_minor[rows][:, None]
        salary_day = (day + 4) % 30 == 0
        spend_noise = normal_from(hashes(seed, _SPEND_STREAM, column, day))
        salary = income * salary_day * (1.0 + 0.03 * spend_noise)
        spend = income / 30.0 * people.spend_share[rows][:, None] * np.exp(0.6 * spend_noise - 0.18)
        return np.rint(salary).astype(np.int64), np.rint(spend).astype(np.int64)


def bureau_month(as_of: date) -> int:
    """The simulated bureau refreshes its figures every 30 days."""
    return as_of.toordinal() // 30


def require_bureau_consent(ids: Int64Array, consented: Sequence[bool]) -> None:
    """Raise ConsentMissing naming the applicants without a recorded bureau consent."""
    if not all(consented):
        missing = [int(i) for i, ok in zip(ids, consented, strict=True) if not ok]
        raise ConsentMissing(
            f"no bureau consent recorded for applicant(s) {missing[:5]}; record the "
            "applicant's consent before querying the credit bureau"
        )


@dataclass(frozen=True, slots=True)
class SimulatedBureau:
    """A licensed credit bureau: refuses any query without the applicant's consent."""

    population: Population

    def reports(
        self, applicant_ids: Sequence[int], *, consented: Sequence[bool], as_of: date
    ) -> BureauBatch:
        ids = _ids(applicant_ids)
        require_bureau_consent(ids, consented)
        return self.reports_of(self.population.applicants(ids), bureau_month(as_of))

    def reports_of(self, people: Applicants, month: int) -> BureauBatch:
        """`reports` for applicants whose attributes are at hand (consent already checked), in
        the bureau's month (`bureau_month`: its figures change once a month)."""
        ids = people.ids
        seed, z = self.population.seed, people.latent_risk
        fraud = people.is_fraud

        def poisson(rate: npt.NDArray[np.float64], stream: int) -> Int64Array:
            # Inverse-CDF Poisson from counter-based uniforms (bounded at 40 events).
            u = uniform(seed, stream, ids, month)
            count = np.zeros(len(ids), np.int64)
            probability = np.exp(-rate)
            cumulative = probability.copy()
            for k in range(1, 41):
                still = u > cumulative
                if not still.any():
                    break
                count += still
                probability = probability * rate / k
                cumulative = cumulative + probability
            return count

        inquiries_30 = poisson(np.exp(-0.6 + 0.55 * z) + np.where(fraud, 6.0, 0.0), 301)
        inquiries_90 = inquiries_30 + poisson(np.exp(0.1 + 0.5 * z), 302)
        lenders = poisson(np.exp(-0.2 + 0.45 * z) + np.where(fraud, 3.0, 0.0), 303)
        balance = lenders * np.exp(9.5 + 0.4 * z + 0.5 * normal(seed, 304, ids, month)) * 100
        delinquent = uniform(seed, 305, ids, month) < 1 / (1 + np.exp(-(z * 1.4 - 3.6)))
        past = poisson(np.exp(-1.4 + 0.7 * z), 306)
        return BureauBatch(
            inquiries_30d=inquiries_30,
            inquiries_90d=inquiries_90,
            other_lenders=lenders,
            other_balance_minor=balance.astype(np.int64),
            currently_delinquent=delinquent,
            delinquencies_24m=past + delinquent,
        )


@dataclass(frozen=True, slots=True)
class SimulatedHistory:
    population: Population

    def history(
        self,
        applicant_ids: Sequence[int],
        *,
        as_of: date,  # noqa: ARG002 - static in the simulator
    ) -> HistoryBatch:
        return self.history_of(self.population.applicants(_ids(applicant_ids)))

    def history_of(self, people: Applicants) -> HistoryBatch:
        """`history` for applicants whose attributes are at hand."""
        ids = people.ids
        seed, z = self.population.seed, people.latent_risk
        returning = uniform(seed, 401, ids) < 0.35
        prior = np.where(returning, 1 + (uniform(seed, 402, ids) * 5).astype(np.int64), 0)
        due = prior * 6
        late_share = np.clip(0.02 + 0.08 * (1 / (1 + np.exp(-(z - 1)))), 0, 1)
        on_time = np.rint(due * (1 - late_share * (0.5 + uniform(seed, 403, ids)))).astype(np.int64)
        overdue = returning & (uniform(seed, 404, ids) < 0.02 + 0.1 * (z > 1.5))
        return HistoryBatch(
            prior_loans=prior.astype(np.int64),
            instalments_due=due.astype(np.int64),
            instalments_on_time=on_time,
            currently_overdue=overdue,
        )


@dataclass(frozen=True, slots=True)
class SimulatedIdentity:
    """Device, phone, card and address ids; rings share a handful of each."""

    population: Population

    def identities(self, applicant_ids: Sequence[int]) -> IdentityBatch:
        ids = _ids(applicant_ids)
        ring = self.population.ring_of(ids)
        seed = self.population.seed
        in_ring = ring >= 0
        # A ring uses 2–3 devices, 2 phones, 3 cards and 2 addresses among all its members.
        pick = (uniform(seed, _IDENTITY_STREAM, ids) * 3).astype(np.int64)
        ring_key = ring * 8
        # Honest applicants: own ids, except families sharing an address (~3 %) or a device
        # (~1 %) with the applicant next to them.
        family_address = uniform(seed, _IDENTITY_STREAM + 1, ids // 2) < 0.03
        family_device = uniform(seed, _IDENTITY_STREAM + 2, ids // 2) < 0.01
        own = ids * 8 + 10**12
        shared = (ids // 2) * 8 + 10**12
        # Members fall in three groups (devices); groups 0 and 1 share a phone, groups 1 and 2
        # an address, so every ring is one connected component.
        return IdentityBatch(
            device_id=np.where(in_ring, ring_key + pick, np.where(family_device, shared, own)),
            phone_id=np.where(in_ring, ring_key + (pick == 2), own + 1),
            card_id=np.where(in_ring, ring_key + (pick + 1) % 3, own + 2),
            address_id=np.where(
                in_ring, ring_key + 4 + (pick == 0), np.where(family_address, shared + 3, own + 3)
            ),
        )


@dataclass(frozen=True, slots=True)
class SimulatedSources:
    """All adapters over one population (implements `puhui.credit.adapters.DataSources`)."""

    population: Population

    @property
    def transactions(self) -> SimulatedTransactions:
        return SimulatedTransactions(self.population)

    @property
    def bureau(self) -> SimulatedBureau:
        return SimulatedBureau(self.population)

    @property
    def history(self) -> SimulatedHistory:
        return SimulatedHistory(self.population)

    @property
    def identity(self) -> SimulatedIdentity:
        return SimulatedIdentity(self.population)
