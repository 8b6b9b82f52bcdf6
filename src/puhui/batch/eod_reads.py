"""End-of-day reads: the chunk's loans as an int64 matrix, and the few lookups a day needs.

Only loans with something to do today are read (an instalment due, or arrears), found through the
partial indexes declared in `storage.tables`; the day's interest over every loan is summed by the
database itself (`sql_accrual`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from puhui.batch.columns import (
    LOAN_DAY_COLUMNS,
    day_expression,
    day_number,
    fetch_matrix,
    loan_select_list,
    placeholder,
)
from puhui.batch.product_parameters import ProductParameters
from puhui.batch.sql_accrual import interest_accrued_today_sql
from puhui.batch.vector_math import NO_DAY, BoolArray, Int64Array
from puhui.storage.driver import Driver
from puhui.storage.tables import IN_ARREARS, LIVE, loan_in_arrears

# Columns read per loan, in matrix order; dates arrive as day numbers.
DAY_COLUMNS = LOAN_DAY_COLUMNS
READ_COLUMNS = [
    "id",
    "product_id",
    "funder_index",
    "overdue",
    "half_even",
    "opened_through",
    "next_due_date",
    "next_accrual_start",
    "next_accrual_anchor_minor",
    "next_interest_minor",
    "next_principal_minor",
    "next_fee_minor",
    "billed_count",
    "row_count",
    "billed_principal_minor",
    "billed_interest_minor",
    "billed_fee_minor",
    "credit_balance_minor",
    "oldest_unpaid_due_date",
    "days_past_due",
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
]
COLUMN_INDEX = {name: index for index, name in enumerate(READ_COLUMNS)}


@dataclass
class LoanChunk:
    """The loans of one chunk with something to do today, as an int64 matrix (one row per loan,
    columns in `READ_COLUMNS` order)."""

    first_id: int
    data: Int64Array
    funders: list[str]

    def column(self, name: str) -> Int64Array:
        return self.data[:, COLUMN_INDEX[name]]


def _positions(ids: Int64Array, loan_ids: Int64Array) -> tuple[Int64Array, BoolArray]:
    """Positions of `loan_ids` in the sorted chunk ids, and which of them are in the chunk."""
    if len(ids) == 0:
        return np.zeros(len(loan_ids), np.int64), np.zeros(len(loan_ids), np.bool_)
    positions = np.clip(np.searchsorted(ids, loan_ids), 0, len(ids) - 1)
    return positions, ids[positions] == loan_ids


def interest_accrued(
    connection: sa.Connection, day: date, first_id: int, end_id: int, funders: list[str]
) -> tuple[dict[str, int], int]:
    """Interest accrued on `day` by the chunk's live loans, summed per funder in SQL, and how
    many loans the day processes (those not already past it)."""
    dialect = connection.dialect.name
    mark = placeholder(dialect)
    today = interest_accrued_today_sql(dialect, mark)
    sql = (
        f"SELECT funder, SUM(CASE WHEN opened_through < {mark} THEN {today} ELSE 0 END), "
        f"COUNT(*) FROM loans WHERE id >= {mark} AND id < {mark} AND {LIVE} "
        f"AND opened_through <= {mark} GROUP BY funder"
    )
    d = day_number(day)
    params = (d,) * (1 + today.count(mark)) + (first_id, end_id, d)
    cursor = Driver(connection).raw_cursor()  # sees queued writes
    try:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    sums = {str(funder): int(total or 0) for funder, total, _ in rows}
    processed = sum(int(count) for _, _, count in rows)
    return {funder: sums.get(funder, 0) for funder in funders}, processed


def read_chunk(
    connection: sa.Connection, day: date, first_id: int, end_id: int, funders: list[str]
) -> LoanChunk:
    """Loans of the chunk with something to do today: an instalment due, or anything billed
    and unpaid (arrears, or a bill an event raised today such as a down payment)."""
    dialect = connection.dialect.name
    mark = placeholder(dialect)
    # Two index-backed candidate sets (see the partial indexes in storage.tables): loans with
    # an instalment due by today, and loans in arrears or with a bill raised today.
    sql = (
        f"SELECT {loan_select_list(READ_COLUMNS, funders)} FROM loans WHERE id IN ("
        f"SELECT id FROM loans WHERE {LIVE} AND next_due_date <= {mark} "
        f"AND id >= {mark} AND id < {mark} "
        f"UNION SELECT id FROM loans WHERE {IN_ARREARS} AND id >= {mark} AND id < {mark}"
        f") AND opened_through <= {mark} ORDER BY id"
    )
    d = day_number(day)
    data = fetch_matrix(
        connection, sql, (d, first_id, end_id, first_id, end_id, d), len(READ_COLUMNS)
    )
    return LoanChunk(first_id, data, funders)


def following_rows(
    connection: sa.Connection, chunk: LoanChunk, billing: BoolArray, day: date
) -> dict[str, Int64Array]:
    """The instalment after the one billed today, for every loan billing today."""
    count = len(chunk.data)
    names = ("due", "start", "anchor", "principal", "interest", "fee")
    result = {name: np.zeros(count, np.int64) for name in names}
    result["due"][:] = NO_DAY
    result["start"][:] = NO_DAY
    ids = chunk.column("id")
    if not billing.any():
        return result
    dialect = connection.dialect.name
    mark = placeholder(dialect)
    sql = (
        f"SELECT i.loan_id, {day_expression('i.due_date')}, "
        f"{day_expression('i.accrual_start')}, i.accrual_anchor_minor, "
        "i.principal_minor, i.interest_minor, i.fee_minor "
        "FROM instalments i JOIN loans l ON l.id = i.loan_id AND i.seq = l.billed_count + 2 "
        f"WHERE l.id >= {mark} AND l.id <= {mark} AND l.next_due_date = {mark} "
        "AND l.status IN ('active', 'overdue')"
    )
    billing_ids = ids[billing]
    params = (int(billing_ids[0]), int(billing_ids[-1]), day_number(day))
    rows = fetch_matrix(connection, sql, params, 7)
    positions, found = _positions(ids, rows[:, 0])
    wanted = found & billing[positions]
    for offset, name in enumerate(names):
        result[name][positions[wanted]] = rows[wanted, offset + 1]
    return result


def late_fees(
    connection: sa.Connection,
    chunk: LoanChunk,
    day: date,
    parameters: ProductParameters,
    eligible: BoolArray,
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """(chunk positions, instalment seqs, fees) of instalments whose grace ended yesterday."""
    ids = chunk.column("id")
    products = chunk.column("product_id")
    dialect = connection.dialect.name
    mark = placeholder(dialect)
    batches: list[Int64Array] = []
    if not eligible.any():
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    charged_products = np.unique(products[eligible & (parameters.late_fee[products] > 0)])
    for grace in np.unique(parameters.grace_days[charged_products]):
        product_ids = [int(p) for p in charged_products if parameters.grace_days[p] == grace]
        due = day - timedelta(days=int(grace) + 1)
        # Only loans in arrears can owe a late fee: drive the join from their partial index.
        sql = (
            "SELECT i.loan_id, i.seq FROM loans l JOIN instalments i ON i.loan_id = l.id "
            f"WHERE {loan_in_arrears('l.')} AND i.due_date = {mark} AND l.opened_through <= {mark} "
            f"AND l.id >= {mark} AND l.id <= {mark} "
            f"AND l.product_id IN ({', '.join(str(p) for p in product_ids)}) "
            "AND i.late_fee_minor = 0 "
            "AND i.principal_minor + i.interest_minor + i.fee_minor "
            "> i.paid_principal_minor + i.paid_interest_minor + i.paid_fee_minor"
        )
        params = (day_number(due), day_number(day), int(ids[0]), int(ids[-1]))
        rows = fetch_matrix(connection, sql, params, 2)
        if len(rows):
            batches.append(rows)
    if not batches:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    rows = np.concatenate(batches)
    positions, found = _positions(ids, rows[:, 0])
    keep = found & eligible[positions]
    positions, seqs = positions[keep], rows[keep, 1]
    return positions, seqs, parameters.late_fee[products[positions]]
