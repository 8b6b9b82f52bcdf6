"""Direct DBAPI access for the few statements on the per-payment hot path.

SQLAlchemy Core costs about 60–100 µs per execution in Python (statement lookup, parameter and
result processing) — more than the database work for a single-row update — and a repayment runs
about ten statements. The hot repositories therefore send plain SQL through the connection's own
DBAPI cursor, inside the same transaction. Everything else stays on SQLAlchemy Core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from puhui.core.errors import require
from puhui.storage import write_behind
from puhui.storage.types import EPOCH

EPOCH_ORDINAL = EPOCH.toordinal()


def to_day(value: date | None) -> int | None:
    return None if value is None else value.toordinal() - EPOCH_ORDINAL


def from_day(value: int | None) -> date | None:
    return None if value is None else date.fromordinal(EPOCH_ORDINAL + value)


class Driver:
    """Plain SQL with `?` placeholders on the unit of work's own DBAPI connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self.postgres = connection.dialect.name == "postgresql"
        self._raw = connection.connection
        self._translated: dict[str, str] = {}
        # Statements are queued only where the engine keeps everything else in order with them.
        self._behind = self.postgres and write_behind.installed(connection.engine)

    def _sql(self, text: str) -> str:
        if not self.postgres:
            return text
        translated = self._translated.get(text)
        if translated is None:
            translated = self._translated[text] = text.replace("?", "%s")
        return translated

    def translate(self, text: str) -> str:
        return self._sql(text)

    def raw_cursor(self) -> Any:
        """A cursor of the connection's own, for a caller that needs more than these methods
        (a row count, say); queued writes are sent first, so it sees them."""
        if self.postgres:
            write_behind.flush(self._raw)
        return self._raw.cursor()

    def moment(self, value: dt.datetime) -> Any:
        """A DATETIME parameter: text as SQLAlchemy writes it for SQLite, a datetime for PG."""
        return value if self.postgres else value.strftime("%Y-%m-%d %H:%M:%S.%f")

    def read_moment(self, value: Any) -> dt.datetime | None:
        """A DATETIME column as read: a datetime from PostgreSQL, its text from SQLite."""
        if value is None or isinstance(value, dt.datetime):
            return value
        return dt.datetime.fromisoformat(value)

    def date(self, value: date | None) -> Any:
        """A DATE parameter: ISO text for SQLite (explicitly), a date for PostgreSQL."""
        if value is None or self.postgres:
            return value
        return value.isoformat()

    def read_date(self, value: Any) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(value)

    def _results(self, statements: Sequence[write_behind.Statement]) -> list[write_behind.Rows]:
        """Run statements in order; each one's rows (None for a statement without). On
        PostgreSQL they go with the queued writes, in one round trip (write_behind)."""
        if self.postgres:
            translated = [(self._sql(sql), params, many) for sql, params, many in statements]
            return write_behind.run(self._raw, translated)
        results: list[write_behind.Rows] = []
        cursor = self._raw.cursor()
        try:
            for sql, params, many in statements:
                if many:
                    cursor.executemany(sql, params)
                else:
                    cursor.execute(sql, params)
                described = cursor.description is not None
                results.append([tuple(row) for row in cursor.fetchall()] if described else None)
        finally:
            cursor.close()
        return results

    def one(self, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        rows = self._results([(sql, params, False)])[0]
        return rows[0] if rows else None

    def all(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._results([(sql, params, False)])[0] or []

    def reads(self, *queries: tuple[str, Sequence[Any]]) -> list[list[tuple[Any, ...]]]:
        """The rows of several queries, sent together: one round trip on PostgreSQL. They run
        in order, each a statement of its own (with its own snapshot, so a query after a lock
        sees what committed before the lock was granted)."""
        return [rows or [] for rows in self._results([(sql, p, False) for sql, p in queries])]

    def run(self, sql: str, params: Sequence[Any]) -> None:
        self._results([(sql, params, False)])

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self._results([(sql, rows, True)])

    def later(self, sql: str, params: Sequence[Any]) -> None:
        """A write nobody reads the result of: on PostgreSQL it is queued and sent with the
        transaction's next statement or its commit (see write_behind); on SQLite it runs now.
        Only for writes that cannot fail but by a bug: a failure surfaces later."""
        if self._behind:
            write_behind.queue(self._raw, self._sql(sql), params)
        else:
            self.run(sql, params)

    def many_later(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """`later` for many rows of one statement."""
        rows = list(rows)
        if not rows:
            return
        if self._behind:
            write_behind.queue(self._raw, self._sql(sql), rows, many=True)
        else:
            self.many(sql, rows)

    def read_later(
        self, sql: str, params: Sequence[Any], then: Callable[[list[tuple[Any, ...]]], None]
    ) -> None:
        """A read whose rows are not needed at once: on PostgreSQL it is queued like `later`
        and `then` gets its rows when they come (with the next statement, or `send_queued`);
        on SQLite it runs now."""
        if self._behind:
            write_behind.queue(self._raw, self._sql(sql), params, then=then)
        else:
            then(self.all(sql, params))

    def ask(self, sql: str, params: Sequence[Any]) -> Callable[[], list[tuple[Any, ...]]]:
        """A read sent with the transaction's next round trip (`read_later`); calling the result
        gives its rows, sending the queue first if nothing has been read since."""
        answer: list[list[tuple[Any, ...]]] = []
        self.read_later(sql, params, answer.append)

        def rows() -> list[tuple[Any, ...]]:
            if not answer:
                self.send_queued()
            require(bool(answer), "a queued read was dropped (its transaction rolled back)")
            return answer[0]

        return rows

    def send_queued(self) -> None:
        """Send what is queued now (a queued read's answer is needed)."""
        if self._behind:
            write_behind.flush(self._raw)

    def insert_id(self, sql: str, params: Sequence[Any]) -> int:
        """Run an INSERT and return the new row's id."""
        if self.postgres:
            rows = self._results([(sql + " RETURNING id", params, False)])[0]
            assert rows, "INSERT … RETURNING gave no row"
            return int(rows[0][0])
        cursor = self._raw.cursor()
        try:
            cursor.execute(sql, params)
            return int(cursor.lastrowid)
        finally:
            cursor.close()

    def bulk_insert(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Insert many rows: COPY on PostgreSQL (an order of magnitude faster than INSERTs),
        executemany on SQLite. Values must already be database values (day numbers for dates)."""
        if self.postgres:
            cursor = self.raw_cursor()
            try:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            finally:
                cursor.close()
            return
        marks = ", ".join("?" * len(columns))
        self.many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
