"""Reading loan columns as NumPy arrays, portable across SQLite and PostgreSQL.

Loan and instalment dates are stored as day numbers (`storage.types.EpochDay`); NULL arrives as
`NO_DAY`, so a million rows become one int64 matrix without parsing a date in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa

from puhui.batch.vector_math import NO_DAY, Int64Array
from puhui.storage.driver import Driver, from_day, to_day


def day_number(day: date) -> int:
    """A date as the day number stored in loan and instalment columns."""
    number = to_day(day)
    assert number is not None
    return number


def from_day_number(number: int) -> date | None:
    return None if number == NO_DAY else from_day(int(number))


def day_expression(column: str) -> str:
    """SQL for a day-number column with NULL as NO_DAY."""
    return f"COALESCE({column}, {int(NO_DAY)})"


def placeholder(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "%s"


def fetch_matrix(
    connection: sa.Connection, sql: str, params: Sequence[Any], width: int
) -> Int64Array:
    """Run a query whose columns are all integers; returns an (n, width) int64 matrix.

    Goes to the DBAPI cursor directly: SQLAlchemy's Row objects are slow for NumPy to convert
    (it probes each row for array interfaces), and a batch reads millions of rows.
    """
    cursor = Driver(connection).raw_cursor()  # sees queued writes
    try:
        cursor.execute(sql, tuple(params))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return np.empty((0, width), dtype=np.int64)
    return np.array(rows, dtype=np.int64)


def to_date_values(days: Int64Array) -> list[date | None]:
    return [from_day_number(int(d)) for d in days]


def funder_index_sql(funders: list[str]) -> str:
    """SQL giving each loan's funder as its index in `funders` (codes are validated names)."""
    if not funders:
        return "-1"
    cases = " ".join(f"WHEN '{name}' THEN {index}" for index, name in enumerate(funders))
    return f"CASE funder {cases} ELSE -1 END"


STATUS_CODES = {
    "approved": 0,
    "active": 1,
    "overdue": 2,
    "closed": 3,
    "charged_off": 4,
    "cancelled": 5,
}
# Loan columns stored as day numbers (storage.types.EpochDay): NULL is read as NO_DAY.
LOAN_DAY_COLUMNS = frozenset(
    {
        "opened_through",
        "next_due_date",
        "next_accrual_start",
        "oldest_unpaid_due_date",
        "penalty_anchor_date",
        "penalty_threshold_date",
        "start_date",
        "charged_off_on",
    }
)


def loan_select_list(names: Sequence[str], funders: list[str]) -> str:
    """SQL select list giving each named loan column as an integer, in order.

    Besides real columns: `funder_index` (position in `funders`), `status_code`
    (`STATUS_CODES`), `overdue` (1 or 0) and `half_even` (the loan's rounding mode, 1 or 0).
    """
    derived = {
        "funder_index": funder_index_sql(funders),
        "status_code": "CASE status "
        + " ".join(f"WHEN '{status}' THEN {code}" for status, code in STATUS_CODES.items())
        + " END",
        "overdue": "CASE status WHEN 'overdue' THEN 1 ELSE 0 END",
        "half_even": "CASE rounding WHEN 'half_even' THEN 1 ELSE 0 END",
    }
    return ", ".join(
        derived.get(name) or (day_expression(name) if name in LOAN_DAY_COLUMNS else name)
        for name in names
    )
