"""The simulated lender with underwriting: every cash loan and BNPL plan is an application the
engine decided, only approved offers become loans, on the terms offered, and every stored
decision replays to the same outcome."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
import sqlalchemy as sa

from puhui.batch.verify import verify
from puhui.compliance.profile import JurisdictionProfile, load_profile
from puhui.credit.fraud import Identity
from puhui.sim.business import Simulation
from puhui.sim.demo import OPENING_CAPITAL_MINOR, fund_platform
from puhui.sim.line_demo import LineDemo
from puhui.sim.portfolio import ENGINE_PRODUCTS, plan_portfolio
from puhui.sim.underwriting import Underwriting, UnderwritingSpec, build_underwriting
from puhui.storage.tables import loans
from puhui.storage.uow import SqlUnitOfWork
from tests.integration.helpers import count

FIRST_DAY = date(2025, 1, 2)
LOANS = 160


@pytest.fixture(scope="module")
def underwriting(tmp_path_factory: pytest.TempPathFactory) -> Underwriting:
    spec = UnderwritingSpec(
        history=4_000,
        applicants=LOANS,
        seed=7,  # a population with two planted fraud rings among the history
        first_day=FIRST_DAY,
        model_directory=tmp_path_factory.mktemp("model"),
        net_assets_minor=OPENING_CAPITAL_MINOR,
    )
    return build_underwriting(spec, load_profile())


def test_only_approved_offers_become_loans_on_the_offered_terms(
    database: sa.Engine, underwriting: Underwriting
) -> None:
    profile: JurisdictionProfile = load_profile()
    fund_platform(database, profile, FIRST_DAY)
    plan = plan_portfolio(
        loans=LOANS,
        first_day=FIRST_DAY,
        booking_days=30,
        seed=7,
        population=underwriting.population,
        first_applicant_id=underwriting.first_applicant_id,
    )
    simulation = Simulation(database, profile, plan, seed=7, underwriting=underwriting)
    stats = simulation.run(FIRST_DAY, 45)
    funnel = stats.funnel

    applications = [p for p in plan if p.product_code in ENGINE_PRODUCTS]
    assert funnel.applications == len(applications) == count(database, "decisions")
    assert 0 < funnel.outcomes["approve"] < funnel.applications
    assert funnel.booked == funnel.outcomes["approve"] - funnel.refused_at_acceptance
    with SqlUnitOfWork(database, profile) as uow:
        for planned in applications:
            decision = uow.decisions.find(planned.key)
            assert decision is not None
            record = decision[0]
            booked = [b for b in simulation.borrowers.values() if b.plan.key == planned.key]
            if record.outcome != "approve":
                assert not booked
                continue
            assert record.offer is not None
            assert len(booked) == 1
            loan = uow.loans.get(booked[0].loan_id, for_update=False)
            assert loan.terms.principal_minor == record.offer.amount_minor
            assert loan.terms.principal_minor <= planned.principal_minor
            assert loan.terms.annual_rate == Decimal(record.offer.annual_rate)
        for planned in applications:  # every stored decision replays to itself
            found = uow.decisions.find(planned.key)
            assert found is not None
            stored, application = found
            again = underwriting.engine.replay(stored, application)
            assert (again.outcome, again.offer, again.reasons, again.pd) == (
                stored.outcome,
                stored.offer,
                stored.reasons,
                stored.pd,
            )
    with database.connect() as connection:
        references = connection.execute(
            sa.select(loans.c.borrower_ref).where(loans.c.borrower_ref.like("applicant-%"))
        ).scalars()
        assert sorted(references) == sorted(
            f"applicant-{b.plan.applicant_id}"
            for b in simulation.borrowers.values()
            if b.plan.applicant_id is not None
        )

    truth = underwriting.population.applicants([p.applicant_id for p in applications])
    approved = np.array(
        [b.plan.key for b in simulation.borrowers.values() if b.plan.applicant_id is not None]
    )
    was_approved = np.isin([p.key for p in applications], approved)
    assert truth.true_pd[was_approved].mean() < truth.true_pd[~was_approved].mean()
    assert verify(database).ok


def test_the_demo_model_learns_from_history_and_knows_past_fraud(
    underwriting: Underwriting,
) -> None:
    assert 0.7 < underwriting.model.evaluation.auc < 0.95
    assert (underwriting.model.directory / "manifest.json").is_file()
    history = underwriting.population.applicants(np.arange(underwriting.first_applicant_id))
    confirmed = np.flatnonzero((history.fraud_ring >= 0) & history.defaults)
    assert confirmed.size > 0
    graph = underwriting.engine.graph
    sources = underwriting.engine.sources
    for applicant_id in confirmed.tolist():
        identity = Identity.from_batch(sources.identity.identities([applicant_id]), 0)
        assert graph.assess(applicant_id, identity).connected_to_known_fraud
    honest = int(np.flatnonzero(history.fraud_ring < 0)[0])
    identity = Identity.from_batch(sources.identity.identities([honest]), 0)
    assert not graph.assess(honest, identity).connected_to_known_fraud
    assert underwriting.model.scorer.version.startswith("scorecard@")
    assert underwriting.first_applicant_id == 4_000
    assert underwriting.population.size == 4_000 + LOANS


def test_the_demo_s_credit_lines_run_a_quarter_and_reconcile(
    database: sa.Engine, underwriting: Underwriting
) -> None:
    profile = load_profile()
    fund_platform(database, profile, FIRST_DAY)
    first = underwriting.first_applicant_id + LOANS
    lines = LineDemo(
        database,
        profile,
        underwriting.population,
        applicant_ids=list(range(first, first + 120)),
        first_day=FIRST_DAY,
        opening_days=20,
        net_assets_minor=OPENING_CAPITAL_MINOR,
        seed=7,
    )
    Simulation(database, profile, [], seed=7).run(FIRST_DAY, 95, after_eod=lines.run_day)
    stats = lines.stats
    assert stats.opened > 0
    assert stats.applied == stats.opened + sum(stats.refused.values())
    assert stats.checkouts > 0
    assert stats.statements >= 2 * stats.opened  # 75 days or more on book: two statements
    assert sum(stats.payments.values()) > 0
    assert count(database, "line_statements") == stats.statements
    report = verify(database)
    assert report.ok, [c for c in report.checks if not c.ok]
