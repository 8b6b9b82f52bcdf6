"""Loans to and from rows: the loan row holds the sub-ledger counters, instalments their rows.

The loan row also carries a denormalised copy of what end-of-day needs (the next instalment,
billed-unpaid totals), refreshed on every save, so the batch reads one table. Reads and saves of
an existing loan are on every payment's path and go through `driver` (plain DBAPI); booking a new
loan uses SQLAlchemy Core.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa

from puhui.compliance.profile import JurisdictionProfile
from puhui.loans.errors import LoanNotFound
from puhui.loans.lifecycle import LoanStatus
from puhui.loans.loan import ONE_DAY, InstalmentRow, Loan, PenaltyState, RowKind
from puhui.loans.serialise import terms_from_dict, terms_to_dict
from puhui.loans.terms import ScheduleTerms
from puhui.storage.driver import Driver, from_day, to_day
from puhui.storage.product_repository import ProductRepository

INSTALMENT_FIELDS = (
    "seq",
    "due_date",
    "accrual_start",
    "principal_minor",
    "interest_minor",
    "fee_minor",
    "accrual_anchor_minor",
    "late_fee_minor",
    "paid_principal_minor",
    "paid_interest_minor",
    "paid_fee_minor",
)


def loan_state_columns(loan: Loan, profile: JurisdictionProfile) -> dict[str, Any]:
    """Every mutable column of a loan row, derived from the aggregate."""
    current = loan.current_row()
    billed = loan.billed_rows()
    return {
        "delinquency_bucket": profile.bucket(loan.days_past_due),
        "classification": profile.classify(loan.days_past_due),
        "status": loan.status.value,
        "billed_count": loan.billed_count,
        "opened_through": loan.opened_through,
        "credit_balance_minor": loan.credit_balance_minor,
        "oldest_unpaid_due_date": loan.oldest_unpaid_due_date,
        "days_past_due": loan.days_past_due,
        "interest_income_closed_minor": loan.interest_income_closed_minor,
        "fee_income_minor": loan.fee_income_minor,
        "disbursed_minor": loan.disbursed_minor,
        "received_minor": loan.received_minor,
        "paid_out_minor": loan.paid_out_minor,
        "written_off_minor": loan.written_off_minor,
        "recovered_minor": loan.recovered_minor,
        "refunded_minor": loan.refunded_minor,
        "charged_off_on": loan.charged_off_on,
        "penalty_anchor_date": loan.penalty.anchor_date,
        "penalty_anchor_unpaid_minor": loan.penalty.anchor_unpaid_minor,
        "penalty_base_minor": loan.penalty.base_minor,
        "penalty_threshold_date": loan.penalty.threshold_date,
        "penalty_income_closed_minor": loan.penalty.income_closed_minor,
        "next_due_date": current.due_date if current else None,
        "next_accrual_start": current.accrual_start if current else None,
        "next_accrual_anchor_minor": current.accrual_anchor_minor if current else 0,
        "next_principal_minor": current.principal_minor if current else 0,
        "next_interest_minor": current.interest_minor if current else 0,
        "next_fee_minor": current.fee_minor if current else 0,
        "billed_principal_minor": sum(r.unpaid_principal_minor for r in billed),
        "billed_interest_minor": sum(r.unpaid_interest_minor for r in billed),
        "billed_fee_minor": sum(r.unpaid_fee_minor for r in billed),
        "principal_outstanding_minor": loan.principal_outstanding(),
        "row_count": len(loan.rows),
    }


def new_loan_columns(
    loan: Loan, *, product_id: int, borrower_ref: str, profile: JurisdictionProfile
) -> dict[str, Any]:
    """Every column of a new loan's row: its fixed terms and its initial state."""
    return {
        **loan_state_columns(loan, profile),
        **_fixed_columns(loan, product_id=product_id, borrower_ref=borrower_ref),
    }


def _fixed_columns(loan: Loan, *, product_id: int, borrower_ref: str) -> dict[str, Any]:
    """The columns a loan's row keeps from its booking on."""
    return {
        "product_id": product_id,
        "funder": loan.funder,
        "currency": loan.terms.currency.code,
        "borrower_ref": borrower_ref,
        "facility_id": loan.facility_id,
        "terms": json.dumps(terms_to_dict(loan.terms)),
        "principal_minor": loan.terms.principal_minor,
        "start_date": loan.terms.start_date,
        "rounding": loan.terms.rounding.value,
        "penalty_rate_numerator": loan.penalty_rate.numerator,
        "penalty_rate_denominator": loan.penalty_rate.denominator,
        "penalty_basis_days": loan.penalty_basis_days,
    }


def instalment_columns(loan_id: int, row: InstalmentRow) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in INSTALMENT_FIELDS}
    values["loan_id"] = loan_id
    values["kind"] = row.kind.value
    return values


def _driver_value(value: Any) -> Any:
    """Loan and instalment dates are day numbers in the database (`types.EpochDay`)."""
    return to_day(value) if isinstance(value, date) else value


@functools.lru_cache(maxsize=4096)
def _terms(text: str) -> ScheduleTerms:
    """Terms are immutable, and many loans share them: parse (and validate) each text once."""
    return terms_from_dict(json.loads(text))


_LOAN_COLUMNS = (
    "id",
    "product_id",
    "terms",
    "funder",
    "status",
    "billed_count",
    "opened_through",
    "penalty_anchor_date",
    "penalty_anchor_unpaid_minor",
    "penalty_base_minor",
    "penalty_threshold_date",
    "penalty_income_closed_minor",
    "credit_balance_minor",
    "oldest_unpaid_due_date",
    "days_past_due",
    "interest_income_closed_minor",
    "fee_income_minor",
    "disbursed_minor",
    "received_minor",
    "paid_out_minor",
    "written_off_minor",
    "recovered_minor",
    "refunded_minor",
    "charged_off_on",
    "facility_id",
)
_LOAN_DATES = {
    "opened_through",
    "penalty_anchor_date",
    "penalty_threshold_date",
    "oldest_unpaid_due_date",
    "charged_off_on",
}
_SELECT_LOAN = f"SELECT {', '.join(_LOAN_COLUMNS)} FROM loans WHERE id = ?"
_INSTALMENT_COLUMNS = (*INSTALMENT_FIELDS, "kind")
_SELECT_INSTALMENTS = (
    f"SELECT {', '.join(_INSTALMENT_COLUMNS)} FROM instalments WHERE loan_id = ? ORDER BY seq"
)
_INSERT_INSTALMENT_SQL = (
    f"INSERT INTO instalments (loan_id, {', '.join(_INSTALMENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(_INSTALMENT_COLUMNS) + 1))})"
)
_UPDATE_INSTALMENT_SQL = (
    "UPDATE instalments SET "
    + ", ".join(f"{name} = ?" for name in _INSTALMENT_COLUMNS)
    + " WHERE loan_id = ? AND seq = ?"
)


def _instalment_tuple(row: InstalmentRow) -> tuple[Any, ...]:
    return (*(_driver_value(getattr(row, name)) for name in INSTALMENT_FIELDS), row.kind.value)


class LoanRepository:
    """Loads and saves loan aggregates; `last_closed` gives the business calendar's closed date
    (asked when a loan is read: the calendar's read may still be on its way)."""

    def __init__(
        self,
        connection: sa.Connection,
        products: ProductRepository,
        last_closed: Callable[[], date | None],
        profile: JurisdictionProfile,
    ) -> None:
        self._connection = connection
        self._driver = Driver(connection)
        self._profile = profile
        self._products = products
        self._last_closed = last_closed
        # Snapshots of the instalments as read, so `save` writes only the rows that changed.
        self._loaded_rows: dict[int, list[tuple[object, ...]]] = {}
        self._update_sql: str | None = None
        self._insert_sql: str | None = None
        # The state columns `add` wrote, until the loan's first `save` (see there).
        self._booked_state: dict[int, tuple[Any, ...]] = {}

    def add(self, loan: Loan, *, product_id: int, borrower_ref: str) -> int:
        state = loan_state_columns(loan, self._profile)
        values = {
            **state,
            **_fixed_columns(loan, product_id=product_id, borrower_ref=borrower_ref),
        }
        if self._insert_sql is None:  # the columns come in a fixed order
            marks = ", ".join("?" * len(values))
            self._insert_sql = f"INSERT INTO loans ({', '.join(values)}) VALUES ({marks})"
        loan_id = self._driver.insert_id(
            self._insert_sql, [_driver_value(v) for v in values.values()]
        )
        self._booked_state[loan_id] = tuple(_driver_value(v) for v in state.values())
        self._driver.many_later(
            _INSERT_INSTALMENT_SQL, [(loan_id, *_instalment_tuple(row)) for row in loan.rows]
        )
        self._loaded_rows[loan_id] = [row.snapshot() for row in loan.rows]
        return loan_id

    def get(self, loan_id: int, *, for_update: bool = True) -> Loan:
        lock = " FOR UPDATE" if for_update and self._driver.postgres else ""
        found = self._driver.one(_SELECT_LOAN + lock, (loan_id,))
        if found is None:
            raise LoanNotFound(f"no loan with id {loan_id}; check the id")
        row = dict(zip(_LOAN_COLUMNS, found, strict=True))
        for name in _LOAN_DATES:
            row[name] = from_day(row[name])
        loan = self._to_loan(row, self._driver.all(_SELECT_INSTALMENTS, (loan_id,)))
        self._loaded_rows[loan_id] = [r.snapshot() for r in loan.rows]
        return loan

    def _to_loan(self, row: dict[str, Any], rows: list[tuple[Any, ...]]) -> Loan:
        product = self._products.by_id(row["product_id"])
        opened = row["opened_through"]
        closed = opened - ONE_DAY
        last_closed = self._last_closed()
        if last_closed is not None and last_closed >= opened:
            # End-of-day has run past this loan's last event: its days are closed and open.
            opened = closed = last_closed
        instalment_rows = []
        for values in rows:
            fields = dict(zip(INSTALMENT_FIELDS, values, strict=False))
            fields["due_date"] = from_day(fields["due_date"])
            fields["accrual_start"] = from_day(fields["accrual_start"])
            instalment_rows.append(InstalmentRow(**fields, kind=RowKind(values[-1])))
        return Loan(
            loan_id=row["id"],
            product=product,
            terms=_terms(row["terms"]),
            funder=row["funder"],
            status=LoanStatus(row["status"]),
            rows=instalment_rows,
            billed_count=row["billed_count"],
            opened_through=opened,
            closed_through=closed,
            penalty=PenaltyState(
                anchor_date=row["penalty_anchor_date"],
                anchor_unpaid_minor=row["penalty_anchor_unpaid_minor"],
                base_minor=row["penalty_base_minor"],
                threshold_date=row["penalty_threshold_date"],
                income_closed_minor=row["penalty_income_closed_minor"],
            ),
            credit_balance_minor=row["credit_balance_minor"],
            oldest_unpaid_due_date=row["oldest_unpaid_due_date"],
            days_past_due=row["days_past_due"],
            interest_income_closed_minor=row["interest_income_closed_minor"],
            fee_income_minor=row["fee_income_minor"],
            disbursed_minor=row["disbursed_minor"],
            received_minor=row["received_minor"],
            paid_out_minor=row["paid_out_minor"],
            written_off_minor=row["written_off_minor"],
            recovered_minor=row["recovered_minor"],
            refunded_minor=row["refunded_minor"],
            charged_off_on=row["charged_off_on"],
            facility_id=row["facility_id"],
        )

    def save(self, loan: Loan) -> None:
        """Write the loan row and the instalments that changed since `get` (or `add`)."""
        columns = loan_state_columns(loan, self._profile)
        if self._update_sql is None:
            self._update_sql = (
                "UPDATE loans SET " + ", ".join(f"{name} = ?" for name in columns) + " WHERE id = ?"
            )
        state = tuple(_driver_value(v) for v in columns.values())
        if self._booked_state.pop(loan.loan_id, None) != state:
            # (A loan booked by `add` is saved right after, its disbursal recorded, unchanged:
            # rewriting the row would only update every index on it again.)
            self._driver.later(self._update_sql, (*state, loan.loan_id))
        before = self._loaded_rows.get(loan.loan_id, [])
        after = [row.snapshot() for row in loan.rows]
        self._loaded_rows[loan.loan_id] = after
        if len(before) == len(after):
            self._driver.many_later(
                _UPDATE_INSTALMENT_SQL,
                [
                    (*_instalment_tuple(row), loan.loan_id, row.seq)
                    for row, old, new in zip(loan.rows, before, after, strict=True)
                    if new != old
                ],
            )
            return
        # Rows were inserted or removed (prepayment, refund, payoff): rewrite from the first change.
        first_change = next(
            (i for i, (old, new) in enumerate(zip(before, after, strict=False)) if old != new),
            min(len(before), len(after)),
        )
        self._driver.later(
            "DELETE FROM instalments WHERE loan_id = ? AND seq > ?", (loan.loan_id, first_change)
        )
        self._driver.many_later(
            _INSERT_INSTALMENT_SQL,
            [(loan.loan_id, *_instalment_tuple(row)) for row in loan.rows[first_change:]],
        )
