"""The monthly limit review: freeze the seriously late, lower the late, raise the good within
every cap and only with a clean bureau report; a dry run writes nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from puhui.batch.line_review import run_line_review
from puhui.batch.verify import verify
from puhui.compliance.profile import JurisdictionProfile
from puhui.lines import service
from puhui.lines.errors import LineRefused
from puhui.lines.responsible import BorrowerFacts
from puhui.lines.review import load_review_policy
from puhui.storage.uow import SqlUnitOfWork
from tests.integration.lines_helpers import ADULT, NET_ASSETS, open_line

REVIEW_DAY = date(2026, 4, 6)


def _do(engine: sa.Engine, use_case, **kwargs) -> None:  # type: ignore[no-untyped-def]
    if use_case is service.authorise:
        kwargs["net_assets_minor"] = NET_ASSETS
    with SqlUnitOfWork(engine) as uow:
        use_case(uow, **kwargs)
        uow.commit()


def _buy(engine: sa.Engine, line_id: int, order: str, amount: int, day: date) -> None:
    _do(engine, service.authorise, line_id=line_id, order_id=order, amount_minor=amount, as_of=day)
    _do(engine, service.capture, line_id=line_id, order_id=order, amount_minor=amount, as_of=day)


def _good_line(engine: sa.Engine, borrower: str) -> int:
    line_id = open_line(engine, borrower=borrower).line_id
    _buy(engine, line_id, "first", 600_000, date(2026, 1, 10))
    _do(engine, service.cut_statement, line_id=line_id, as_of=date(2026, 2, 5))
    _do(
        engine,
        service.pay,
        line_id=line_id,
        amount_minor=600_000,
        as_of=date(2026, 2, 20),
        idempotency_key=f"pay-{borrower}",
    )
    _buy(engine, line_id, "second", 600_000, date(2026, 3, 1))
    return line_id


def _book(engine: sa.Engine) -> dict[str, int]:
    lines = {name: _good_line(engine, name) for name in ("good", "cooling", "shopper")}
    _do(
        engine,
        service.set_self_limit,
        line_id=lines["cooling"],
        limit_minor=900_000,
        as_of=date(2026, 3, 15),
    )
    late = lines["late"] = open_line(engine, borrower="late").line_id
    _buy(engine, late, "o", 500_000, date(2026, 1, 10))
    _do(engine, service.cut_statement, line_id=late, as_of=date(2026, 3, 5))  # due 25 Mar
    very_late = lines["very_late"] = open_line(engine, borrower="very_late").line_id
    _buy(engine, very_late, "o", 500_000, date(2026, 1, 3))
    _do(engine, service.cut_statement, line_id=very_late, as_of=date(2026, 2, 5))  # due 25 Feb
    return lines


def _bureau(refs: list[str]) -> dict[str, BorrowerFacts]:
    return {
        ref: replace(ADULT, bureau_inquiries_30d=9) if ref == "shopper" else ADULT for ref in refs
    }


def _limits(engine: sa.Engine) -> dict[int, tuple[int, str]]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, granted_limit_minor, status FROM credit_lines"
        ).all()
    return {int(r[0]): (int(r[1]), str(r[2])) for r in rows}


def test_the_review_acts_on_behaviour_within_the_caps(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    lines = _book(database)
    policy = load_review_policy()
    before = _limits(database)
    dry = run_line_review(
        database,
        REVIEW_DAY,
        profile,
        policy,
        bureau=_bureau,
        net_assets_minor=NET_ASSETS,
        dry_run=True,
    )
    assert _limits(database) == before
    summary = run_line_review(
        database, REVIEW_DAY, profile, policy, bureau=_bureau, net_assets_minor=NET_ASSETS
    )
    assert (
        dry.changes
        == summary.changes
        == {"good_behaviour_increase": 1, "delinquency_decrease": 1, "delinquency_freeze": 1}
    )
    after = _limits(database)
    assert after[lines["good"]] == (1_200_000, "active")
    assert after[lines["cooling"]] == before[lines["cooling"]]  # cooling-off: no increase
    assert after[lines["shopper"]] == before[lines["shopper"]]  # 9 bureau inquiries
    assert after[lines["late"]] == (800_000, "active")  # 12 days late: 80 % of the limit
    assert after[lines["very_late"]] == (1_000_000, "frozen")  # 40 days late
    with SqlUnitOfWork(database) as uow:
        events = uow.lines.history(lines["good"])
    assert events[-1].reason_code == "good_behaviour_increase"
    assert events[-1].detail["from"] == 1_000_000
    assert verify(database).ok


def test_without_a_bureau_no_line_is_raised(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    _book(database)
    summary = run_line_review(
        database, REVIEW_DAY, profile, load_review_policy(), net_assets_minor=NET_ASSETS
    )
    assert "good_behaviour_increase" not in summary.changes
    assert summary.changes["delinquency_freeze"] == 1


def test_an_increase_never_passes_the_income_share(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    lines = _book(database)
    # 0.3333 × 12 × 3,300 = 13,198.68 less 5,000 owed elsewhere: 8,198.68 at most
    poorer = replace(ADULT, monthly_income_minor=330_000, other_lenders_balance_minor=500_000)
    run_line_review(
        database,
        REVIEW_DAY,
        profile,
        load_review_policy(),
        bureau=lambda refs: dict.fromkeys(refs, poorer),
        net_assets_minor=NET_ASSETS,
    )
    assert _limits(database)[lines["good"]][0] == 1_000_000  # 8,198.68 < 10,000: no rise


def test_no_increase_soon_after_the_engine_declined_the_borrower(
    database: sa.Engine, profile: JurisdictionProfile
) -> None:
    line_id = _good_line(database, "applicant-5")
    with database.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO decisions (application_id, applicant_id, business_date, outcome, "
            "application_hash, record, application) VALUES ('A-5', 5, '2026-03-20', 'decline', "
            "'h', '{}', '{}')"
            if database.dialect.name == "sqlite"
            else "INSERT INTO decisions (application_id, applicant_id, business_date, outcome, "
            "application_hash, record, application) VALUES ('A-5', 5, DATE '2026-03-20', "
            "'decline', 'h', '{}', '{}')"
        )
    summary = run_line_review(
        database,
        REVIEW_DAY,
        profile,
        load_review_policy(),
        bureau=_bureau,
        net_assets_minor=NET_ASSETS,
    )
    assert "good_behaviour_increase" not in summary.changes
    with pytest.raises(LineRefused) as refused, SqlUnitOfWork(database) as uow:
        service.change_limit(
            uow,
            line_id=line_id,
            limit_minor=1_100_000,
            as_of=REVIEW_DAY,
            reason_code="request",
            facts=ADULT,
            net_assets_minor=NET_ASSETS,
        )
    assert refused.value.reason_code == "cooling_off_after_decline"
