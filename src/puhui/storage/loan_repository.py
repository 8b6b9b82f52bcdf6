"""Loans to and from rows: the loan row holds the sub-ledger counters, instalments their rows.

The loan row also carries a denormalised copy of what end-of-day needs (the next instalment,
billed-unpaid totals), refreshed on every save, so the batch reads one table.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from puhui.compliance.profile import JurisdictionProfile
from puhui.loans.errors import LoanNotFound
from puhui.loans.lifecycle import LoanStatus
from puhui.loans.loan import InstalmentRow, Loan, PenaltyState, RowKind
from puhui.loans.serialise import terms_from_dict, terms_to_dict
from puhui.storage.product_repository import ProductRepository
from puhui.storage.tables import instalments, loans

ONE_DAY = timedelta(days=1)

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


def _instalment_values(loan_id: int, row: InstalmentRow) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in INSTALMENT_FIELDS}
    values["loan_id"] = loan_id
    values["kind"] = row.kind.value
    return values


class LoanRepository:
    """Loads and saves loan aggregates; `last_closed` is the business calendar's closed date."""

    def __init__(
        self,
        connection: sa.Connection,
        products: ProductRepository,
        last_closed: date | None,
        profile: JurisdictionProfile,
    ) -> None:
        self._connection = connection
        self._profile = profile
        self._products = products
        self._last_closed = last_closed
        self._loaded_rows: dict[int, list[tuple[Any, ...]]] = {}

    def add(self, loan: Loan, *, product_id: int, borrower_ref: str) -> int:
        values = loan_state_columns(loan, self._profile)
        values.update(
            product_id=product_id,
            funder=loan.funder,
            currency=loan.terms.currency.code,
            borrower_ref=borrower_ref,
            facility_id=loan.facility_id,
            terms=json.dumps(terms_to_dict(loan.terms)),
            principal_minor=loan.terms.principal_minor,
            start_date=loan.terms.start_date,
            rounding=loan.terms.rounding.value,
            penalty_rate_numerator=loan.penalty_rate.numerator,
            penalty_rate_denominator=loan.penalty_rate.denominator,
            penalty_basis_days=loan.penalty_basis_days,
        )
        result = self._connection.execute(sa.insert(loans).values(**values))
        loan_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        self._connection.execute(
            sa.insert(instalments), [_instalment_values(loan_id, row) for row in loan.rows]
        )
        return loan_id

    def get(self, loan_id: int, *, for_update: bool = True) -> Loan:
        query = sa.select(loans).where(loans.c.id == loan_id)
        if for_update and self._connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        if row is None:
            raise LoanNotFound(f"no loan with id {loan_id}; check the id")
        rows = (
            self._connection.execute(
                sa.select(instalments)
                .where(instalments.c.loan_id == loan_id)
                .order_by(instalments.c.seq)
            )
            .mappings()
            .all()
        )
        self._loaded_rows[loan_id] = [tuple(r[name] for name in INSTALMENT_FIELDS) for r in rows]
        return self._to_loan(row, rows)

    def _to_loan(self, row: Any, rows: Any) -> Loan:
        product = self._products.by_id(row["product_id"])
        opened = row["opened_through"]
        closed = opened - ONE_DAY
        if self._last_closed is not None and self._last_closed >= opened:
            # End-of-day has run past this loan's last event: its days are closed and open.
            opened = closed = self._last_closed
        return Loan(
            loan_id=row["id"],
            product=product,
            terms=terms_from_dict(json.loads(row["terms"])),
            funder=row["funder"],
            status=LoanStatus(row["status"]),
            rows=[
                InstalmentRow(
                    **{name: r[name] for name in INSTALMENT_FIELDS}, kind=RowKind(r["kind"])
                )
                for r in rows
            ],
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
        """Write the loan row and the instalments that changed since `get`."""
        self._connection.execute(
            sa.update(loans)
            .where(loans.c.id == loan.loan_id)
            .values(**loan_state_columns(loan, self._profile))
        )
        before = self._loaded_rows.get(loan.loan_id, [])
        after = [tuple(getattr(r, name) for name in INSTALMENT_FIELDS) for r in loan.rows]
        self._loaded_rows[loan.loan_id] = after
        if len(before) == len(after):
            changed = [
                {
                    **_instalment_values(loan.loan_id, row),
                    "b_loan_id": loan.loan_id,
                    "b_seq": row.seq,
                }
                for row, old, new in zip(loan.rows, before, after, strict=True)
                if old != new
            ]
            if changed:
                self._connection.execute(_UPDATE_INSTALMENT, changed)
            return
        # Rows were inserted or removed (prepayment, refund, payoff): rewrite from the first change.
        first_change = next(
            (i for i, (old, new) in enumerate(zip(before, after, strict=False)) if old != new),
            min(len(before), len(after)),
        )
        self._connection.execute(
            sa.delete(instalments).where(
                instalments.c.loan_id == loan.loan_id, instalments.c.seq > first_change
            )
        )
        rewritten = loan.rows[first_change:]
        if rewritten:
            self._connection.execute(
                sa.insert(instalments), [_instalment_values(loan.loan_id, r) for r in rewritten]
            )


_UPDATE_INSTALMENT = sa.update(instalments).where(
    instalments.c.loan_id == sa.bindparam("b_loan_id"), instalments.c.seq == sa.bindparam("b_seq")
)
