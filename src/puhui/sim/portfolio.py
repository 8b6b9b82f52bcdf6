"""A synthetic portfolio plan: who borrows what, when, and how each borrower behaves.

Behaviours are drawn from fixed shares so a demo year shows every servicing path: on-time and
late payers, partial payers, prepayers, bounced payments, merchant refunds, and defaults that run
all the way to charge-off. All amounts are synthetic; nothing refers to a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

from puhui.core.dates import add_months
from puhui.sim.population import Population


class Behaviour(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"  # pays each instalment some days late
    PARTIAL = "partial"  # pays part of each instalment, catches up later
    PREPAYER = "prepayer"  # pays on time, then settles early
    BOUNCER = "bouncer"  # one payment bounces and is reversed
    REFUNDER = "refunder"  # BNPL: the merchant refunds part or all of the purchase
    DEFAULTER = "defaulter"  # stops paying after a few instalments


BEHAVIOUR_SHARES = {
    Behaviour.ON_TIME: 58,
    Behaviour.LATE: 12,
    Behaviour.PARTIAL: 5,
    Behaviour.PREPAYER: 10,
    Behaviour.BOUNCER: 3,
    Behaviour.REFUNDER: 4,
    Behaviour.DEFAULTER: 8,
}

ENGINE_PRODUCTS = ("cash-instalment", "bnpl-plan")  # applied for through the decision engine

HONEST_SHARES = {b: share for b, share in BEHAVIOUR_SHARES.items() if b is not Behaviour.DEFAULTER}

PRODUCT_SHARES = {
    "cash-instalment": 45,
    "bnpl-plan": 30,
    "working-capital": 15,
    "seasonal-farm": 10,
}


@dataclass(frozen=True, slots=True)
class PlannedLoan:
    """One borrower's loan and behaviour; offsets are days after the booking date."""

    key: str
    borrower_ref: str
    product_code: str
    principal_minor: int
    booking_date: date
    behaviour: Behaviour
    periods: int | None = None
    late_days: int = 0
    default_after_payments: int = 0
    settle_after_days: int = 0
    refund_after_days: int = 0
    refund_share_percent: int = 0
    harvest_dates: tuple[date, ...] = ()
    applicant_id: int | None = None  # set: the loan is applied for through the decision engine


T = TypeVar("T")


def _choose(rng: random.Random, shares: dict[T, int]) -> T:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _principal(rng: random.Random, product_code: str) -> int:
    low, high = {
        "cash-instalment": (1_000, 50_000),
        "bnpl-plan": (200, 8_000),
        "working-capital": (20_000, 300_000),
        "seasonal-farm": (5_000, 80_000),
    }[product_code]
    return rng.randrange(low, high, 100) * 100


def plan_portfolio(
    *,
    loans: int,
    first_day: date,
    booking_days: int,
    seed: int,
    population: Population | None = None,
    first_applicant_id: int = 0,
) -> list[PlannedLoan]:
    """`loans` planned loans booked over `booking_days` days from `first_day`.

    With a population, cash loans and BNPL plans become applications of its applicants (from
    `first_applicant_id` on) through the decision engine, and whether the borrower defaults is
    the applicant's ground truth rather than a draw — so the demo's losses follow the model.
    """
    rng = random.Random(seed)
    plan = []
    next_applicant = first_applicant_id
    for index in range(loans):
        product_code = _choose(rng, PRODUCT_SHARES)
        behaviour = _choose(rng, BEHAVIOUR_SHARES)
        applicant_id = None
        if population is not None and product_code in ENGINE_PRODUCTS:
            applicant_id = next_applicant
            next_applicant += 1
            defaults = bool(population.applicants([applicant_id]).defaults[0])
            behaviour = Behaviour.DEFAULTER if defaults else _choose(rng, HONEST_SHARES)
        if behaviour is Behaviour.REFUNDER and product_code != "bnpl-plan":
            behaviour = Behaviour.ON_TIME
        booking = first_day + timedelta(days=rng.randrange(booking_days))
        periods = (
            rng.choice([3, 6, 9, 12])
            if product_code == "bnpl-plan"
            else (rng.choice([6, 12, 18, 24]) if product_code == "cash-instalment" else None)
        )
        harvests: tuple[date, ...] = ()
        if product_code == "seasonal-farm":
            harvests = (
                add_months(booking, rng.choice([5, 6, 7])),
                add_months(booking, rng.choice([11, 12])),
            )
        plan.append(
            PlannedLoan(
                key=f"demo-loan-{index}",
                borrower_ref=f"synthetic-borrower-{index:06d}",
                product_code=product_code,
                principal_minor=_principal(rng, product_code),
                booking_date=booking,
                behaviour=behaviour,
                periods=periods,
                late_days=rng.randrange(2, 25),
                default_after_payments=rng.randrange(0, 4),
                settle_after_days=rng.randrange(40, 200),
                refund_after_days=rng.randrange(5, 60),
                refund_share_percent=rng.choice([20, 50, 100]),
                harvest_dates=harvests,
                applicant_id=applicant_id,
            )
        )
    return sorted(plan, key=lambda p: (p.booking_date, p.key))
