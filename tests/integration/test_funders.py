"""A funder check asked early is answered with the next read, or on its own when asked for."""

from __future__ import annotations

import sqlalchemy as sa

from puhui.ledger.accounts import PLATFORM_FUNDER
from puhui.storage.uow import SqlUnitOfWork


def test_a_later_check_answers_with_the_next_read_or_alone(database: sa.Engine) -> None:
    with SqlUnitOfWork(database) as uow:
        platform = uow.funders.exists_later(PLATFORM_FUNDER)
        stranger = uow.funders.exists_later("bank-x")
        uow.products.current("cash-instalment")  # carries both checks on PostgreSQL
        assert (platform(), stranger()) == (True, False)
        alone = uow.funders.exists_later(PLATFORM_FUNDER)
        assert alone()  # nothing else was read: the check is sent when its answer is wanted
