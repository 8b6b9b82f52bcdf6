"""Portfolio summary: counts and balances by product and delinquency bucket, income, losses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import sqlalchemy as sa

from puhui.batch.columns import STATUS_CODES
from puhui.batch.subledger import iter_loan_balances
from puhui.compliance.profile import JurisdictionProfile
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.engine import read_only
from puhui.storage.journal_repository import JournalRepository
from puhui.storage.tables import products


@dataclass
class SummaryRow:
    loans: int = 0
    principal_minor: int = 0
    receivable_minor: int = 0


@dataclass
class PortfolioSummary:
    as_of: date | None
    by_product_bucket: dict[tuple[str, str], SummaryRow] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    ledger: dict[str, int] = field(default_factory=dict)


def portfolio_summary(engine: sa.Engine, profile: JurisdictionProfile) -> PortfolioSummary:
    with read_only(engine) as connection, connection.begin():
        as_of = CalendarRepository(connection).last_closed_date()
        codes = dict(connection.execute(sa.select(products.c.id, products.c.code)).all())
        rows: dict[tuple[str, str], SummaryRow] = defaultdict(SummaryRow)
        statuses: dict[str, int] = defaultdict(int)
        names = {code: name for name, code in STATUS_CODES.items()}
        bucket_starts = np.array([b.min_days_past_due for b in profile.delinquency_buckets])
        bucket_names = [b.name for b in profile.delinquency_buckets]
        for balances in iter_loan_balances(connection, as_of):
            for code in np.unique(balances.status).tolist():
                statuses[names[code]] += int((balances.status == code).sum())
            live = (balances.status == STATUS_CODES["active"]) | (
                balances.status == STATUS_CODES["overdue"]
            )
            receivable = balances.principal + balances.interest + balances.fee + balances.penalty
            bucket = np.searchsorted(bucket_starts, balances.days_past_due, "right") - 1
            groups = np.stack([balances.product_id[live], bucket[live]], axis=1)
            if len(groups) == 0:
                continue
            keys, inverse = np.unique(groups, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            counts = np.bincount(inverse, minlength=len(keys))
            # Integer sums (np.add.at), not bincount's float weights: no float touches money.
            principal = np.zeros(len(keys), np.int64)
            owed = np.zeros(len(keys), np.int64)
            np.add.at(principal, inverse, balances.principal[live])
            np.add.at(owed, inverse, receivable[live])
            for index, (product_id, bucket_index) in enumerate(keys.tolist()):
                row = rows[(codes[product_id], bucket_names[bucket_index])]
                row.loans += int(counts[index])
                row.principal_minor += int(principal[index])
                row.receivable_minor += int(owed[index])
        ledger: dict[str, int] = defaultdict(int)
        for (account, _funder, _currency), amount in (
            JournalRepository(connection).balances().items()
        ):
            ledger[account] += amount
    return PortfolioSummary(as_of, dict(sorted(rows.items())), dict(statuses), dict(ledger))
