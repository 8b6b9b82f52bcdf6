"""The SQL accrual expressions agree exactly with the scalar straight-line accrual (on SQLite)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.batch.sql_accrual import accrued_interest_sql, interest_accrued_today_sql
from puhui.core.rounding import RoundingMode
from puhui.loans.accrual import straight_line_accrued

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Row:
    start: int
    due: int | None
    anchor: int
    interest: int
    opened_through: int
    rounding: str


def day(number: int) -> date:
    return EPOCH + timedelta(days=number)


def scalar_accrued(row: Row, on: int) -> int:
    if row.due is None:
        return 0
    return straight_line_accrued(
        interest_minor=row.interest,
        anchor_minor=row.anchor,
        anchor_date=day(row.start),
        due_date=day(row.due),
        on=day(on),
        mode=RoundingMode(row.rounding),
    )


def scalar_accrued_today(row: Row, on: int) -> int:
    return scalar_accrued(row, on) - scalar_accrued(row, max(on - 1, row.opened_through))


@contextmanager
def loans_table(rows: list[Row]) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.execute(
            "CREATE TABLE loans (id INTEGER PRIMARY KEY, next_accrual_start INTEGER NOT NULL, "
            "next_due_date INTEGER, next_accrual_anchor_minor INTEGER NOT NULL, "
            "next_interest_minor INTEGER NOT NULL, opened_through INTEGER NOT NULL, "
            "rounding TEXT NOT NULL)"
        )
        connection.executemany(
            "INSERT INTO loans (next_accrual_start, next_due_date, next_accrual_anchor_minor, "
            "next_interest_minor, opened_through, rounding) VALUES (?, ?, ?, ?, ?, ?)",
            [(r.start, r.due, r.anchor, r.interest, r.opened_through, r.rounding) for r in rows],
        )
        yield connection


def evaluate(rows: list[Row], expression: str, params: tuple[int, ...] = ()) -> list[int]:
    with loans_table(rows) as connection:
        cursor = connection.execute(f"SELECT {expression} FROM loans ORDER BY id", params)
        return [value for (value,) in cursor.fetchall()]


@st.composite
def rows_around(draw: st.DrawFn, on: int) -> Row:
    """A loan whose current period starts shortly before or after day `on`."""
    start = on + draw(st.integers(-420, 40))
    due = draw(st.one_of(st.none(), st.integers(start + 1, start + 400)))
    anchor = draw(st.integers(0, 10**9))
    return Row(
        start=start,
        due=due,
        anchor=anchor,
        interest=anchor + draw(st.integers(0, 10**9)),
        opened_through=on + draw(st.integers(-60, 3)),
        rounding=draw(st.sampled_from(["half_up", "half_even"])),
    )


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[int, list[Row]]:
    on = draw(st.integers(400, 40_000))
    return on, draw(st.lists(rows_around(on), min_size=1, max_size=30))


@given(portfolios())
@settings(max_examples=150, deadline=None)
def test_accrued_interest_sql_with_a_literal_day_matches_the_scalar_accrual(
    portfolio: tuple[int, list[Row]],
) -> None:
    on, rows = portfolio
    assert evaluate(rows, accrued_interest_sql(str(on))) == [scalar_accrued(r, on) for r in rows]


@given(portfolios())
@settings(max_examples=150, deadline=None)
def test_interest_accrued_today_sql_with_positional_parameters_matches_the_scalar_accrual(
    portfolio: tuple[int, list[Row]],
) -> None:
    on, rows = portfolio
    expression = interest_accrued_today_sql("sqlite", "?")
    params = (on,) * expression.count("?")
    expected = [scalar_accrued_today(r, on) for r in rows]
    assert evaluate(rows, expression, params) == expected


@given(portfolios())
@settings(max_examples=100, deadline=None)
def test_summing_today_s_accrual_in_sql_equals_the_scalar_total(
    portfolio: tuple[int, list[Row]],
) -> None:
    on, rows = portfolio
    expression = f"SUM({interest_accrued_today_sql('sqlite', ':on')})"
    with loans_table(rows) as connection:
        (total,) = connection.execute(f"SELECT {expression} FROM loans", {"on": on}).fetchone()
    assert total == sum(scalar_accrued_today(r, on) for r in rows)


def test_sql_accrual_rounds_exact_halves_per_loan() -> None:
    # 2 days into a 4-day period with 5 to accrue: exactly 2.5.
    rows = [Row(10, 14, 0, 5, 9, "half_up"), Row(10, 14, 0, 5, 9, "half_even")]
    assert evaluate(rows, accrued_interest_sql("12")) == [3, 2]


def test_sql_accrual_is_the_anchor_before_the_period_and_the_interest_after_it() -> None:
    row = Row(start=100, due=110, anchor=40, interest=140, opened_through=99, rounding="half_up")
    values = [evaluate([row], accrued_interest_sql(str(on)))[0] for on in (95, 100, 105, 110, 120)]
    assert values == [40, 40, 90, 140, 140]


def test_a_loan_without_a_due_date_accrues_nothing_in_sql() -> None:
    row = Row(start=100, due=None, anchor=40, interest=140, opened_through=99, rounding="half_up")
    assert evaluate([row], accrued_interest_sql("105")) == [0]
    assert evaluate([row], interest_accrued_today_sql("sqlite", "105")) == [0]


def test_a_loan_opened_days_ago_still_accrues_only_one_day_today() -> None:
    # 10 a day; days 103 and 104 were booked by the end-of-day runs that closed them.
    row = Row(start=100, due=110, anchor=0, interest=100, opened_through=102, rounding="half_up")
    assert evaluate([row], interest_accrued_today_sql("sqlite", "105")) == [10]


def test_a_loan_already_opened_through_the_day_accrues_nothing_more_on_it() -> None:
    row = Row(start=100, due=110, anchor=0, interest=100, opened_through=105, rounding="half_up")
    assert evaluate([row], interest_accrued_today_sql("sqlite", "105")) == [0]


def test_the_last_day_of_a_period_books_the_rounding_remainder() -> None:
    # 100 over 3 days: 33, 67, 100, so the days book 33, 34 and 33.
    row = Row(start=0, due=3, anchor=0, interest=100, opened_through=-1, rounding="half_up")
    today = interest_accrued_today_sql("sqlite", "?")
    booked = [evaluate([row], today, (on,) * today.count("?"))[0] for on in (1, 2, 3, 4)]
    assert booked == [33, 34, 33, 0]


def test_other_dialects_use_greatest_instead_of_max() -> None:
    assert "GREATEST(" in interest_accrued_today_sql("postgresql", "%s")
    assert "GREATEST(" not in interest_accrued_today_sql("sqlite", "?")
