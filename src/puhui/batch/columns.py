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

EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    return (day - EPOCH).days


def from_day_number(number: int) -> date | None:
    return None if number == NO_DAY else date.fromordinal(EPOCH.toordinal() + int(number))


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
    cursor = connection.connection.cursor()
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
