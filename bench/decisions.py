"""Decisions per second and their latency: the engine alone, with its record written, and the
whole path application → decision → acceptance → disbursal posted; plus vectorised batch
scoring of a feature table.

Applicants are merchants (12 months of daily sales flows, bureau, graph look-up, rules, model,
strategy). The model is the one the demo trains: a scorecard (or `--model gbm`) on last year's
simulated applicants.

    python -m bench.decisions --database sqlite --decisions 2000
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np

from bench.common import OUT, Result, emit, fresh_database, result
from puhui.compliance.profile import load_profile
from puhui.credit.application import Application
from puhui.credit.features import FEATURE_NAMES
from puhui.credit.service import accept_offer, decide_application
from puhui.credit.strategy import borrower_cap
from puhui.sim.applications import application_for
from puhui.sim.dataset import DatasetSpec, build_dataset
from puhui.sim.population import ApplicantKind
from puhui.sim.underwriting import Underwriting, UnderwritingSpec, build_underwriting
from puhui.storage.uow import SqlUnitOfWork

DAY = date(2025, 6, 2)
WARM_UP = 50


def merchant_applications(underwriting: Underwriting, count: int) -> list[Application]:
    """`count` cash-loan applications of new merchant applicants, in id order."""
    population = underwriting.population
    ids = np.arange(underwriting.first_applicant_id, population.size)
    merchants = ids[population.applicants(ids).kind == ApplicantKind.MERCHANT][:count]
    if len(merchants) < count:
        raise SystemExit(f"only {len(merchants)} merchants in the population; lower --decisions")
    return [
        application_for(
            population,
            int(applicant_id),
            product_code="cash-instalment",
            amount_minor=1_000_000,
            periods=12,
            business_date=DAY,
            application_id=f"bench-{applicant_id}",
        )
        for applicant_id in merchants
    ]


def engine_alone(underwriting: Underwriting, applications: list[Application]) -> Result:
    samples = []
    started = time.perf_counter()
    for application in applications:
        begin = time.perf_counter()
        underwriting.engine.decide(application)
        samples.append(time.perf_counter() - begin)
    total = time.perf_counter() - started
    return result("decision, engine only (no record)", "-", len(samples), samples, total)


def decide_and_accept(
    underwriting: Underwriting, applications: list[Application], database: str
) -> list[Result]:
    """Each application decided and its record committed; each approved offer then accepted
    at once (loan booked, disbursal posted) in a second transaction, as a channel would."""
    engine = fresh_database(database, "decisions")
    profile = load_profile()
    cap = borrower_cap(profile, underwriting.engine.config.lender, is_merchant=True, on=DAY)
    decided, whole_path = [], []
    approved = 0
    started = time.perf_counter()
    for application in applications:
        begin = time.perf_counter()
        with SqlUnitOfWork(engine, profile) as uow:
            record = decide_application(uow, underwriting.engine, application)
            uow.commit()
        decision_s = time.perf_counter() - begin
        decided.append(decision_s)
        if record.outcome != "approve":
            continue
        approved += 1
        with SqlUnitOfWork(engine, profile) as uow:
            accept_offer(uow, application_id=application.application_id, as_of=DAY, cap_minor=cap)
            uow.commit()
        whole_path.append(time.perf_counter() - begin)
    total = time.perf_counter() - started
    engine.dispose()
    approval = f"{approved / len(applications):.0%} approved"
    return [
        result(
            "decision + record written", database, len(decided), decided, sum(decided), approval
        ),
        result(
            "apply → decide → accept → disbursal posted",
            database,
            len(whole_path),
            whole_path,
            sum(whole_path),
            f"approved applications only; {len(applications) / total:,.0f} applications/s "
            "end to end",
        ),
    ]


def batch_scoring(underwriting: Underwriting, rows: int) -> list[Result]:
    """Offline features of `rows` applicants (vectorised, chunked) and their scoring."""
    started = time.perf_counter()
    frame = build_dataset(
        DatasetSpec(applicants=rows, seed=underwriting.population.seed + 1, as_of=DAY)
    )
    features_s = time.perf_counter() - started
    columns = {name: frame[name].to_numpy(np.float64) for name in FEATURE_NAMES}
    underwriting.model.scorer.score_many(columns)  # warm-up
    samples = []
    for _ in range(3):
        begin = time.perf_counter()
        underwriting.model.scorer.score_many(columns)
        samples.append(time.perf_counter() - begin)
    best = min(samples)
    return [
        result("offline features (flows, bureau, graph)", "-", rows, [features_s], features_s),
        result("batch scoring, vectorised", "-", rows, samples, best, "best of 3 passes; per pass"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--decisions", type=int, default=2_000)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--batch-rows", type=int, default=200_000)
    parser.add_argument("--model", choices=["scorecard", "gbm"], default="scorecard")
    args = parser.parse_args()
    underwriting = build_underwriting(
        UnderwritingSpec(
            history=args.history,
            applicants=3 * (2 * args.decisions + WARM_UP),  # about 45 % are merchants
            seed=31,
            first_day=DAY,
            model_directory=OUT / f"decision-model-{args.model}",
            model_kind=args.model,
            net_assets_minor=500_000_000_00,
        ),
        load_profile(),
    )
    applications = merchant_applications(underwriting, 2 * args.decisions + WARM_UP)
    for application in applications[:WARM_UP]:
        underwriting.engine.decide(application)
    alone = applications[WARM_UP : WARM_UP + args.decisions]
    stored = applications[WARM_UP + args.decisions :]
    model = f"{args.model} AUC {underwriting.model.evaluation.auc:.3f}"
    results = [engine_alone(underwriting, alone)]
    results[0].note = model
    results += decide_and_accept(underwriting, stored, args.database)
    results += batch_scoring(underwriting, args.batch_rows)
    emit(results)


if __name__ == "__main__":
    main()
