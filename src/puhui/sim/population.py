"""A synthetic population of borrowers whose defaults follow a known latent risk.

Transaction-flow data for small firms and consumers does not exist in public, so puhui makes it:
consumers (age, income, occupation, students, city tier, devices, cards, spending) and small
merchants (sector, shop age, daily sales, refunds, seasonality), a credit bureau view (inquiries,
other lenders' balances and delinquencies: multi-lending) and planted fraud rings (many
applicants sharing devices, phones and cards). Each applicant has a latent risk z ~ N(0, 1); every
observable drifts with z, and the true probability of default is a known function of z, so a
model's quality can be measured against ground truth.

Everything is a pure function of (seed, applicant id): the population is generated in vectorised
chunks, and any one applicant can be regenerated on its own with identical values.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from puhui.sim.noise import normal, uniform

Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MAX_POPULATION = 50_000_000
RING_SHARE = 0.006  # share of applicants who belong to a planted fraud ring
RING_SIZE_MIN, RING_SIZE_MAX = 6, 40


class ApplicantKind(IntEnum):
    CONSUMER = 0
    MERCHANT = 1


class Occupation(IntEnum):
    EMPLOYEE = 0
    SELF_EMPLOYED = 1
    CIVIL_SERVANT = 2
    STUDENT = 3
    FARMER = 4
    UNEMPLOYED = 5


class Sector(IntEnum):
    NONE = 0
    FOOD = 1
    RETAIL = 2
    SERVICES = 3
    TRANSPORT = 4
    AGRICULTURE = 5


# Streams of the counter-based generator, one per drawn quantity.
_S = {
    name: index
    for index, name in enumerate(
        (
            "kind",
            "latent",
            "age",
            "income",
            "occupation",
            "tier",
            "sector",
            "shop_age",
            "sales",
            "growth",
            "volatility",
            "season",
            "refund",
            "closed",
            "inq30",
            "inq90",
            "lenders",
            "balance",
            "delinquent",
            "delinq24",
            "prior",
            "ontime",
            "overdue",
            "default",
            "ring",
            "ring_pick",
            "device",
            "phone",
            "card",
            "address",
            "consent",
            "spend",
        )
    )
}


@dataclass(frozen=True, slots=True)
class Applicants:
    """Attributes of applicants `ids` (arrays aligned with `ids`)."""

    ids: Int64Array
    kind: Int64Array
    age: Int64Array
    monthly_income_minor: Int64Array
    occupation: Int64Array
    city_tier: Int64Array
    sector: Int64Array
    shop_age_months: Int64Array
    base_daily_sales_minor: Int64Array
    sales_growth: FloatArray
    sales_volatility: FloatArray
    seasonality: FloatArray
    refund_rate: FloatArray
    closed_day_share: FloatArray
    spend_share: FloatArray
    latent_risk: FloatArray
    true_pd: FloatArray
    defaults: BoolArray
    fraud_ring: Int64Array  # -1 when not in a ring
    bureau_consent: BoolArray

    @property
    def is_student(self) -> BoolArray:
        students: BoolArray = self.occupation == Occupation.STUDENT
        return students

    @property
    def is_fraud(self) -> BoolArray:
        return self.fraud_ring >= 0


@functools.lru_cache(maxsize=4096)
def _one_applicant(size: int, seed: int, applicant_id: int) -> Applicants:
    return Population(size, seed)._generate(np.array([applicant_id], dtype=np.int64))


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True, slots=True)
class Population:
    """A population of `size` applicants drawn from `seed`."""

    size: int
    seed: int

    def __post_init__(self) -> None:
        if not 1 <= self.size <= MAX_POPULATION:
            raise ValueError(f"population size must be 1–{MAX_POPULATION}")

    def _u(self, name: str, ids: Int64Array) -> FloatArray:
        return uniform(self.seed, _S[name], ids)

    def _n(self, name: str, ids: Int64Array) -> FloatArray:
        return normal(self.seed, _S[name], ids)

    def ring_of(self, ids: Int64Array) -> Int64Array:
        """The planted fraud ring of each applicant (-1: none). Rings are contiguous id blocks
        scattered by a hash, so membership is a pure function of the id."""
        ring_count = max(1, int(self.size * RING_SHARE / ((RING_SIZE_MIN + RING_SIZE_MAX) / 2)))
        block = RING_SIZE_MAX * 4
        blocks = np.maximum(self.size // block, 1)
        block_id = ids // block
        chosen = uniform(self.seed, _S["ring"], block_id) < ring_count / blocks
        size = RING_SIZE_MIN + (
            uniform(self.seed, _S["ring_pick"], block_id) * (RING_SIZE_MAX - RING_SIZE_MIN)
        ).astype(np.int64)
        inside = (ids % block) < size
        return np.where(chosen & inside, block_id, -1).astype(np.int64)

    def applicants(self, ids: npt.ArrayLike) -> Applicants:
        """The attributes of the given applicant ids (vectorised; any order, any batch)."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.shape == (1,):
            # An online decision asks for one applicant several times (each adapter): cache.
            return _one_applicant(self.size, self.seed, int(ids[0]))
        return self._generate(ids)

    def _generate(self, ids: Int64Array) -> Applicants:
        ring = self.ring_of(ids)
        fraud = ring >= 0
        z = self._n("latent", ids)
        kind = (self._u("kind", ids) < 0.45).astype(np.int64)  # 45 % small merchants
        age = np.clip(18 + (self._u("age", ids) ** 1.4 * 47).astype(np.int64), 18, 70)
        occupation = self._occupation(ids, age)
        student = occupation == Occupation.STUDENT
        tier = 1 + (self._u("tier", ids) * 4).astype(np.int64)
        income = np.exp(8.6 + 0.55 * self._n("income", ids) - 0.12 * z + 0.15 * (4 - tier))
        income = np.where(student, income * 0.25, income)
        income_minor = (income * 100).astype(np.int64)
        merchant = kind == ApplicantKind.MERCHANT
        sector = np.where(merchant, 1 + (self._u("sector", ids) * 5).astype(np.int64), 0)
        shop_age = np.where(merchant, 3 + (self._u("shop_age", ids) ** 1.5 * 150), 0)
        sales = np.exp(7.2 + 0.7 * self._n("sales", ids) - 0.1 * z) * 100
        growth = 0.10 - 0.22 * z + 0.10 * self._n("growth", ids)
        volatility = np.clip(
            0.18 + 0.10 * _sigmoid(z) + 0.05 * self._u("volatility", ids), 0.05, 0.9
        )
        seasonality = np.where(sector == Sector.AGRICULTURE, 0.5, 0.12) * self._u("season", ids)
        refund = np.clip(0.01 + 0.04 * _sigmoid(z - 0.5) + 0.01 * self._u("refund", ids), 0, 0.3)
        closed = np.clip(0.03 + 0.10 * _sigmoid(z - 1.0) + 0.03 * self._u("closed", ids), 0, 0.6)
        spend = np.clip(0.55 + 0.25 * _sigmoid(z) + 0.1 * self._u("spend", ids), 0.2, 1.3)
        # The ground truth: a known function of the latent risk (and, for fraud, certainty).
        logit = -3.4 + 1.25 * z + 0.35 * (tier - 2.5) / 1.5 + np.where(student, 0.6, 0.0)
        true_pd = np.where(fraud, 0.92, _sigmoid(logit))
        defaults = self._u("default", ids) < true_pd
        consent = (self._u("consent", ids) > 0.01) | fraud  # about 1 % decline the bureau query
        return Applicants(
            ids=ids,
            kind=kind,
            age=age.astype(np.int64),
            monthly_income_minor=income_minor,
            occupation=occupation,
            city_tier=tier,
            sector=sector.astype(np.int64),
            shop_age_months=shop_age.astype(np.int64),
            base_daily_sales_minor=np.where(merchant, sales, 0).astype(np.int64),
            sales_growth=growth,
            sales_volatility=volatility,
            seasonality=seasonality,
            refund_rate=refund,
            closed_day_share=closed,
            spend_share=spend,
            latent_risk=z,
            true_pd=true_pd,
            defaults=defaults,
            fraud_ring=ring,
            bureau_consent=consent,
        )

    def _occupation(self, ids: Int64Array, age: Int64Array) -> Int64Array:
        draw = self._u("occupation", ids)
        young = age <= 24
        occupation = np.select(
            [draw < 0.45, draw < 0.70, draw < 0.80, draw < 0.90, draw < 0.96],
            [
                Occupation.EMPLOYEE,
                Occupation.SELF_EMPLOYED,
                Occupation.CIVIL_SERVANT,
                Occupation.FARMER,
                Occupation.UNEMPLOYED,
            ],
            default=Occupation.EMPLOYEE,
        )
        students = young & (draw > 0.55)  # about 45 % of the under-25s are students
        return np.where(students, Occupation.STUDENT, occupation).astype(np.int64)
