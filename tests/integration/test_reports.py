"""Portfolio reports on a simulated book: month-end delinquency snapshots written once by
end-of-day, roll rates that account for every loan, vintage curves, the funnel and the ratios."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from puhui.batch.reports import dashboard
from puhui.compliance.profile import JurisdictionProfile
from puhui.storage.tables import delinquency_snapshots, loans
from tests.integration.helpers import simulate


@pytest.mark.slow
def test_month_end_snapshots_roll_rates_and_vintages(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    simulate(database, profile, loans_count=80, days=150)  # 2025-01-02 … 2025-05-31
    with database.connect() as connection:
        ends = [
            row[0]
            for row in connection.execute(
                sa.select(delinquency_snapshots.c.month_end).distinct().order_by("month_end")
            )
        ]
        last = connection.execute(
            sa.select(delinquency_snapshots.c.loan_id, delinquency_snapshots.c.bucket).where(
                delinquency_snapshots.c.month_end == ends[-1]
            )
        ).all()
        live_now = connection.execute(
            sa.select(sa.func.count()).where(loans.c.status.in_(("active", "overdue")))
        ).scalar()
        booked = connection.execute(sa.select(sa.func.count()).select_from(loans)).scalar()
    assert ends == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]
    assert len(last) >= 1
    assert {bucket for _, bucket in last} <= {b.name for b in profile.delinquency_buckets} | {
        "charged_off"
    }

    report = dashboard(database, profile, net_assets_minor=500_000_000_00)
    assert report.roll_month == "2025-04 → 2025-05"
    assert report.roll_rates
    for source, targets in report.roll_rates.items():
        assert source in report.roll_order
        assert set(targets) <= set(report.roll_order)
        assert sum(targets.values()) == pytest.approx(1.0)
    for curve in report.vintages.values():
        assert all(0 <= a <= b <= 1 for a, b in itertools.pairwise(curve))
    assert sum(row["loans"] for row in report.outstanding) == live_now
    assert report.loans_booked == booked
    # the last picture holds exactly the loans live at that month end (the book's end here)
    assert sum(1 for _, bucket in last if bucket != "charged_off") == live_now
    assert {ratio.name for ratio in report.ratios} >= {"largest borrower balance"}
