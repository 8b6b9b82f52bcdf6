"""Reading and writing loan columns as NumPy arrays, portable across SQLite and PostgreSQL.

Dates travel as day numbers (days since 1970-01-01) computed by the database itself, NULL as
`NO_DAY`, so a million rows arrive as one int64 matrix without parsing a date in Python.
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


def day_expression(dialect: str, column: str) -> str:
    """SQL for a DATE column as a day number, NULL as NO_DAY."""
    if dialect == "sqlite":
        expression = f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"
    else:
        expression = f"({column} - DATE '1970-01-01')"
    return f"COALESCE({expression}, {int(NO_DAY)})"


def placeholder(dialect: str) -> str:
    return "?" if dialect == "sqlite" else "%s"


def fetch_matrix(
    connection: sa.Connection, sql: str, params: Sequence[Any], width: int
) -> Int64Array:
    """Run a DBAPI-level query whose columns are all integers; returns an (n, width) matrix."""
    rows = connection.exec_driver_sql(sql, tuple(params)).fetchall()
    if not rows:
        return np.empty((0, width), dtype=np.int64)
    return np.array(rows, dtype=np.int64)


def to_date_values(days: Int64Array) -> list[date | None]:
    return [from_day_number(int(d)) for d in days]
