"""What can happen to a loan on a business day, as pure functions on the aggregate.

Each operation first brings the loan to the day (`advance_to`), then changes it. None of them
touches storage or the ledger: the service derives the journal entry from the balance change and
persists both in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from puhui.core.errors import InvalidInput
from puhui.core.money import MAX_AMOUNT_MINOR
from puhui.core.rounding import RoundingMode, round_fraction
from puhui.loans.allocation import allocate, owed_billed
from puhui.loans.errors import LoanNotPayable
from puhui.loans.lifecycle import LoanStatus, transition
from puhui.loans.loan import Loan
from puhui.loans.products import PrepaymentRule, ProductKind, RefundRule
from puhui.loans.reamortise import reamortise_unbilled, settle_current_period


@dataclass(frozen=True, slots=True)
class RepaymentOutcome:
    """How a payment was used: billed amounts, prepaid principal, held as credit, recovered."""

    amount_minor: int
    allocated_minor: int
    prepaid_principal_minor: int
    credit_minor: int
    recovered_minor: int
    closed: bool


def _positive(amount_minor: int, what: str) -> None:
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise InvalidInput(f"{what} must be a positive amount, got {amount_minor}")
    if amount_minor > MAX_AMOUNT_MINOR:
        raise InvalidInput(f"{what} {amount_minor} is too large (at most {MAX_AMOUNT_MINOR})")


def _require_live(loan: Loan, action: str) -> None:
    if loan.status in (LoanStatus.CLOSED, LoanStatus.CANCELLED, LoanStatus.APPROVED):
        raise LoanNotPayable(
            f"loan {loan.loan_id} is {loan.status.value}: nothing is owed, so a {action} "
            "cannot be applied; check the loan id"
        )


def repay(loan: Loan, amount_minor: int, day: date) -> RepaymentOutcome:
    """Apply a borrower's payment: billed amounts in the product's order, then the excess.

    Any credit balance already held joins the payment. The excess prepays principal under the
    reduce-term / reduce-instalment rules (interest to date and any prepayment fee first) or is
    held as a credit balance under hold-credit and not-allowed. A payment on a charged-off loan
    is a recovery.
    """
    _positive(amount_minor, "repayment")
    _require_live(loan, "repayment")
    loan.advance_to(day)
    if loan.status is LoanStatus.CHARGED_OFF:
        loan.recovered_minor += amount_minor
        return RepaymentOutcome(amount_minor, 0, 0, 0, amount_minor, closed=False)
    loan.received_minor += amount_minor
    loan.materialise_penalty(day)
    # Credit already held is the borrower's money too: it works together with the payment.
    available = amount_minor + loan.credit_balance_minor
    loan.credit_balance_minor = 0
    excess = allocate(loan, available, day)
    allocated = available - excess
    prepaid = 0
    if excess:
        prepaid, excess = _prepay(loan, day, excess)
    loan.credit_balance_minor = excess
    loan.refresh_delinquency(day)
    loan.close_if_repaid()
    return RepaymentOutcome(
        amount_minor, allocated, prepaid, excess, 0, closed=loan.status is LoanStatus.CLOSED
    )


def _prepayment_split(
    excess: int, accrued: int, unbilled: int, fee_rate: Fraction, mode: RoundingMode
) -> tuple[int, int]:
    """(principal, fee) an excess pays after interest to date, never more than it holds."""
    full_fee = round_fraction(unbilled * fee_rate.numerator, fee_rate.denominator, mode)
    if excess >= accrued + unbilled + full_fee:
        return unbilled, full_fee
    budget = excess - accrued
    principal = (budget * fee_rate.denominator) // (fee_rate.denominator + fee_rate.numerator)
    fee = round_fraction(principal * fee_rate.numerator, fee_rate.denominator, mode)
    while principal > 0 and principal + fee > budget:  # at most a step or two of rounding
        principal -= 1
        fee = round_fraction(principal * fee_rate.numerator, fee_rate.denominator, mode)
    return principal, fee


def _prepay(loan: Loan, day: date, excess: int) -> tuple[int, int]:
    """Use an excess to prepay principal if the product allows; returns (prepaid, left)."""
    rule = loan.product.prepayment_rule
    unbilled = loan.unbilled_principal()
    accrued = loan.accrued_unbilled(day)
    if rule in (PrepaymentRule.HOLD_CREDIT, PrepaymentRule.NOT_ALLOWED) or unbilled == 0:
        return 0, excess
    if excess <= accrued:
        return 0, excess  # not even the interest to date: hold it until the next due date
    principal, fee = _prepayment_split(
        excess, accrued, unbilled, Fraction(loan.product.prepayment_fee_rate), loan.terms.rounding
    )
    if principal == 0:
        return 0, excess
    row = settle_current_period(loan, day, principal_minor=principal, fee_minor=fee)
    row.paid_principal_minor = row.principal_minor
    row.paid_interest_minor = row.interest_minor
    row.paid_fee_minor = row.fee_minor
    reamortise_unbilled(
        loan,
        day,
        new_balance_minor=unbilled - principal,
        shorten=rule is PrepaymentRule.REDUCE_TERM,
    )
    return principal, excess - (row.principal_minor + row.interest_minor + row.fee_minor)


def merchant_refund(loan: Loan, amount_minor: int, day: date) -> None:
    """A merchant returns money for a BNPL purchase (goods returned).

    A refund of everything still unrefunded cancels the purchase, even one already paid off:
    nothing is owed, interest and fees are reversed, and what the borrower paid is held as his
    credit balance. A partial refund lowers the unbilled principal (re-amortising or shortening
    the plan per the product), then pays billed amounts in the product's credit order; any rest
    is credit. On a charged-off loan the money is a recovery.
    """
    _positive(amount_minor, "merchant refund")
    if loan.product.kind is not ProductKind.BNPL:
        raise InvalidInput(
            f"loan {loan.loan_id} is a {loan.product.kind.value} loan; merchant refunds apply "
            "to buy-now-pay-later plans only"
        )
    if loan.status in (LoanStatus.CANCELLED, LoanStatus.APPROVED):
        raise LoanNotPayable(f"loan {loan.loan_id} is {loan.status.value}; it takes no refunds")
    purchase_left = loan.terms.principal_minor - loan.refunded_minor
    if amount_minor > purchase_left:
        raise InvalidInput(
            f"refund {amount_minor} exceeds what is left of the purchase ({purchase_left})"
        )
    loan.advance_to(day)
    loan.received_minor += amount_minor
    loan.refunded_minor += amount_minor
    if loan.status is LoanStatus.CHARGED_OFF:
        loan.received_minor -= amount_minor
        loan.recovered_minor += amount_minor  # money back on a written-off purchase
    elif amount_minor == purchase_left:
        loan.materialise_penalty(day)
        _cancel_purchase(loan)
    elif loan.status is LoanStatus.CLOSED:
        loan.credit_balance_minor += amount_minor
    else:
        _partial_refund(loan, amount_minor, day)


def _partial_refund(loan: Loan, amount_minor: int, day: date) -> None:
    loan.materialise_penalty(day)
    unbilled = loan.unbilled_principal()
    taken = min(amount_minor, unbilled)
    if taken:
        reamortise_unbilled(
            loan,
            day,
            new_balance_minor=unbilled - taken,
            shorten=loan.product.refund_rule is RefundRule.SHORTEN,
            accrued_anchor_minor=loan.accrued_unbilled(day),
            fee_basis_minor=loan.terms.financed_minor - loan.refunded_minor,
        )
    left = allocate(loan, amount_minor - taken, day, loan.product.credit_allocation)
    loan.credit_balance_minor += left
    loan.refresh_delinquency(day)
    loan.close_if_repaid()


def _cancel_purchase(loan: Loan) -> None:
    """Void the purchase: no principal, interest, fee or penalty is owed or earned."""
    del loan.rows[loan.billed_count :]
    for row in loan.rows:
        row.principal_minor = row.paid_principal_minor
        row.interest_minor = row.paid_interest_minor
        row.fee_minor = row.paid_fee_minor
        row.late_fee_minor = 0
    loan.interest_income_closed_minor = 0
    loan.fee_income_minor = 0
    loan.penalty.income_closed_minor = 0
    loan.penalty.anchor_unpaid_minor = 0
    loan.penalty.base_minor = 0
    loan.penalty.threshold_date = None
    loan.credit_balance_minor = loan.received_minor - loan.disbursed_minor - loan.paid_out_minor
    loan.oldest_unpaid_due_date = None
    loan.days_past_due = 0
    loan.status = transition(loan.status, LoanStatus.CLOSED, loan_id=loan.loan_id)


def write_off(loan: Loan, day: date) -> None:
    """Write the loan off now (an operator's decision rather than the charge-off rule)."""
    _require_live(loan, "write-off")
    loan.advance_to(day)
    if loan.status is LoanStatus.CHARGED_OFF:
        return
    loan.charge_off(day)


def pay_out_credit(loan: Loan, amount_minor: int, day: date) -> None:
    """Pay part or all of a credit balance back to the borrower."""
    _positive(amount_minor, "credit payout")
    loan.advance_to(day)
    if amount_minor > loan.credit_balance_minor:
        raise InvalidInput(
            f"loan {loan.loan_id} holds a credit balance of {loan.credit_balance_minor}; "
            f"cannot pay out {amount_minor}"
        )
    loan.credit_balance_minor -= amount_minor
    loan.paid_out_minor += amount_minor


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    """What settles the loan in full on `day`, and what it is made of."""

    day: date
    total_minor: int
    billed_minor: int
    principal_minor: int
    interest_minor: int
    fee_minor: int
    credit_minor: int


def payoff_quote(loan: Loan, day: date) -> PayoffQuote:
    """The amount that closes the loan if paid on `day` (projecting days not yet run)."""
    _require_live(loan, "payoff quote")
    if loan.status is LoanStatus.CHARGED_OFF:
        raise LoanNotPayable(f"loan {loan.loan_id} is charged off; recoveries have no quote")
    projected = loan.copy()
    projected.advance_to(day)
    projected.materialise_penalty(day)
    billed = owed_billed(projected)
    unbilled = projected.unbilled_principal()
    if projected.product.prepayment_rule in (
        PrepaymentRule.HOLD_CREDIT,
        PrepaymentRule.NOT_ALLOWED,
    ):
        # Early settlement is not a prepayment: every remaining instalment is owed as scheduled.
        future = projected.rows[projected.billed_count :]
        interest = sum(r.unpaid_interest_minor for r in future)
        fee = sum(r.unpaid_fee_minor for r in future)
    else:
        interest = projected.accrued_unbilled(day)
        rate = Fraction(projected.product.prepayment_fee_rate)
        fee = round_fraction(unbilled * rate.numerator, rate.denominator, projected.terms.rounding)
    credit = projected.credit_balance_minor
    total = max(0, billed + unbilled + interest + fee - credit)
    return PayoffQuote(day, total, billed, unbilled, interest, fee, credit)


def billed_amount_due(loan: Loan, day: date) -> int:
    """What is billed and unpaid on `day` (projecting days not yet run), penalty included."""
    if not loan.status.accrues:
        return 0
    projected = loan.copy()
    projected.advance_to(day)
    projected.materialise_penalty(day)
    return owed_billed(projected)
