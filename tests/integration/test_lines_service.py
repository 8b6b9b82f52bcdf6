"""Credit lines end to end on SQLite and PostgreSQL: checkout, refunds, payments, statements,
conversions, limits, refusals that book nothing, and `verify` reconciling lines to the ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from puhui.batch.verify import verify
from puhui.core.errors import Conflict, PuhuiError
from puhui.lines import service
from puhui.lines.errors import LineNotFound, LineRefused, OrderConflict
from puhui.loans import service as loans
from puhui.storage.uow import SqlUnitOfWork
from tests.integration.helpers import count
from tests.integration.lines_helpers import ADULT, NET_ASSETS, OPENED, open_line

DAY = date(2026, 1, 10)


def _call(engine: sa.Engine, use_case, **kwargs):  # type: ignore[no-untyped-def]
    if use_case is service.authorise:
        kwargs.setdefault("net_assets_minor", NET_ASSETS)
    with SqlUnitOfWork(engine) as uow:
        result = use_case(uow, **kwargs)
        uow.commit()
    return result


def _buy(engine: sa.Engine, line_id: int, order: str, amount: int, day: date = DAY) -> None:
    _call(
        engine,
        service.authorise,
        line_id=line_id,
        order_id=order,
        amount_minor=amount,
        as_of=day,
        net_assets_minor=NET_ASSETS,
    )
    _call(engine, service.capture, line_id=line_id, order_id=order, amount_minor=amount, as_of=day)


def _state(engine: sa.Engine) -> tuple[int, int, int]:
    return (
        count(engine, "journal_entries"),
        count(engine, "line_events"),
        count(engine, "line_orders"),
    )


def test_a_cycle_posts_to_the_ledger_and_verify_reconciles_it(database: sa.Engine) -> None:
    line_id = open_line(database).line_id
    _buy(database, line_id, "phone", 300_000)
    _buy(database, line_id, "shoes", 50_000)
    _call(
        database,
        service.refund,
        line_id=line_id,
        order_id="shoes",
        amount_minor=20_000,
        as_of=date(2026, 1, 12),
        idempotency_key="refund-1",
    )
    _call(
        database,
        service.draw_cash,
        line_id=line_id,
        amount_minor=100_000,
        as_of=date(2026, 1, 15),
        idempotency_key="cash-1",
        net_assets_minor=NET_ASSETS,
    )
    converted = _call(
        database,
        service.convert,
        line_id=line_id,
        order_id="phone",
        periods=6,
        as_of=date(2026, 1, 20),
        idempotency_key="convert-phone",
    )
    assert converted["periods"] == 6
    assert converted["status"] == "active"
    statement = _call(database, service.cut_statement, line_id=line_id, as_of=date(2026, 2, 5))
    # purchases 300 + 50 − 20 refunded; the phone converted: one part (500) billed with its fee
    fee = round(300_000 * 0.007)
    interest = round(100_000 * 0.18 * 21 / 360)  # cash from 15 Jan to 4 Feb
    assert statement["fee_minor"] == fee
    assert statement["interest_minor"] == interest
    assert statement["statement_balance_minor"] == 30_000 + 50_000 + 100_000 + interest + fee
    assert {line["kind"] for line in statement["lines"]} >= {"captured", "refunded", "cash_drawn"}
    _call(
        database,
        service.pay,
        line_id=line_id,
        amount_minor=statement["statement_balance_minor"],
        as_of=date(2026, 2, 20),
        idempotency_key="pay-1",
    )
    report = verify(database)
    assert report.ok, [c for c in report.checks if not c.ok]
    assert report.lines == 1
    with SqlUnitOfWork(database) as uow:
        stored = uow.lines.statements(line_id)
        line = uow.lines.get(line_id, on=date(2026, 2, 20))
    assert stored[0]["statement_balance_minor"] == statement["statement_balance_minor"]
    assert line.balances.converted_minor == 250_000
    assert line.statement_due_minor == 0


def test_statements_are_immutable(database: sa.Engine) -> None:
    line_id = open_line(database).line_id
    _buy(database, line_id, "o1", 10_000)
    _call(database, service.cut_statement, line_id=line_id, as_of=date(2026, 2, 5))
    again = _call(database, service.cut_statement, line_id=line_id, as_of=date(2026, 2, 5))
    assert again["replayed"] is True
    with pytest.raises(sa.exc.DatabaseError), database.begin() as connection:
        connection.exec_driver_sql("UPDATE line_statements SET statement_balance_minor = 0")


def test_replays_return_the_first_outcome_and_a_reused_key_is_refused(
    database: sa.Engine,
) -> None:
    line_id = open_line(database).line_id
    _buy(database, line_id, "o1", 10_000)
    first = _call(
        database,
        service.pay,
        line_id=line_id,
        amount_minor=4_000,
        as_of=DAY,
        idempotency_key="pay-x",
    )
    before = _state(database)
    replay = _call(
        database,
        service.pay,
        line_id=line_id,
        amount_minor=4_000,
        as_of=DAY,
        idempotency_key="pay-x",
    )
    assert replay["replayed"]
    assert replay["applied"] == first["applied"]
    assert _call(
        database, service.capture, line_id=line_id, order_id="o1", amount_minor=10_000, as_of=DAY
    )["replayed"]
    with pytest.raises(Conflict):
        _call(
            database,
            service.pay,
            line_id=line_id,
            amount_minor=5_000,
            as_of=DAY,
            idempotency_key="pay-x",
        )
    assert _state(database) == before


@pytest.mark.parametrize(
    ("setup", "attempt", "error", "reason"),
    [
        ("none", {"line_id": 999, "order_id": "o", "amount_minor": 100}, LineNotFound, None),
        ("freeze", {"order_id": "o", "amount_minor": 100}, LineRefused, "line_frozen"),
        ("none", {"order_id": "o", "amount_minor": 2_000_000}, LineRefused, "over_available"),
        ("none", {"order_id": "o", "amount_minor": 0}, LineRefused, "invalid_amount"),
        ("order", {"order_id": "o1", "amount_minor": 999}, OrderConflict, None),
    ],
)
def test_bad_checkouts_are_refused_and_book_nothing(
    database: sa.Engine, setup: str, attempt: dict[str, object], error: type, reason: str | None
) -> None:
    line_id = open_line(database).line_id
    if setup == "freeze":
        _call(
            database,
            service.change_status,
            line_id=line_id,
            action="freeze",
            as_of=DAY,
            reason_code="suspected_fraud",
        )
    if setup == "order":
        _call(
            database, service.authorise, line_id=line_id, order_id="o1", amount_minor=500, as_of=DAY
        )
    before = _state(database)
    with pytest.raises(error) as raised:
        _call(database, service.authorise, **{"line_id": line_id, "as_of": DAY, **attempt})
    if reason is not None:
        assert raised.value.reason_code == reason  # type: ignore[attr-defined]
    assert _state(database) == before


def test_a_line_is_granted_only_what_the_caps_allow(database: sa.Engine) -> None:
    # income 2,000/month: 0.3333 of 24,000 a year = 7,999.20, less 3,000 owed to other lenders
    facts = replace(ADULT, monthly_income_minor=200_000, other_lenders_balance_minor=300_000)
    opened = open_line(database, limit_minor=2_000_000, facts=facts)
    assert opened.limit_minor == 499_920
    assert opened.binding_cap == "income share cap"
    # the per-borrower consumer cap (200,000 yuan) binds across lines
    rich = replace(ADULT, monthly_income_minor=100_000_000)
    first = open_line(database, borrower="b-2", limit_minor=5_000_000, facts=rich)
    second = open_line(database, borrower="b-2", limit_minor=5_000_000, facts=rich, key="again")
    assert first.limit_minor == 5_000_000  # the product's largest line: 50,000
    assert second.limit_minor == 5_000_000
    for index in range(2):
        open_line(database, borrower="b-2", limit_minor=5_000_000, facts=rich, key=f"k{index}")
    with pytest.raises(LineRefused) as refused:
        open_line(database, borrower="b-2", limit_minor=5_000_000, facts=rich, key="fifth")
    assert refused.value.reason_code == "no_headroom"


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (replace(ADULT, is_student=True), "student"),
        (replace(ADULT, age=17), "under_minimum_age"),
        (replace(ADULT, bureau_inquiries_30d=9), "multi_lending"),
    ],
)
def test_students_minors_and_credit_shoppers_get_no_line(
    database: sa.Engine, facts: object, reason: str
) -> None:
    with pytest.raises(LineRefused) as refused:
        open_line(database, facts=facts)  # type: ignore[arg-type]
    assert refused.value.reason_code == reason
    assert count(database, "credit_lines") == 0


def test_self_set_limit_applies_at_once_and_blocks_increases_while_cooling_off(
    database: sa.Engine,
) -> None:
    line_id = open_line(database).line_id
    _call(database, service.set_self_limit, line_id=line_id, limit_minor=100_000, as_of=DAY)
    with pytest.raises(LineRefused) as refused:
        _call(
            database,
            service.authorise,
            line_id=line_id,
            order_id="big",
            amount_minor=150_000,
            as_of=DAY,
        )
    assert refused.value.reason_code == "over_available"
    with pytest.raises(LineRefused) as cooling:
        _call(
            database,
            service.change_limit,
            line_id=line_id,
            limit_minor=2_000_000,
            as_of=DAY,
            reason_code="review",
            facts=ADULT,
            net_assets_minor=NET_ASSETS,
        )
    assert cooling.value.reason_code == "cooling_off"
    with SqlUnitOfWork(database) as uow:
        kinds = [event.kind for event in uow.lines.history(line_id)]
    assert kinds == ["opened", "self_limit_set"]


def test_spending_past_half_the_income_prompts_the_borrower(database: sa.Engine) -> None:
    line_id = open_line(database).line_id  # income 15,000 a month: the prompt is at 7,500
    quiet = _call(
        database, service.authorise, line_id=line_id, order_id="a", amount_minor=500_000, as_of=DAY
    )
    loud = _call(
        database, service.authorise, line_id=line_id, order_id="b", amount_minor=300_000, as_of=DAY
    )
    assert "spending_over_income_share" not in quiet["prompts"]
    assert "spending_over_income_share" in loud["prompts"]
    assert "utilisation_jump" in loud["prompts"]  # 3,000 of 10,000 in one purchase
    _call(database, service.set_spending_cap, line_id=line_id, cap_minor=900_000, as_of=DAY)
    with pytest.raises(PuhuiError) as capped:
        _call(
            database,
            service.authorise,
            line_id=line_id,
            order_id="c",
            amount_minor=150_000,
            as_of=DAY,
        )
    assert capped.value.reason_code == "over_spending_cap"  # type: ignore[attr-defined]


def test_loan_acceptance_sees_the_borrower_s_lines(database: sa.Engine) -> None:
    line_id = open_line(database).line_id
    _buy(database, line_id, "o1", 250_000)
    _call(
        database, service.authorise, line_id=line_id, order_id="o2", amount_minor=50_000, as_of=DAY
    )
    with SqlUnitOfWork(database) as uow:
        assert uow.exposure.outstanding_principal("b-1") == 300_000
    assert OPENED < DAY


def test_a_checkout_never_takes_the_borrower_past_his_income_share(database: sa.Engine) -> None:
    line_id = open_line(database).line_id  # income 15,000 a month: 0.3333 × 180,000 = 59,994
    with SqlUnitOfWork(database) as uow:
        loans.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=5_500_000,
            as_of=DAY,
            borrower_ref="b-1",
            idempotency_key="loan",
        )
        uow.commit()
    with pytest.raises(LineRefused, match="income share cap") as refused:
        _call(
            database,
            service.authorise,
            line_id=line_id,
            order_id="o",
            amount_minor=600_000,
            as_of=DAY,
        )
    assert refused.value.reason_code == "over_borrower_cap"
    _call(
        database,
        service.authorise,
        line_id=line_id,
        order_id="small",
        amount_minor=400_000,
        as_of=DAY,
    )
