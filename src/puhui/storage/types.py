"""Column types. `EpochDay` stores a date as its day number since 1970-01-01.

Loan and instalment dates are read and compared by the million in end-of-day; as integers the
database does that arithmetic natively on both SQLite (whose dates are text) and PostgreSQL, and
a batch reads them straight into NumPy. Python code still sees `datetime.date` values.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

EPOCH = date(1970, 1, 1)


class EpochDay(sa.types.TypeDecorator[date]):
    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Any) -> int | None:  # noqa: ARG002
        return None if value is None else (value - EPOCH).days

    def process_result_value(self, value: int | None, dialect: Any) -> date | None:  # noqa: ARG002
        return None if value is None else EPOCH + timedelta(days=value)
