"""Rebuilding the rest of a schedule after principal is prepaid or refunded.

The rows still to be billed are replaced by new rows over the same due dates (reduce the
instalment) or fewer of them (reduce the term), starting from the day of the event: the first new
period runs from that day to the next due date, priced for those days only.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from puhui.core.rounding import allocate_largest_remainder
from puhui.loans.loan import InstalmentRow, Loan, RowKind
from puhui.loans.schedule import (
    AmortisationPlan,
    Instalment,
    amortise,
    fee_per_period,
    rate_factor,
    seasonal_rows,
)
from puhui.loans.terms import Method


def _remaining_factors(loan: Loan, day: date, due_dates: list[date]) -> list[Fraction]:
    current = loan.current_row()
    factors = []
    previous = day
    for index, due in enumerate(due_dates):
        regular = (current.accrual_start, due) if index == 0 and current else None
        factors.append(rate_factor(loan.terms, previous, due, regular))
        previous = due
    return factors


def _leading_grace(rows: list[InstalmentRow]) -> int:
    grace = 0
    for row in rows[:-1]:
        if row.principal_minor:
            break
        grace += 1
    return grace


def reamortise_unbilled(
    loan: Loan,
    day: date,
    *,
    new_balance_minor: int,
    shorten: bool,
    accrued_anchor_minor: int = 0,
    fee_basis_minor: int | None = None,
) -> None:
    """Replace the unbilled rows by new ones repaying `new_balance_minor` from `day`.

    `accrued_anchor_minor` is interest already accrued in the current period that stays owed (a
    refund keeps it; a prepayment has just billed and paid it, so passes 0).
    """
    old_rows = loan.rows[loan.billed_count :]
    if not old_rows:
        return
    terms = loan.terms
    due_dates = [row.due_date for row in old_rows if row.due_date > day]
    if new_balance_minor == 0 or not due_dates:
        del loan.rows[loan.billed_count :]
        return
    fee = (
        old_rows[0].fee_minor if fee_basis_minor is None else fee_per_period(terms, fee_basis_minor)
    )
    if terms.harvest_dates:
        new_rows = _seasonal(loan, day, old_rows, new_balance_minor, shorten, fee)
    else:
        plan = _plan(loan, day, old_rows, due_dates, new_balance_minor, shorten, fee)
        new_rows = amortise(terms, plan)
    serviced = []
    previous = day
    for index, row in enumerate(new_rows):
        anchor = accrued_anchor_minor if index == 0 else 0
        serviced.append(
            InstalmentRow(
                seq=0,  # renumbered below
                due_date=row.due_date,
                accrual_start=previous,
                principal_minor=row.principal_minor,
                interest_minor=row.interest_minor + anchor,
                fee_minor=row.fee_minor,
                accrual_anchor_minor=anchor,
            )
        )
        previous = row.due_date
    loan.rows[loan.billed_count :] = serviced
    renumber(loan)


def _plan(
    loan: Loan,
    day: date,
    old_rows: list[InstalmentRow],
    due_dates: list[date],
    balance: int,
    shorten: bool,
    fee: int,
) -> AmortisationPlan:
    method = loan.terms.method
    keep_total = keep_principal = None
    # Reduce-term keeps the level of the first amortising row (not an interest-only grace row).
    level_row = next((row for row in old_rows[:-1] if row.principal_minor > 0), None)
    if shorten and level_row is not None:
        if method is Method.EQUAL_INSTALMENT:
            keep_total = level_row.principal_minor + level_row.interest_minor
        elif method in (Method.EQUAL_PRINCIPAL, Method.FLAT):
            keep_principal = level_row.principal_minor
    return AmortisationPlan(
        balance_minor=balance,
        due_dates=tuple(due_dates),
        factors=tuple(_remaining_factors(loan, day, due_dates)),
        fee_per_period_minor=fee,
        grace_periods=_leading_grace(old_rows),
        interest_base_minor=balance if method is Method.FLAT else None,
        keep_level_total_minor=keep_total,
        keep_level_principal_minor=keep_principal,
    )


def _seasonal(
    loan: Loan, day: date, old_rows: list[InstalmentRow], balance: int, shorten: bool, fee: int
) -> list[Instalment]:
    """Seasonal loans: cut harvest principal pro rata, or from the last harvest backwards."""
    harvests = [row for row in old_rows if row.principal_minor > 0]
    old_principal = [row.unpaid_principal_minor for row in harvests]
    if shorten:
        parts = []
        remaining = balance
        for amount in old_principal:
            part = min(amount, remaining)
            parts.append(part)
            remaining -= part
    else:
        parts = allocate_largest_remainder(balance, old_principal)
    by_date = {row.due_date: part for row, part in zip(harvests, parts, strict=True)}
    return seasonal_rows(
        loan.terms, balance_minor=balance, start=day, principal_by_date=by_date, fee_minor=fee
    )


def settle_current_period(
    loan: Loan, day: date, *, principal_minor: int, fee_minor: int
) -> InstalmentRow:
    """Bill an unscheduled row due `day`: interest accrued to date, prepaid principal, fee.

    The current period is cut at `day`; its accrued interest becomes due now (the prepayment pays
    it), and the new schedule starts accruing from `day`.
    """
    current = loan.current_row()
    accrued = loan.accrued_unbilled(day)
    row = InstalmentRow(
        seq=current.seq if current else len(loan.rows) + 1,
        due_date=day,
        accrual_start=current.accrual_start if current else day,
        principal_minor=principal_minor,
        interest_minor=accrued,
        fee_minor=fee_minor,
        accrual_anchor_minor=current.accrual_anchor_minor if current else 0,
        kind=RowKind.PREPAYMENT,
    )
    loan.rows.insert(loan.billed_count, row)
    loan.billed_count += 1
    loan.interest_income_closed_minor += accrued
    loan.fee_income_minor += fee_minor
    renumber(loan)
    return row


def renumber(loan: Loan) -> None:
    """Keep instalment numbers 1..n in due-date order after rows were inserted or replaced."""
    for index, row in enumerate(loan.rows, start=1):
        row.seq = index
