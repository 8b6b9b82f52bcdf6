"""Servicing a loan through its life: accrual, billing, allocation, lateness, prepayment,
refunds, charge-off, recovery — on the domain aggregate, no database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.core.errors import InvalidInput
from puhui.loans.errors import DateOutOfRange, LoanNotPayable
from puhui.loans.lifecycle import LoanStatus
from puhui.loans.operations import (
    billed_amount_due,
    merchant_refund,
    pay_out_credit,
    payoff_quote,
    repay,
    write_off,
)
from puhui.loans.products import Bucket, Component, PrepaymentRule, RefundRule, parse_allocation
from tests.unit.loans.builders import CATALOG, assert_consistent, new_loan

ONE_DAY = timedelta(days=1)


def pay_every_instalment_on_time(loan_code: str, **kwargs: object) -> None:
    loan = new_loan(loan_code, **kwargs)  # type: ignore[arg-type]
    for row in list(loan.rows):
        due = billed_amount_due(loan, row.due_date)
        if due:
            repay(loan, due, row.due_date)
        assert_consistent(loan)
    assert loan.status is LoanStatus.CLOSED
    balances = loan.balances()
    assert balances.receivable_minor == 0
    assert balances.credit_minor == 0
    assert balances.penalty_income_minor == 0
    assert loan.received_minor == sum(
        r.principal_minor + r.interest_minor + r.fee_minor for r in loan.rows
    )


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_paying_every_instalment_on_its_due_date_closes_the_loan_with_nothing_left(
    code: str,
) -> None:
    pay_every_instalment_on_time(code)


@given(
    code=st.sampled_from(sorted(CATALOG)),
    principal=st.integers(50_000, 20_000_000),
    start=st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31)),
)
@settings(max_examples=60, deadline=None)
def test_on_time_payers_always_end_at_zero(code: str, principal: int, start: date) -> None:
    pay_every_instalment_on_time(code, principal_minor=principal, start=start)


def test_interest_accrues_straight_line_and_is_fully_accrued_at_the_due_date() -> None:
    loan = new_loan()
    first = loan.rows[0]
    halfway = loan.terms.start_date + timedelta(days=14)
    loan.advance_to(halfway)
    assert 0 < loan.balances().interest_minor < first.interest_minor
    loan.advance_to(first.due_date)
    assert loan.balances().interest_minor == first.interest_minor
    assert loan.billed_count == 1


def test_late_payment_costs_penalty_after_grace_and_one_late_fee() -> None:
    loan = new_loan()  # grace 3 days, late fee 20.00, penalty 1.5 × 18 %
    first = loan.rows[0]
    loan.close_through(first.due_date + timedelta(days=3))
    assert loan.penalty_unpaid(loan.opened_through) == 0
    assert loan.rows[0].late_fee_minor == 0
    loan.close_through(first.due_date + timedelta(days=10))
    assert loan.rows[0].late_fee_minor == 2_000
    # Penalty on the overdue principal for the 7 days past grace at 27 % / 360.
    expected = round(Decimal(first.principal_minor) * Decimal("0.27") * 7 / 360)
    assert loan.penalty_unpaid(loan.opened_through) == expected
    assert loan.status is LoanStatus.OVERDUE
    assert loan.days_past_due == 10
    assert_consistent(loan)


def test_a_late_payer_who_catches_up_is_current_again() -> None:
    loan = new_loan()
    first = loan.rows[0]
    day = first.due_date + timedelta(days=20)
    loan.close_through(day - ONE_DAY)
    outcome = repay(loan, billed_amount_due(loan, day), day)
    assert outcome.prepaid_principal_minor == 0
    assert loan.status is LoanStatus.ACTIVE
    assert loan.days_past_due == 0
    assert loan.penalty.anchor_unpaid_minor == 0
    assert_consistent(loan)


def test_allocation_follows_the_product_order() -> None:
    principal_first = parse_allocation(
        [f"{b.value}.{c.value}" for b in Bucket for c in reversed(Component)]
    )
    loan = new_loan(repayment_allocation=principal_first)
    first = loan.rows[0]
    loan.close_through(first.due_date + timedelta(days=10))
    repay(loan, first.principal_minor, loan.opened_through + ONE_DAY)
    assert loan.rows[0].paid_principal_minor == first.principal_minor
    assert loan.rows[0].paid_interest_minor == 0
    default = new_loan()
    default.close_through(first.due_date + timedelta(days=10))
    repay(default, first.principal_minor, default.opened_through + ONE_DAY)
    assert default.rows[0].paid_interest_minor == first.interest_minor  # interest before principal
    assert default.penalty.anchor_unpaid_minor == 0  # penalty first of all


def test_prepayment_reduce_term_keeps_the_instalment_and_ends_earlier() -> None:
    loan = new_loan(prepayment_rule=PrepaymentRule.REDUCE_TERM)
    level = loan.rows[1].principal_minor + loan.rows[1].interest_minor
    day = loan.terms.start_date + timedelta(days=10)
    outcome = repay(loan, 500_000, day)
    assert outcome.prepaid_principal_minor > 0
    scheduled = [r for r in loan.rows if r.kind.value == "scheduled"]
    assert len(scheduled) < 12
    assert scheduled[1].principal_minor + scheduled[1].interest_minor == level
    assert loan.rows[0].kind.value == "prepayment"
    assert loan.rows[0].due_date == day
    assert_consistent(loan)


def test_prepayment_reduce_instalment_keeps_the_dates_and_lowers_the_payment() -> None:
    loan = new_loan(prepayment_rule=PrepaymentRule.REDUCE_INSTALMENT)
    before = [r.due_date for r in loan.rows]
    level = loan.rows[1].principal_minor + loan.rows[1].interest_minor
    repay(loan, 500_000, loan.terms.start_date + timedelta(days=10))
    scheduled = [r for r in loan.rows if r.kind.value == "scheduled"]
    assert [r.due_date for r in scheduled] == before
    assert scheduled[1].principal_minor + scheduled[1].interest_minor < level
    assert_consistent(loan)


def test_prepayment_fee_is_charged_on_the_principal_prepaid() -> None:
    loan = new_loan(prepayment_fee_rate=Decimal("0.02"))
    repay(loan, 500_000, loan.terms.start_date + timedelta(days=10))
    row = loan.rows[0]
    assert row.fee_minor == round(row.principal_minor * Decimal("0.02"))
    assert row.principal_minor + row.interest_minor + row.fee_minor <= 500_000
    assert_consistent(loan)


def test_hold_credit_keeps_the_excess_and_pays_the_next_instalment_with_it() -> None:
    loan = new_loan(prepayment_rule=PrepaymentRule.HOLD_CREDIT)
    first = loan.rows[0]
    outcome = repay(loan, 200_000, loan.terms.start_date + timedelta(days=5))
    assert outcome.credit_minor == 200_000
    loan.close_through(first.due_date)
    assert loan.rows[0].settled
    assert loan.credit_balance_minor == 200_000 - (first.principal_minor + first.interest_minor)
    assert_consistent(loan)


def test_payoff_quote_settles_the_loan_exactly() -> None:
    loan = new_loan()
    day = loan.rows[2].due_date + timedelta(days=17)  # late, with penalties
    quote = payoff_quote(loan, day)
    outcome = repay(loan, quote.total_minor, day)
    assert outcome.closed
    assert loan.credit_balance_minor == 0
    assert loan.balances().receivable_minor == 0


def test_overpaying_a_payoff_leaves_a_credit_balance_that_can_be_paid_out() -> None:
    loan = new_loan()
    day = loan.terms.start_date + timedelta(days=40)
    quote = payoff_quote(loan, day)
    repay(loan, quote.total_minor + 1_000, day)
    assert loan.status is LoanStatus.CLOSED
    assert loan.credit_balance_minor == 1_000
    pay_out_credit(loan, 1_000, day)
    assert loan.credit_balance_minor == 0
    assert_consistent(loan)
    with pytest.raises(InvalidInput, match="credit balance"):
        pay_out_credit(loan, 1, day)


def test_a_payment_on_a_closed_loan_is_refused() -> None:
    loan = new_loan()
    day = loan.terms.start_date + timedelta(days=40)
    repay(loan, payoff_quote(loan, day).total_minor, day)
    with pytest.raises(LoanNotPayable, match="is closed"):
        repay(loan, 100, day)


def test_partial_merchant_refund_reamortises_the_plan() -> None:
    loan = new_loan("bnpl-plan", principal_minor=300_000, refund_rule=RefundRule.REAMORTISE)
    repay(loan, billed_amount_due(loan, loan.terms.start_date), loan.terms.start_date)
    future_before = [r.principal_minor for r in loan.rows[loan.billed_count :]]
    merchant_refund(loan, 60_000, loan.terms.start_date + timedelta(days=5))
    future_after = [r.principal_minor for r in loan.rows[loan.billed_count :]]
    assert len(future_after) == len(future_before)
    assert sum(future_after) == sum(future_before) - 60_000
    # The per-period fee is 0.6 % of the financed amount left: (225,000 − 60,000) × 0.6 %.
    assert {r.fee_minor for r in loan.rows[loan.billed_count :]} == {990}
    assert_consistent(loan)


def test_partial_merchant_refund_can_shorten_the_plan_instead() -> None:
    loan = new_loan("bnpl-plan", principal_minor=300_000, refund_rule=RefundRule.SHORTEN)
    repay(loan, billed_amount_due(loan, loan.terms.start_date), loan.terms.start_date)
    count_before = len(loan.rows)
    merchant_refund(loan, 75_000, loan.terms.start_date + timedelta(days=5))
    assert len(loan.rows) < count_before
    assert_consistent(loan)


def test_full_merchant_refund_cancels_everything_and_returns_what_was_paid() -> None:
    loan = new_loan("bnpl-plan", principal_minor=300_000)
    start = loan.terms.start_date
    paid = billed_amount_due(loan, start)
    repay(loan, paid, start)
    second = loan.rows[1]
    repay(loan, billed_amount_due(loan, second.due_date), second.due_date)
    borrower_paid = loan.received_minor
    merchant_refund(loan, 300_000, second.due_date + timedelta(days=3))
    assert loan.status is LoanStatus.CLOSED
    assert loan.credit_balance_minor == borrower_paid
    balances = assert_consistent(loan)
    assert balances.fee_income_minor == 0
    assert balances.receivable_minor == 0


def test_loan_is_charged_off_at_the_products_days_past_due_and_stops_accruing() -> None:
    loan = new_loan()  # charge-off at 180 days past due
    first_due = loan.rows[0].due_date
    loan.close_through(first_due + timedelta(days=179))
    assert loan.status is LoanStatus.OVERDUE
    loan.close_through(first_due + timedelta(days=180))
    assert loan.status is LoanStatus.CHARGED_OFF
    frozen = assert_consistent(loan)
    assert frozen.receivable_minor == 0
    assert frozen.written_off_minor > 1_200_000
    loan.close_through(first_due + timedelta(days=400))
    assert loan.balances() == frozen


def test_a_payment_after_charge_off_is_a_recovery() -> None:
    loan = new_loan()
    loan.close_through(loan.rows[0].due_date + timedelta(days=200))
    outcome = repay(loan, 50_000, loan.opened_through + ONE_DAY)
    assert outcome.recovered_minor == 50_000
    assert loan.recovered_minor == 50_000
    assert_consistent(loan)


def test_operator_write_off_writes_everything_off_at_once() -> None:
    loan = new_loan()
    write_off(loan, loan.terms.start_date + timedelta(days=45))
    assert loan.status is LoanStatus.CHARGED_OFF
    assert assert_consistent(loan).receivable_minor == 0


def test_revolving_draw_charges_daily_interest_and_takes_any_repayment() -> None:
    loan = new_loan("working-capital", principal_minor=10_000_000)
    day = loan.terms.start_date + timedelta(days=30)
    loan.advance_to(day)
    # 100,000.00 at 10.95 % a year over actual/360: 30.42 a day, 912.50 for 30 days (±1 fen).
    accrued = loan.balances().interest_minor
    assert abs(accrued - 91_250) <= 1
    outcome = repay(loan, 3_000_000, day)
    # The payment settles the interest to date; the rest reduces the principal.
    assert outcome.prepaid_principal_minor == 3_000_000 - accrued
    assert loan.principal_outstanding() == 10_000_000 - (3_000_000 - accrued)
    assert_consistent(loan)


def test_seasonal_loan_takes_principal_on_harvest_dates() -> None:
    loan = new_loan("seasonal-farm", principal_minor=5_000_000)
    harvest_rows = [r for r in loan.rows if r.principal_minor]
    assert [r.due_date for r in harvest_rows] == [h.due_date for h in loan.terms.harvest_dates]


def test_refusals_leave_the_loan_untouched() -> None:
    loan = new_loan()
    before = loan.copy()
    with pytest.raises(InvalidInput):
        repay(loan, 0, loan.terms.start_date)
    with pytest.raises(InvalidInput):
        repay(loan, -5, loan.terms.start_date)
    assert loan.balances() == before.balances()
    assert loan.rows == before.rows


def test_paying_the_quote_closes_the_loan_even_with_credit_held() -> None:
    loan = new_loan(principal_minor=1_200_000)
    first = loan.rows[0]
    repay(loan, billed_amount_due(loan, first.due_date), first.due_date)
    held_day = first.due_date + timedelta(days=10)
    outcome = repay(loan, 500, held_day)  # less than the interest to date: held as credit
    assert outcome.credit_minor == 500
    quote = payoff_quote(loan, held_day)
    assert repay(loan, quote.total_minor, held_day).closed
    assert loan.balances().receivable_minor == 0
    assert loan.credit_balance_minor == 0


def test_reduce_term_during_principal_grace_keeps_the_amortising_instalment() -> None:
    loan = new_loan(
        overrides={"principal_grace_periods": 3}, prepayment_rule=PrepaymentRule.REDUCE_TERM
    )
    level = loan.rows[3].principal_minor + loan.rows[3].interest_minor
    repay(loan, 200_000, loan.terms.start_date + timedelta(days=10))
    scheduled = [r for r in loan.rows if r.kind.value == "scheduled"]
    amortising = [r for r in scheduled[:-1] if r.principal_minor > 0]
    assert amortising
    assert {r.principal_minor + r.interest_minor for r in amortising} == {level}
    assert scheduled[-1].principal_minor <= level
    assert_consistent(loan)


def test_a_refund_pays_overdue_fees_before_anything_becomes_credit() -> None:
    loan = new_loan("bnpl-plan", principal_minor=120_000)
    start = loan.terms.start_date
    repay(loan, billed_amount_due(loan, start), start)
    second = loan.rows[1]
    merchant_refund(loan, 110_000, second.due_date + timedelta(days=1))
    assert all(row.settled for row in loan.billed_rows())
    assert loan.days_past_due == 0
    assert_consistent(loan)


def test_a_full_refund_after_payoff_returns_fees_too() -> None:
    loan = new_loan("bnpl-plan", principal_minor=120_000)
    for row in list(loan.rows):
        repay(loan, billed_amount_due(loan, row.due_date), row.due_date)
    assert loan.status is LoanStatus.CLOSED
    borrower_paid = loan.received_minor
    merchant_refund(loan, 120_000, loan.rows[-1].due_date + timedelta(days=5))
    assert loan.credit_balance_minor == borrower_paid
    assert assert_consistent(loan).fee_income_minor == 0


def test_merchant_refunds_apply_to_bnpl_plans_only() -> None:
    loan = new_loan()
    with pytest.raises(InvalidInput, match="buy-now-pay-later plans only"):
        merchant_refund(loan, 1_000, loan.terms.start_date)
    plan = new_loan("bnpl-plan", principal_minor=120_000)
    with pytest.raises(InvalidInput, match="exceeds what is left"):
        merchant_refund(plan, 120_001, plan.terms.start_date)


def test_an_event_before_the_loans_own_day_or_too_far_ahead_is_refused() -> None:
    loan = new_loan()
    repay(loan, 1_000, loan.terms.start_date + timedelta(days=20))
    with pytest.raises(DateOutOfRange, match="cannot be dated"):
        repay(loan, 1_000, loan.terms.start_date + timedelta(days=5))
    with pytest.raises(DateOutOfRange, match="check the date"):
        payoff_quote(loan, date(2040, 1, 1))


def test_amounts_beyond_any_loan_are_refused() -> None:
    loan = new_loan()
    with pytest.raises(InvalidInput, match="too large"):
        repay(loan, 10**20, loan.terms.start_date)
