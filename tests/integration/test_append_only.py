"""The database itself refuses edits to posted money history."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.integration.test_servicing_service import book


@pytest.mark.parametrize("table", ["journal_entries", "postings", "loan_events"])
def test_posted_history_cannot_be_updated_or_deleted(database: sa.Engine, table: str) -> None:
    book(database)
    column = {"journal_entries": "description", "postings": "funder", "loan_events": "kind"}[table]
    for statement in (f"UPDATE {table} SET {column} = 'tampered'", f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), database.begin() as c:
            c.exec_driver_sql(statement)
