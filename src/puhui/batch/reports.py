"""Portfolio reports for the console and the API: the application funnel, pay-outs, outstanding
by product and bucket, vintage loss curves, the score distribution and regulatory ratios against
the profile's limits. Read-only queries over the tables (like the other batch jobs)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from puhui.batch.summary import portfolio_summary
from puhui.compliance.profile import JurisdictionProfile
from puhui.ledger.accounts import PLATFORM_FUNDER
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.engine import read_only
from puhui.storage.tables import decisions, delinquency_snapshots, loans, products

SCORE_BIN = 20
MAX_SCORED = 50_000  # the score histogram reads at most this many recent decisions


@dataclass
class Ratio:
    name: str
    value: str
    limit: str
    ok: bool


@dataclass
class Dashboard:
    as_of: date | None
    funnel: dict[str, int] = field(default_factory=dict)
    approval_rate: float = 0.0
    disbursed_minor: int = 0
    loans_booked: int = 0
    outstanding: list[dict[str, Any]] = field(default_factory=list)
    vintages: dict[str, list[float]] = field(default_factory=dict)
    scores: dict[int, int] = field(default_factory=dict)
    ratios: list[Ratio] = field(default_factory=list)
    roll_month: str | None = None
    roll_rates: dict[str, dict[str, float]] = field(default_factory=dict)
    roll_order: list[str] = field(default_factory=list)  # buckets in order, then the exits


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _vintages(connection: sa.Connection, as_of: date | None) -> dict[str, list[float]]:
    """Cumulative charged-off share of each origination month's principal, by months on book."""
    rows = connection.execute(
        sa.select(loans.c.start_date, loans.c.principal_minor, loans.c.charged_off_on)
    ).all()
    if not rows or as_of is None:
        return {}
    originated: dict[str, int] = defaultdict(int)
    lost: dict[str, Counter[int]] = defaultdict(Counter)
    for start, principal, charged_off in rows:
        month = start.strftime("%Y-%m")
        originated[month] += principal
        if charged_off is not None:
            lost[month][_months_between(start, charged_off)] += principal
    curves = {}
    for month in sorted(originated):
        first = date.fromisoformat(month + "-01")
        months = _months_between(first, as_of)
        running, curve = 0, []
        for mob in range(months + 1):
            running += lost[month][mob]
            curve.append(round(running / originated[month], 5))
        curves[month] = curve
    return curves


def _roll_rates(connection: sa.Connection) -> tuple[str | None, dict[str, dict[str, float]]]:
    """From each bucket at the second-last month end, the share of loans in each bucket at the
    last one ("closed" when the loan left the book: repaid)."""
    ends = [
        row[0]
        for row in connection.execute(
            sa.select(delinquency_snapshots.c.month_end)
            .distinct()
            .order_by(delinquency_snapshots.c.month_end.desc())
            .limit(2)
        )
    ]
    if len(ends) < 2:
        return None, {}
    later, earlier = ends
    before = delinquency_snapshots.alias("before")
    after = delinquency_snapshots.alias("after")
    target = sa.func.coalesce(after.c.bucket, sa.literal_column("'closed'"))  # no bind: PG groups
    rows = connection.execute(
        sa.select(before.c.bucket, target, sa.func.count())
        .select_from(
            before.outerjoin(
                after, sa.and_(after.c.loan_id == before.c.loan_id, after.c.month_end == later)
            )
        )
        .where(before.c.month_end == earlier, before.c.bucket != "charged_off")
        .group_by(before.c.bucket, target)
    ).all()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for source, target, count in rows:
        counts[source][target] += int(count)
    rates = {
        source: {target: n / sum(targets.values()) for target, n in sorted(targets.items())}
        for source, targets in counts.items()
    }
    return f"{earlier:%Y-%m} → {later:%Y-%m}", rates


def _scores(connection: sa.Connection) -> dict[int, int]:
    rows = connection.execute(
        sa.select(decisions.c.record).order_by(decisions.c.id.desc()).limit(MAX_SCORED)
    ).all()
    histogram: Counter[int] = Counter()
    for (text,) in rows:
        score = json.loads(text).get("score")
        if score is not None:
            histogram[int(score) // SCORE_BIN * SCORE_BIN] += 1
    return dict(sorted(histogram.items()))


def _ratios(
    profile: JurisdictionProfile,
    on: date,
    summary: Any,
    connection: sa.Connection,
    net_assets_minor: int,
) -> list[Ratio]:
    ratios = []
    total = sa.func.sum(loans.c.principal_outstanding_minor)
    largest = (
        connection.execute(
            sa.select(total)
            .where(loans.c.status.in_(("active", "overdue")))
            .group_by(loans.c.borrower_ref)
            .order_by(total.desc())
            .limit(1)
        ).scalar()
        or 0
    )
    cap = profile.value_or_none("per_borrower_balance_consumer_minor", on)
    if cap is not None:
        ratios.append(
            Ratio(
                "largest borrower balance",
                f"{Decimal(largest).scaleb(-2):,.2f}",
                f"{Decimal(int(cap)).scaleb(-2):,.2f}",
                largest <= int(cap),
            )
        )
    share = profile.value_or_none("single_borrower_net_assets_share", on)
    if share is not None and net_assets_minor:
        used = Decimal(largest) / Decimal(net_assets_minor)
        ratios.append(
            Ratio(
                "largest borrower / net assets",
                f"{used:.4%}",
                f"{Decimal(str(share)):.2%}",
                used <= Decimal(str(share)),
            )
        )
    outstanding = sum(row.principal_minor for row in summary.by_product_bucket.values())
    by_funder = dict(
        connection.execute(
            sa.select(loans.c.funder, sa.func.sum(loans.c.principal_outstanding_minor))
            .where(loans.c.status.in_(("active", "overdue")))
            .group_by(loans.c.funder)
        ).all()
    )
    own_min = profile.value_or_none("co_lending_own_share_min", on)
    if own_min is not None and outstanding:
        own = Decimal(by_funder.get(PLATFORM_FUNDER, 0) or 0) / Decimal(outstanding)
        ratios.append(
            Ratio(
                "own funding share",
                f"{own:.2%}",
                f"≥ {Decimal(str(own_min)):.2%}",
                own >= Decimal(str(own_min)),
            )
        )
    npl_days = profile.value_or_none("non_performing_days_past_due", on)
    if npl_days is not None and outstanding:
        npl = (
            connection.execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(loans.c.principal_outstanding_minor), 0)
                ).where(
                    loans.c.status.in_(("active", "overdue")), loans.c.days_past_due > int(npl_days)
                )
            ).scalar()
            or 0
        )
        ratios.append(
            Ratio(
                f"non-performing (> {int(npl_days)} days)",
                f"{Decimal(npl) / Decimal(outstanding):.2%}",
                "reported",
                True,
            )
        )
    cost_cap = profile.value_or_none("annual_cost_cap", on)
    if cost_cap is not None:
        worst = Decimal(0)
        for (text,) in connection.execute(
            sa.select(decisions.c.record)
            .where(decisions.c.outcome == "approve")
            .order_by(decisions.c.id.desc())
            .limit(MAX_SCORED)
        ):
            offer = json.loads(text).get("offer")
            if offer:
                worst = max(worst, Decimal(offer["apr_nominal_percent"]) / 100)
        ratios.append(
            Ratio(
                "highest offered APR",
                f"{worst:.2%}",
                f"{Decimal(str(cost_cap)):.2%}",
                worst <= Decimal(str(cost_cap)),
            )
        )
    return ratios


def dashboard(engine: sa.Engine, profile: JurisdictionProfile, net_assets_minor: int) -> Dashboard:
    summary = portfolio_summary(engine, profile)
    with read_only(engine) as connection, connection.begin():
        as_of = CalendarRepository(connection).last_closed_date()
        funnel = {
            str(outcome): int(count)
            for outcome, count in connection.execute(
                sa.select(decisions.c.outcome, sa.func.count()).group_by(decisions.c.outcome)
            ).all()
        }
        booked, disbursed = connection.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(loans.c.principal_minor), 0))
        ).one()
        report = Dashboard(
            as_of=as_of,
            funnel=funnel,
            approval_rate=(funnel.get("approve", 0) / sum(funnel.values())) if funnel else 0.0,
            disbursed_minor=int(disbursed),
            loans_booked=int(booked),
            outstanding=[
                {
                    "product": product,
                    "bucket": bucket,
                    "loans": row.loans,
                    "principal_minor": row.principal_minor,
                }
                for (product, bucket), row in summary.by_product_bucket.items()
            ],
            vintages=_vintages(connection, as_of),
            scores=_scores(connection),
        )
        report.roll_month, report.roll_rates = _roll_rates(connection)
        report.roll_order = [b.name for b in profile.delinquency_buckets] + [
            "charged_off",
            "closed",
        ]
        if as_of is not None:
            report.ratios = _ratios(profile, as_of, summary, connection, net_assets_minor)
    return report


def product_codes(engine: sa.Engine) -> list[str]:
    with read_only(engine) as connection:
        return [row[0] for row in connection.execute(sa.select(products.c.code).distinct())]
