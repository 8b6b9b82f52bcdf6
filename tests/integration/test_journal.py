"""The stored journal: a key posts once, whatever the database (insert-unless-posted)."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from puhui.ledger.errors import IdempotencyConflict
from puhui.ledger.service import PostResult, post_entry
from puhui.storage.uow import SqlUnitOfWork
from tests.unit.ledger.test_service import fee_entry


def counts(database: sa.Engine) -> tuple[int, int]:
    with database.connect() as connection:
        entries = connection.exec_driver_sql("SELECT COUNT(*) FROM journal_entries").scalar_one()
        postings = connection.exec_driver_sql("SELECT COUNT(*) FROM postings").scalar_one()
    return int(entries), int(postings)


def test_a_key_posts_once_and_a_reused_key_with_other_content_writes_nothing(
    database: sa.Engine,
) -> None:
    before = counts(database)
    with SqlUnitOfWork(database) as uow:
        first = post_entry(uow.journal, fee_entry("fee-1"))
        again = post_entry(uow.journal, fee_entry("fee-1"))  # in the same transaction
        uow.commit()
    with SqlUnitOfWork(database) as uow:
        later = post_entry(uow.journal, fee_entry("fee-1"))  # in another one
        with pytest.raises(IdempotencyConflict, match="use a new key"):
            post_entry(uow.journal, fee_entry("fee-1", amount=2_001))
        uow.commit()
    assert (first.replayed, again.replayed, later.replayed) == (False, True, True)
    assert first.entry_id == again.entry_id == later.entry_id
    assert counts(database) == (before[0] + 1, before[1] + 2)
    with SqlUnitOfWork(database) as uow:
        assert uow.journal.balances()[("fee_income", "platform", "CNY")] == -2_000


@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
def test_two_postings_of_one_key_at_once_post_it_once(
    database: sa.Engine, first_commits: bool
) -> None:
    """The second posting waits for the first transaction (PostgreSQL: on the key's unique
    index; SQLite: for the write lock): if it commits, the second is its replay; if it rolls
    back, the second posts."""
    before = counts(database)
    second: dict[str, object] = {}

    def post_second() -> None:
        with SqlUnitOfWork(database) as uow:
            second["result"] = post_entry(uow.journal, fee_entry("fee-race"))
            uow.commit()

    with SqlUnitOfWork(database) as uow:
        first = post_entry(uow.journal, fee_entry("fee-race"))
        racer = threading.Thread(target=post_second)
        racer.start()
        time.sleep(0.3)  # the second posting is now waiting (the outcome does not depend on it)
        if first_commits:
            uow.commit()
    racer.join(timeout=30)
    result = second["result"]
    assert isinstance(result, PostResult)
    assert result.replayed is first_commits
    if first_commits:
        assert result.entry_id == first.entry_id
    assert counts(database) == (before[0] + 1, before[1] + 2)
