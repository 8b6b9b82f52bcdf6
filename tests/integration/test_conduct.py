"""Collection contacts planned within the conduct rules and logged; human reviews queued and
decided once."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from puhui.batch.collections import plan_contacts
from puhui.compliance.reviews import decide_review, request_review
from puhui.core.errors import InvalidInput
from puhui.lines import service
from puhui.storage.uow import SqlUnitOfWork
from tests.integration.lines_helpers import NET_ASSETS, open_line


def _late_line(engine: sa.Engine, borrower: str, key: str) -> int:
    line_id = open_line(engine, borrower=borrower, key=key, limit_minor=500_000).line_id
    with SqlUnitOfWork(engine) as uow:
        service.authorise(
            uow,
            line_id=line_id,
            order_id="o",
            amount_minor=100_000,
            as_of=date(2026, 1, 10),
            net_assets_minor=NET_ASSETS,
        )
        service.capture(
            uow, line_id=line_id, order_id="o", amount_minor=100_000, as_of=date(2026, 1, 10)
        )
        service.cut_statement(uow, line_id=line_id, as_of=date(2026, 2, 5))  # due 25 Feb
        uow.commit()
    return line_id


def test_collections_respect_the_daily_cap_and_are_planned_once(database: sa.Engine) -> None:
    lines = [_late_line(database, "b-1", f"k{n}") for n in range(4)]
    _late_line(database, "b-2", "other")
    reminders = plan_contacts(database, date(2026, 2, 22))  # due in three days
    assert (reminders.reminders, reminders.collections) == (5, 0)
    plan = plan_contacts(database, date(2026, 3, 2))
    again = plan_contacts(database, date(2026, 3, 2))
    assert (plan.collections, plan.moved) == (5, 1)
    assert (again.collections, again.reminders) == (0, 0)
    with SqlUnitOfWork(database) as uow:
        contacts = uow.conduct.contacts("b-1")
    planned = sorted(
        row[3] if isinstance(row[3], datetime) else datetime.fromisoformat(row[3])
        for row in contacts
        if row[2] == "collection"
    )
    assert planned == [datetime(2026, 3, 2, 9)] * 3 + [datetime(2026, 3, 3, 8)]
    assert {row[1] for row in contacts} == {f"line:{line_id}" for line_id in lines}
    with SqlUnitOfWork(database) as uow:
        assert uow.conduct.record_outcome(int(contacts[0][0]), made=True, outcome="promised")
        assert not uow.conduct.record_outcome(int(contacts[0][0]), made=True, outcome="again")
        uow.commit()


def test_a_human_review_is_queued_once_and_decided_once(database: sa.Engine) -> None:
    with SqlUnitOfWork(database) as uow:
        first = request_review(
            uow.conduct,
            borrower_ref="b-1",
            subject="decision:A-1",
            reasons="KO-INQUIRIES",
            on=date(2026, 3, 1),
        )
        again = request_review(
            uow.conduct,
            borrower_ref="b-1",
            subject="decision:A-1",
            reasons="KO-INQUIRIES",
            on=date(2026, 3, 2),
        )
        assert first == again
        assert [r.subject for r in uow.conduct.open_requests()] == ["decision:A-1"]
        decided = decide_review(
            uow.conduct,
            request_id=first,
            outcome="overturned",
            reviewer="analyst-1",
            note="inquiries were one lender's",
            on=date(2026, 3, 3),
        )
        assert (decided.status, decided.outcome) == ("decided", "overturned")
        with pytest.raises(InvalidInput, match="already decided"):
            decide_review(
                uow.conduct,
                request_id=first,
                outcome="upheld",
                reviewer="x",
                note="y",
                on=date(2026, 3, 4),
            )
        uow.commit()
    with SqlUnitOfWork(database) as uow:
        assert uow.conduct.open_requests() == []
