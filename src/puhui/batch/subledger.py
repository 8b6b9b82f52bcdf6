"""Every loan's sub-ledger balances at the recognition date, computed for all loans at once.

Vectorised twin of `Loan.balances()`: a loan recognises accrual through the later of the last
closed business date and its own last event date. Used by `verify` to reconcile loans to the
general ledger and by the portfolio summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import sqlalchemy as sa

from puhui.batch.columns import (
    STATUS_CODES,
    day_number,
    fetch_matrix,
    loan_select_list,
    placeholder,
)
from puhui.batch.vector_math import (
    NO_DAY,
    Int64Array,
    accrued_interest_from_row,
    penalty_accrued_from_row,
)
from puhui.storage.funder_repository import FunderRepository

READ_CHUNK = 200_000
COLUMNS = [
    "id",
    "status_code",
    "half_even",
    "opened_through",
    "next_due_date",
    "next_accrual_start",
    "next_accrual_anchor_minor",
    "next_interest_minor",
    "billed_principal_minor",
    "billed_interest_minor",
    "billed_fee_minor",
    "principal_outstanding_minor",
    "credit_balance_minor",
    "interest_income_closed_minor",
    "fee_income_minor",
    "penalty_anchor_date",
    "penalty_anchor_unpaid_minor",
    "penalty_base_minor",
    "penalty_threshold_date",
    "penalty_income_closed_minor",
    "penalty_rate_numerator",
    "penalty_rate_denominator",
    "penalty_basis_days",
    "disbursed_minor",
    "received_minor",
    "paid_out_minor",
    "written_off_minor",
    "recovered_minor",
    "product_id",
    "days_past_due",
    "principal_minor",
]


@dataclass(frozen=True, slots=True)
class LoanBalances:
    """Per-loan arrays (aligned with `ids`) mirroring `puhui.loans.loan.Balances`."""

    ids: Int64Array
    funders: list[str]
    funder_index: Int64Array
    status: Int64Array
    product_id: Int64Array
    days_past_due: Int64Array
    principal: Int64Array
    interest: Int64Array
    fee: Int64Array
    penalty: Int64Array
    credit: Int64Array
    interest_income: Int64Array
    fee_income: Int64Array
    penalty_income: Int64Array
    disbursed: Int64Array
    received: Int64Array
    paid_out: Int64Array
    written_off: Int64Array
    recovered: Int64Array
    principal_lent: Int64Array

    def identity_gap(self) -> Int64Array:
        owed = self.principal + self.interest + self.fee + self.penalty - self.credit
        income = self.interest_income + self.fee_income + self.penalty_income
        flows = self.disbursed + income - self.received + self.paid_out - self.written_off
        return owed - flows


def _select(connection: sa.Connection, funders: list[str]) -> str:
    mark = placeholder(connection.dialect.name)
    return (
        f"SELECT {loan_select_list([*COLUMNS, 'funder_index'], funders)} FROM loans "
        f"WHERE id > {mark} ORDER BY id LIMIT {READ_CHUNK}"
    )


def iter_loan_balances(
    connection: sa.Connection, recognised: date | None
) -> Iterator[LoanBalances]:
    """Balances of every loan, in chunks of `READ_CHUNK` loans by id."""
    funders = FunderRepository(connection).codes()
    sql = _select(connection, funders)
    last_id = 0
    closed_day = np.int64(day_number(recognised)) if recognised else NO_DAY
    while True:
        data = fetch_matrix(connection, sql, (last_id,), len(COLUMNS) + 1)
        if len(data) == 0:
            return
        last_id = int(data[-1, 0])
        yield _balances(data, funders, closed_day)


def _balances(data: Int64Array, funders: list[str], closed_day: np.int64) -> LoanBalances:
    def col(name: str) -> Int64Array:
        return data[:, COLUMNS.index(name)]

    status = col("status_code")
    live = (status == STATUS_CODES["active"]) | (status == STATUS_CODES["overdue"])
    on = np.maximum(col("opened_through"), closed_day)
    accrued = np.where(live, accrued_interest_from_row(col, on), 0)
    penalty_new = np.where(live, penalty_accrued_from_row(col, on), 0)
    written_off = status == STATUS_CODES["charged_off"]
    penalty_unpaid = col("penalty_anchor_unpaid_minor") + penalty_new

    def receivable(values: Int64Array) -> Int64Array:
        return np.where(written_off, 0, values)

    return LoanBalances(
        ids=col("id"),
        funders=funders,
        funder_index=data[:, len(COLUMNS)],
        status=status,
        product_id=col("product_id"),
        days_past_due=col("days_past_due"),
        principal=receivable(col("principal_outstanding_minor")),
        interest=receivable(col("billed_interest_minor") + accrued),
        fee=receivable(col("billed_fee_minor")),
        penalty=receivable(penalty_unpaid),
        credit=col("credit_balance_minor"),
        interest_income=col("interest_income_closed_minor") + accrued,
        fee_income=col("fee_income_minor"),
        penalty_income=col("penalty_income_closed_minor") + penalty_new,
        disbursed=col("disbursed_minor"),
        received=col("received_minor"),
        paid_out=col("paid_out_minor"),
        written_off=col("written_off_minor"),
        recovered=col("recovered_minor"),
        principal_lent=col("principal_minor"),
    )
