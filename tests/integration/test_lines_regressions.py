"""Regressions found by an independent review of credit lines in storage, the use cases and
the batch jobs (each failed before)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from puhui.batch.line_jobs import run_line_statements
from puhui.batch.line_review import run_line_review
from puhui.batch.verify import verify
from puhui.compliance.exposure import income_cap_minor
from puhui.compliance.profile import JurisdictionProfile
from puhui.core.errors import Conflict
from puhui.lines import service
from puhui.lines.products import load_line_catalog
from puhui.lines.review import load_review_policy
from puhui.storage.uow import SqlUnitOfWork
from tests.integration.lines_helpers import ADULT, NET_ASSETS, open_line
from tests.unit.lines.conftest import new_line


def _do(engine: sa.Engine, use_case, **kwargs):  # type: ignore[no-untyped-def]
    if use_case in (service.authorise, service.draw_cash):
        kwargs.setdefault("net_assets_minor", NET_ASSETS)
    with SqlUnitOfWork(engine) as uow:
        outcome = use_case(uow, **kwargs)
        uow.commit()
    return outcome


def _buy(engine: sa.Engine, line_id: int, order: str, amount: int, day: date) -> None:
    _do(engine, service.authorise, line_id=line_id, order_id=order, amount_minor=amount, as_of=day)
    _do(engine, service.capture, line_id=line_id, order_id=order, amount_minor=amount, as_of=day)


def _limits(engine: sa.Engine, borrower: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.exec_driver_sql(
                "SELECT SUM(granted_limit_minor) FROM credit_lines WHERE borrower_ref = ?"
                if engine.dialect.name == "sqlite"
                else "SELECT SUM(granted_limit_minor) FROM credit_lines WHERE borrower_ref = %s",
                (borrower,),
            ).scalar()
        )


def test_interest_accrued_by_a_checkout_is_posted(database: sa.Engine) -> None:
    line_id = open_line(database).line_id
    _do(
        database,
        service.draw_cash,
        line_id=line_id,
        amount_minor=300_000,
        as_of=date(2026, 1, 3),
        idempotency_key="cash",
    )
    _do(
        database,
        service.authorise,
        line_id=line_id,
        order_id="o",
        amount_minor=10_000,
        as_of=date(2026, 1, 30),
    )
    _do(
        database,
        service.change_status,
        line_id=line_id,
        action="freeze",
        as_of=date(2026, 2, 10),
        reason_code="check",
    )
    report = verify(database)
    assert report.ok, [c for c in report.checks if not c.ok]


def test_a_line_round_trips_through_storage_with_every_plan_and_hold(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    line = new_line(load_line_catalog()["credit-line"])
    for order, amount in (("o1", 300_000), ("o2", 120_000)):
        line.authorise(order, amount, date(2026, 1, 10))
        line.capture(order, amount, date(2026, 1, 10))
    line.convert_purchase("o1", 3, date(2026, 1, 11))
    line.convert_purchase("o2", 3, date(2026, 1, 11))
    line.settle_plan("order:o2", date(2026, 1, 12))
    line.authorise("o3", 5_000, date(2026, 1, 12))
    with SqlUnitOfWork(database) as uow:
        uow.lines.add_many([line], ["migrated"])
        uow.commit()
    with SqlUnitOfWork(database) as uow:
        back = uow.lines.get(line.line_id, on=date(2026, 1, 12), orders=("o1", "o2", "o3"))
    for name in (
        "plans",
        "holds",
        "balances",
        "stretch_base",
        "stretch_start",
        "statement_due_minor",
        "accrued_through",
    ):
        assert getattr(back, name) == getattr(line, name), name
    with SqlUnitOfWork(database) as uow:  # the settled plan's purchase can still be refunded
        service.refund(
            uow,
            line_id=line.line_id,
            order_id="o2",
            amount_minor=10_000,
            as_of=date(2026, 1, 13),
            idempotency_key="r",
        )
        uow.commit()


def test_an_opening_key_reused_for_another_borrower_is_refused(database: sa.Engine) -> None:
    open_line(database, borrower="b-1", key="K")
    assert open_line(database, borrower="b-1", key="K").binding_cap == "replay"
    with pytest.raises(Conflict):
        open_line(database, borrower="b-2", limit_minor=500_000, key="K")


def test_a_temporary_increase_counts_against_the_income_share(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    first = open_line(database, borrower="b", limit_minor=3_000_000, key="a").line_id
    _do(
        database,
        service.grant_temporary_increase,
        line_id=first,
        limit_minor=5_000_000,
        until=date(2026, 3, 1),
        as_of=date(2026, 1, 3),
        facts=ADULT,
        net_assets_minor=NET_ASSETS,
    )
    second = open_line(database, borrower="b", limit_minor=5_000_000, key="b")
    cap = income_cap_minor(
        profile, monthly_income_minor=ADULT.monthly_income_minor, on=date(2026, 1, 3)
    )
    assert cap is not None
    assert 5_000_000 + second.limit_minor <= cap


def test_the_review_is_applied_once_a_day_and_never_past_the_caps(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    lines = [
        open_line(database, borrower="b", limit_minor=2_900_000, key=f"k{i}").line_id
        for i in range(2)
    ]
    for line_id in lines:
        _buy(database, line_id, "a", 1_600_000, date(2026, 1, 10))
        _do(database, service.cut_statement, line_id=line_id, as_of=date(2026, 2, 5))
        _do(
            database,
            service.pay,
            line_id=line_id,
            amount_minor=1_600_000,
            as_of=date(2026, 2, 20),
            idempotency_key=f"p{line_id}",
        )
        _buy(database, line_id, "b", 1_600_000, date(2026, 3, 1))
    day = date(2026, 4, 6)
    review = {"bureau": lambda refs: dict.fromkeys(refs, ADULT), "net_assets_minor": NET_ASSETS}
    first = run_line_review(database, day, profile, load_review_policy(), **review)
    again = run_line_review(database, day, profile, load_review_policy(), **review)
    cap = income_cap_minor(profile, monthly_income_minor=ADULT.monthly_income_minor, on=day)
    assert first.changes["good_behaviour_increase"] >= 1
    assert not again.changes
    assert cap is not None
    assert _limits(database, "b") <= cap


def test_one_line_with_later_events_does_not_block_the_statement_run(
    database: sa.Engine,
) -> None:
    lines = [open_line(database, borrower=f"b{i}").line_id for i in range(3)]
    for line_id in lines:
        _buy(database, line_id, "o", 10_000, date(2026, 1, 10))
    _do(
        database,
        service.pay,
        line_id=lines[0],
        amount_minor=1_000,
        as_of=date(2026, 2, 6),
        idempotency_key="early",
    )
    summary = run_line_statements(database, date(2026, 2, 5), chunk_size=10)
    assert summary.lines == 2
    assert summary.blocked_line_ids == [lines[0]]
