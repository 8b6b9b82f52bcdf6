"""The demo: a synthetic lender's first year, on a fresh database, ending in verification.

The lender trains a scorecard on last year's applicants, then decides this year's cash-loan and
BNPL applications with the decision engine and books the offers accepted; farm and business
loans are booked directly (their decisions are made elsewhere). Consumers also apply for credit
lines and use them at checkout all year (`line_demo.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from puhui.compliance.profile import JurisdictionProfile
from puhui.ledger.accounts import PLATFORM_FUNDER, Account
from puhui.ledger.entries import entry_from_deltas, system_key
from puhui.ledger.service import post_entry
from puhui.sim.business import Simulation, SimulationStats
from puhui.sim.line_demo import LineDemo, LineDemoStats
from puhui.sim.portfolio import plan_portfolio
from puhui.sim.underwriting import Underwriting, UnderwritingSpec, build_underwriting
from puhui.storage.setup import initialise
from puhui.storage.uow import SqlUnitOfWork

OPENING_CAPITAL_MINOR = 500_000_000_00  # RMB 500 m of synthetic funding


@dataclass(frozen=True, slots=True)
class DemoSettings:
    loans: int = 2_000
    days: int = 365
    booking_days: int = 120
    first_day: date = date(2025, 1, 2)
    seed: int = 2025
    history: int = 20_000  # last year's applicants the model learns from; 0: no engine
    model_directory: Path = Path("puhui-demo-model")
    line_applicants: int = 500  # applicants for a credit line (consumers among them apply)
    line_opening_days: int = 90


@dataclass(frozen=True, slots=True)
class DemoResult:
    stats: SimulationStats
    underwriting: Underwriting | None
    lines: LineDemoStats | None


def fund_platform(engine: sa.Engine, profile: JurisdictionProfile, day: date) -> None:
    """The lender's opening capital: cash in, equity up (idempotent)."""
    entry = entry_from_deltas(
        idempotency_key=system_key("demo", "opening-capital"),
        kind="capital",
        business_date=day,
        funder=PLATFORM_FUNDER,
        deltas={
            Account.CASH: OPENING_CAPITAL_MINOR,
            Account.FUNDING_CAPITAL: -OPENING_CAPITAL_MINOR,
        },
        description="synthetic opening capital",
    )
    assert entry is not None
    with SqlUnitOfWork(engine, profile) as uow:
        post_entry(uow.journal, entry)
        uow.commit()


def run_demo(
    engine: sa.Engine,
    profile: JurisdictionProfile,
    settings: DemoSettings,
    progress: Callable[[date, int], None] | None = None,
) -> DemoResult:
    """Initialise the database, train the model, then apply, book and service every day."""
    initialise(engine, profile)
    fund_platform(engine, profile, settings.first_day)
    underwriting = None
    if settings.history > 0:
        underwriting = build_underwriting(
            UnderwritingSpec(
                history=settings.history,
                applicants=settings.loans,  # at most one application per planned loan
                seed=settings.seed,
                first_day=settings.first_day,
                model_directory=settings.model_directory,
                net_assets_minor=OPENING_CAPITAL_MINOR,
            ),
            profile,
        )
    plan = plan_portfolio(
        loans=settings.loans,
        first_day=settings.first_day,
        booking_days=settings.booking_days,
        seed=settings.seed,
        population=underwriting.population if underwriting else None,
        first_applicant_id=underwriting.first_applicant_id if underwriting else 0,
    )
    simulation = Simulation(engine, profile, plan, seed=settings.seed, underwriting=underwriting)
    lines = None
    if underwriting is not None and settings.line_applicants > 0:
        first = underwriting.first_applicant_id + settings.loans  # applicants no loan used
        lines = LineDemo(
            engine,
            profile,
            underwriting.population,
            applicant_ids=list(range(first, first + settings.line_applicants)),
            first_day=settings.first_day,
            opening_days=settings.line_opening_days,
            net_assets_minor=OPENING_CAPITAL_MINOR,
            seed=settings.seed,
        )
    stats = simulation.run(
        settings.first_day, settings.days, progress, lines.run_day if lines else None
    )
    return DemoResult(stats, underwriting, lines.stats if lines else None)
