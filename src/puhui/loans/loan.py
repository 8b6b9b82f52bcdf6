"""The loan aggregate: its instalments, its sub-ledger balances and how it moves through days.

A loan is serviced one business day at a time, in two halves that mirror a real day:

* `open_day(d)` — the morning: instalments due on d are billed (their interest has fully accrued
  by then; their fee is recognised), and a credit balance pays what was just billed.
* `end_of_day(d)` — the night (EOD): late fees for instalments just past their grace days, the
  oldest unpaid due date, days past due, penalty interest re-anchored on the new overdue principal,
  active/overdue status, and charge-off at the product's days past due.

An event on day d (a repayment, a refund) first brings the loan to d (`advance_to`), so it sees
exactly what is due that day. Interest and penalty accrue lazily between those moments (see
`accrual`), which is what lets the end-of-day batch touch only loans with something to do.

`balances()` is the loan's sub-ledger. The journal entry of every event is the difference of
balances before and after it (see `accounting`), so the general ledger cannot drift from the loans.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from puhui.core.dates import daily_basis_days
from puhui.core.errors import require
from puhui.loans.accrual import (
    penalty_accrued,
    penalty_days,
    penalty_threshold,
    straight_line_accrued,
)
from puhui.loans.allocation import apply_credit_balance
from puhui.loans.errors import DateOutOfRange
from puhui.loans.lifecycle import LoanStatus, transition
from puhui.loans.products import Product
from puhui.loans.schedule import Schedule, generate_schedule
from puhui.loans.terms import ScheduleTerms

ONE_DAY = timedelta(days=1)
MAX_CATCH_UP_DAYS = 3_660  # a loan is never brought forward more than ten years in one call


@functools.lru_cache(maxsize=1024)
def penalty_rate(multiplier: Decimal, annual_rate: Decimal) -> Fraction:
    """The penalty interest rate a year: the product's multiple of the contract rate."""
    return Fraction(multiplier) * Fraction(annual_rate)


class RowKind(StrEnum):
    SCHEDULED = "scheduled"
    DOWN_PAYMENT = "down_payment"
    PREPAYMENT = "prepayment"  # the unscheduled row a prepayment settles (interest to date etc.)


@dataclass(slots=True)
class InstalmentRow:
    """One instalment as serviced: what is contractually due and what has been paid of it."""

    seq: int
    due_date: date
    accrual_start: date
    principal_minor: int
    interest_minor: int
    fee_minor: int
    accrual_anchor_minor: int = 0  # interest already accrued at accrual_start (after a refund)
    late_fee_minor: int = 0
    paid_principal_minor: int = 0
    paid_interest_minor: int = 0
    paid_fee_minor: int = 0  # the fee and the late fee together
    kind: RowKind = RowKind.SCHEDULED

    @property
    def unpaid_principal_minor(self) -> int:
        return self.principal_minor - self.paid_principal_minor

    @property
    def unpaid_interest_minor(self) -> int:
        return self.interest_minor - self.paid_interest_minor

    @property
    def unpaid_fee_minor(self) -> int:
        return self.fee_minor + self.late_fee_minor - self.paid_fee_minor

    @property
    def unpaid_minor(self) -> int:
        return self.unpaid_principal_minor + self.unpaid_interest_minor + self.unpaid_fee_minor

    @property
    def settled(self) -> bool:
        return self.unpaid_minor == 0

    def snapshot(self) -> tuple[object, ...]:
        """All fields as a tuple: a cheap copy to tell later whether the row changed."""
        return (
            self.seq,
            self.due_date,
            self.accrual_start,
            self.principal_minor,
            self.interest_minor,
            self.fee_minor,
            self.accrual_anchor_minor,
            self.late_fee_minor,
            self.paid_principal_minor,
            self.paid_interest_minor,
            self.paid_fee_minor,
            self.kind,
        )


@dataclass(slots=True)
class PenaltyState:
    """Penalty interest as a lazily accruing segment anchored at the last change of its base."""

    anchor_date: date
    anchor_unpaid_minor: int = 0
    base_minor: int = 0
    threshold_date: date | None = None
    income_closed_minor: int = 0  # penalty income recognised up to the anchor


@dataclass(frozen=True, slots=True)
class Balances:
    """A loan's sub-ledger at its recognition date: receivables, income and cash totals."""

    principal_minor: int
    interest_minor: int
    fee_minor: int
    penalty_minor: int
    credit_minor: int
    interest_income_minor: int
    fee_income_minor: int
    penalty_income_minor: int
    disbursed_minor: int
    received_minor: int
    paid_out_minor: int
    written_off_minor: int
    recovered_minor: int

    @property
    def receivable_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fee_minor + self.penalty_minor

    def identity_gap(self) -> int:
        """Zero for a consistent sub-ledger: what is owed equals what was lent, earned and paid."""
        income = self.interest_income_minor + self.fee_income_minor + self.penalty_income_minor
        owed = self.receivable_minor - self.credit_minor
        flows = (
            self.disbursed_minor
            + income
            - self.received_minor
            + self.paid_out_minor
            - self.written_off_minor
        )
        return owed - flows


@dataclass(slots=True)
class Loan:
    """A booked loan: product rules, instalments, sub-ledger counters and its place in time."""

    loan_id: int
    product: Product
    terms: ScheduleTerms
    funder: str
    status: LoanStatus
    rows: list[InstalmentRow]
    billed_count: int
    opened_through: date
    closed_through: date
    penalty: PenaltyState
    credit_balance_minor: int = 0
    oldest_unpaid_due_date: date | None = None
    days_past_due: int = 0
    interest_income_closed_minor: int = 0
    fee_income_minor: int = 0
    disbursed_minor: int = 0
    received_minor: int = 0
    paid_out_minor: int = 0
    written_off_minor: int = 0
    recovered_minor: int = 0
    refunded_minor: int = 0
    charged_off_on: date | None = None
    facility_id: int | None = None
    events_applied: list[str] = field(default_factory=list)

    # ---- reading the state -------------------------------------------------------------

    @property
    def penalty_rate(self) -> Fraction:
        return penalty_rate(self.product.penalty_rate_multiplier, self.terms.annual_rate)

    @property
    def penalty_basis_days(self) -> int:
        return daily_basis_days(self.terms.day_count)

    def current_row(self) -> InstalmentRow | None:
        """The first instalment not yet billed: its interest is the one accruing now."""
        return self.rows[self.billed_count] if self.billed_count < len(self.rows) else None

    def billed_rows(self) -> list[InstalmentRow]:
        return self.rows[: self.billed_count]

    def accrued_unbilled(self, on: date) -> int:
        """Interest of the current period accrued by the end of `on`."""
        row = self.current_row()
        if row is None or not self.status.accrues:
            return 0
        return straight_line_accrued(
            interest_minor=row.interest_minor,
            anchor_minor=row.accrual_anchor_minor,
            anchor_date=row.accrual_start,
            due_date=row.due_date,
            on=on,
            mode=self.terms.rounding,
        )

    def penalty_unpaid(self, on: date) -> int:
        """Penalty interest owed at the end of `on` (the anchor plus what accrued since)."""
        state = self.penalty
        if not self.status.accrues:
            return state.anchor_unpaid_minor
        days = penalty_days(
            anchor_date=state.anchor_date, threshold_date=state.threshold_date, on=on
        )
        accrued = penalty_accrued(
            base_minor=state.base_minor,
            annual_rate=self.penalty_rate,
            basis_days=self.penalty_basis_days,
            days=days,
            mode=self.terms.rounding,
        )
        return state.anchor_unpaid_minor + accrued

    def principal_outstanding(self) -> int:
        return sum(row.unpaid_principal_minor for row in self.rows)

    def unbilled_principal(self) -> int:
        return sum(row.unpaid_principal_minor for row in self.rows[self.billed_count :])

    def balances(self) -> Balances:
        """The sub-ledger as recognised through `opened_through`."""
        on = self.opened_through
        written_off = self.status is LoanStatus.CHARGED_OFF
        accrued = self.accrued_unbilled(on)
        penalty_unpaid = self.penalty_unpaid(on)
        billed = self.billed_rows()
        return Balances(
            principal_minor=0 if written_off else self.principal_outstanding(),
            interest_minor=0
            if written_off
            else sum(r.unpaid_interest_minor for r in billed) + accrued,
            fee_minor=0 if written_off else sum(r.unpaid_fee_minor for r in billed),
            penalty_minor=0 if written_off else penalty_unpaid,
            credit_minor=self.credit_balance_minor,
            interest_income_minor=self.interest_income_closed_minor + accrued,
            fee_income_minor=self.fee_income_minor,
            penalty_income_minor=self.penalty.income_closed_minor
            + penalty_unpaid
            - self.penalty.anchor_unpaid_minor,
            disbursed_minor=self.disbursed_minor,
            received_minor=self.received_minor,
            paid_out_minor=self.paid_out_minor,
            written_off_minor=self.written_off_minor,
            recovered_minor=self.recovered_minor,
        )

    def copy(self) -> Loan:
        return copy.deepcopy(self)

    # ---- moving through days -----------------------------------------------------------

    def advance_to(self, day: date) -> None:
        """Close every day before `day` and open `day`: the state an event on `day` must see."""
        if day < self.opened_through:
            raise DateOutOfRange(
                f"loan {self.loan_id} is already at {self.opened_through}; an event cannot be "
                f"dated {day}, before it"
            )
        if (day - self.closed_through).days > MAX_CATCH_UP_DAYS:
            raise DateOutOfRange(
                f"{day} is more than {MAX_CATCH_UP_DAYS} days after loan {self.loan_id}'s "
                f"last day ({self.closed_through}); check the date"
            )
        while self.closed_through + ONE_DAY < day:
            self.close_day(self.closed_through + ONE_DAY)
        self.open_day(day)

    def close_through(self, day: date) -> None:
        """Run every day up to and including `day` to its end (what EOD does for this loan)."""
        while self.closed_through < day:
            self.close_day(self.closed_through + ONE_DAY)

    def close_day(self, day: date) -> None:
        self.open_day(day)
        self.end_of_day(day)

    def open_day(self, day: date) -> None:
        """Bill what falls due on `day` and let a credit balance pay it."""
        if self.opened_through >= day:
            return
        require(self.opened_through + ONE_DAY == day, "days open one at a time, in order")
        self.opened_through = day
        if not self.status.accrues:
            return
        if self._bill_due_rows(day) and self.credit_balance_minor > 0:
            apply_credit_balance(self, day)

    def end_of_day(self, day: date) -> None:
        """Late fees, delinquency, penalty re-anchoring and charge-off at the end of `day`."""
        if self.closed_through >= day:
            return
        require(self.opened_through >= day, "a day must be opened before it is closed")
        require(self.closed_through + ONE_DAY == day, "days close one at a time, in order")
        self.closed_through = day
        if not self.status.accrues:
            return
        self._charge_late_fees(day)
        self.refresh_delinquency(day)
        if self.days_past_due >= self.product.charge_off_dpd:
            self.charge_off(day)

    def _bill_due_rows(self, day: date) -> bool:
        billed_any = False
        while (row := self.current_row()) is not None and row.due_date <= day:
            # By its due date the row's interest has accrued in full: move it to "billed".
            self.interest_income_closed_minor += row.interest_minor
            self.fee_income_minor += row.fee_minor
            self.billed_count += 1
            billed_any = True
        return billed_any

    def _charge_late_fees(self, day: date) -> None:
        late_fee = self.product.late_fee_minor
        if late_fee == 0:
            return
        first_late_day = timedelta(days=self.product.grace_days + 1)
        for row in self.billed_rows():
            if row.due_date + first_late_day == day and not row.settled and not row.late_fee_minor:
                row.late_fee_minor = late_fee
                self.fee_income_minor += late_fee

    def materialise_penalty(self, day: date) -> None:
        """Fold the penalty accrued since the anchor into the anchor, at `day`."""
        unpaid = self.penalty_unpaid(day)
        state = self.penalty
        state.income_closed_minor += unpaid - state.anchor_unpaid_minor
        state.anchor_unpaid_minor = unpaid
        state.anchor_date = max(state.anchor_date, day)

    def refresh_delinquency(self, day: date) -> None:
        """Oldest unpaid due date, days past due, status, and the penalty base from `day` on."""
        unpaid_rows = [row for row in self.billed_rows() if not row.settled]
        oldest = unpaid_rows[0].due_date if unpaid_rows else None
        base = sum(row.unpaid_principal_minor for row in unpaid_rows)
        threshold = penalty_threshold(oldest, self.product.grace_days)
        if (base, threshold) != (self.penalty.base_minor, self.penalty.threshold_date):
            self.materialise_penalty(day)
            self.penalty.base_minor = base
            self.penalty.threshold_date = threshold
        self.oldest_unpaid_due_date = oldest
        self.days_past_due = (day - oldest).days if oldest is not None and oldest < day else 0
        if self.status.accrues:
            target = LoanStatus.OVERDUE if self.days_past_due > 0 else LoanStatus.ACTIVE
            self.status = transition(self.status, target, loan_id=self.loan_id)

    def charge_off(self, day: date) -> None:
        """Write everything receivable off; accrual stops for good."""
        require(self.opened_through == day, "charge-off happens on the loan's open day")
        receivable = self.balances().receivable_minor
        self.materialise_penalty(day)
        self.interest_income_closed_minor += self.accrued_unbilled(day)
        self.status = transition(self.status, LoanStatus.CHARGED_OFF, loan_id=self.loan_id)
        self.written_off_minor += receivable
        self.charged_off_on = day

    def close_if_repaid(self) -> None:
        """Close the loan once no principal, billed amount or penalty is left."""
        if not self.status.accrues:
            return
        day = self.opened_through
        nothing_billed = all(row.settled for row in self.billed_rows())
        if self.principal_outstanding() == 0 and nothing_billed and self.penalty_unpaid(day) == 0:
            # Future rows can only hold interest on a zero balance: not owed, so they go, and any
            # of it accrued so far is un-recognised by this event's entry.
            del self.rows[self.billed_count :]
            self.status = transition(self.status, LoanStatus.CLOSED, loan_id=self.loan_id)
            self.oldest_unpaid_due_date = None
            self.days_past_due = 0


def rows_from_schedule(schedule: Schedule) -> list[InstalmentRow]:
    """Serviceable rows of a new loan's schedule (each row accrues from the previous due date)."""
    terms = schedule.terms
    rows = []
    previous = terms.start_date
    for instalment in schedule.instalments:
        is_down_payment = instalment.due_date == terms.start_date and instalment.interest_minor == 0
        rows.append(
            InstalmentRow(
                seq=instalment.period,
                due_date=instalment.due_date,
                accrual_start=previous,
                principal_minor=instalment.principal_minor,
                interest_minor=instalment.interest_minor,
                fee_minor=instalment.fee_minor,
                kind=RowKind.DOWN_PAYMENT if is_down_payment else RowKind.SCHEDULED,
            )
        )
        previous = instalment.due_date
    return rows


def originate(
    *,
    loan_id: int,
    product: Product,
    terms: ScheduleTerms,
    funder: str,
    facility_id: int | None = None,
    schedule: Schedule | None = None,
) -> Loan:
    """A new loan, approved and disbursed on its start date (down payment billed at once)."""
    start = terms.start_date
    loan = Loan(
        loan_id=loan_id,
        product=product,
        terms=terms,
        funder=funder,
        status=LoanStatus.APPROVED,
        rows=rows_from_schedule(schedule or generate_schedule(terms)),
        billed_count=0,
        opened_through=start - ONE_DAY,
        closed_through=start - ONE_DAY,
        penalty=PenaltyState(anchor_date=start),
        facility_id=facility_id,
    )
    loan.status = transition(loan.status, LoanStatus.ACTIVE, loan_id=loan_id)
    loan.disbursed_minor = terms.principal_minor
    loan.open_day(start)
    return loan
