"""One chunk of loans through one business day, in one transaction.

Billing, late fees and delinquency are computed with NumPy over the chunk's matrix (see
`eod_reads`); changed rows are written back in one statement; the day's accruals and fees are
posted as one entry per funder. Loans whose day is not plain go through the one-loan engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from puhui.batch.columns import day_number
from puhui.batch.eod_reads import (
    DAY_COLUMNS,
    READ_COLUMNS,
    LoanChunk,
    following_rows,
    interest_accrued,
    late_fees,
    read_chunk,
)
from puhui.batch.product_parameters import ProductParameters, load_product_parameters
from puhui.batch.vector_math import (
    NO_DAY,
    BoolArray,
    Int64Array,
    accrued_interest_from_row,
    penalty_accrued_from_row,
)
from puhui.compliance.profile import JurisdictionProfile
from puhui.ledger.accounts import Account
from puhui.ledger.entries import entry_from_deltas, system_key
from puhui.ledger.service import post_entry
from puhui.loans.accounting import loan_entry
from puhui.loans.lifecycle import LoanStatus
from puhui.storage.driver import Driver
from puhui.storage.funder_repository import FunderRepository
from puhui.storage.journal_repository import JournalRepository
from puhui.storage.loan_repository import LoanRepository
from puhui.storage.product_repository import ProductRepository

# Columns written back for changed loans (the loan id goes last, for the WHERE clause).
_WRITE = [
    "status",
    "billed_count",
    "billed_principal_minor",
    "billed_interest_minor",
    "billed_fee_minor",
    "interest_income_closed_minor",
    "fee_income_minor",
    "oldest_unpaid_due_date",
    "days_past_due",
    "delinquency_bucket",
    "classification",
    "penalty_anchor_date",
    "penalty_anchor_unpaid_minor",
    "penalty_base_minor",
    "penalty_threshold_date",
    "penalty_income_closed_minor",
    "next_due_date",
    "next_accrual_start",
    "next_accrual_anchor_minor",
    "next_principal_minor",
    "next_interest_minor",
    "next_fee_minor",
]


@dataclass
class DaySummary:
    """What one business date's end-of-day did."""

    business_date: date
    loans_processed: int = 0
    loans_written: int = 0
    one_loan_path: int = 0
    instalments_billed: int = 0
    late_fees_charged: int = 0
    charged_off: int = 0
    interest_accrued_minor: int = 0
    penalty_accrued_minor: int = 0
    fees_billed_minor: int = 0
    seconds: float = 0.0
    chunks_skipped: int = 0


def process_chunk(
    connection: sa.Connection,
    day: date,
    first_id: int,
    end_id: int,
    profile: JurisdictionProfile,
    summary: DaySummary,
) -> None:
    funders = FunderRepository(connection).codes()
    interest_sums, processed = interest_accrued(connection, day, first_id, end_id, funders)
    summary.loans_processed += processed
    chunk = read_chunk(connection, day, first_id, end_id, funders)
    parameters = load_product_parameters(connection)
    d = np.int64(day_number(day))
    col = chunk.column
    to_open = col("opened_through") < d
    product = col("product_id")
    next_due = col("next_due_date")
    oldest = col("oldest_unpaid_due_date")
    billing = to_open & (next_due == d)
    one_loan = (
        (to_open & (next_due != NO_DAY) & (next_due < d))  # a missed billing: never expected
        | (billing & (col("credit_balance_minor") > 0))
        | ((oldest != NO_DAY) & (d - oldest >= parameters.charge_off_dpd[product]))
    )
    following = following_rows(connection, chunk, billing & ~one_loan, day)
    one_loan |= billing & (following["due"] == d)  # two instalments due the same day
    vector = ~one_loan
    _vectorised_day(
        connection,
        chunk,
        day,
        vector,
        to_open,
        billing & vector,
        following,
        parameters,
        profile,
        interest_sums,
        summary,
    )
    _one_loan_day(connection, col("id")[one_loan], day, profile, summary)


def _vectorised_day(
    connection: sa.Connection,
    chunk: LoanChunk,
    day: date,
    selected: BoolArray,
    to_open: BoolArray,
    billing: BoolArray,
    following: dict[str, Int64Array],
    parameters: ProductParameters,
    profile: JurisdictionProfile,
    interest_sums: dict[str, int],
    summary: DaySummary,
) -> None:
    col = chunk.column
    d = np.int64(day_number(day))
    today = np.full(len(chunk.data), d, np.int64)
    accruing = selected & to_open
    since = np.maximum(d - 1, col("opened_through"))

    # 1. Interest and penalty accrued through D, on the segments valid before today's changes.
    def accrued(on: Int64Array) -> Int64Array:
        return accrued_interest_from_row(col, on)

    def penalty_unpaid(on: Int64Array) -> Int64Array:
        return col("penalty_anchor_unpaid_minor") + penalty_accrued_from_row(col, on)

    # Interest was summed in SQL over the whole chunk; the loans left to the one-loan engine
    # book their own day's interest, so theirs comes off the sum.
    one_loan_interest = np.where(~selected & to_open, accrued(today) - accrued(since), 0)
    penalty_today = penalty_unpaid(today)
    penalty_delta = np.where(accruing, penalty_today - penalty_unpaid(since), 0)

    # 2. Bill the instalment due today; the following one starts accruing.
    new = {name: col(name).copy() for name in READ_COLUMNS}
    for column, source in (
        ("billed_principal_minor", "next_principal_minor"),
        ("billed_interest_minor", "next_interest_minor"),
        ("billed_fee_minor", "next_fee_minor"),
        ("interest_income_closed_minor", "next_interest_minor"),
        ("fee_income_minor", "next_fee_minor"),
    ):
        new[column][billing] += col(source)[billing]
    new["billed_count"][billing] += 1
    for column, source in (
        ("next_due_date", "due"),
        ("next_accrual_start", "start"),
        ("next_accrual_anchor_minor", "anchor"),
        ("next_principal_minor", "principal"),
        ("next_interest_minor", "interest"),
        ("next_fee_minor", "fee"),
    ):
        new[column][billing] = following[source][billing]
    fees_billed = np.where(billing, col("next_fee_minor"), 0)

    # 3. Late fees on instalments whose grace days ended yesterday.
    positions, seqs, fees = late_fees(connection, chunk, day, parameters, selected)
    np.add.at(new["billed_fee_minor"], positions, fees)
    np.add.at(new["fee_income_minor"], positions, fees)
    np.add.at(fees_billed, positions, fees)
    late = np.zeros(len(chunk.data), np.bool_)
    late[positions] = True
    if len(positions):
        Driver(connection).many(
            "UPDATE instalments SET late_fee_minor = ? WHERE loan_id = ? AND seq = ?",
            [
                (int(f), int(chunk.column("id")[p]), int(s))
                for p, s, f in zip(positions, seqs, fees, strict=True)
            ],
        )

    # 4. Delinquency: oldest unpaid due date, penalty base, days past due, status.
    billed_total = (
        new["billed_principal_minor"] + new["billed_interest_minor"] + new["billed_fee_minor"]
    )
    oldest = col("oldest_unpaid_due_date")
    new_oldest = np.where(selected & (oldest == NO_DAY) & (billed_total > 0), d, oldest)
    grace = parameters.grace_days[col("product_id")]
    threshold = np.where(new_oldest == NO_DAY, NO_DAY, new_oldest + grace)
    base = new["billed_principal_minor"]
    rebase = selected & (
        (base != col("penalty_base_minor")) | (threshold != col("penalty_threshold_date"))
    )
    new["penalty_income_closed_minor"] = np.where(
        rebase,
        col("penalty_income_closed_minor") + penalty_today - col("penalty_anchor_unpaid_minor"),
        col("penalty_income_closed_minor"),
    )
    new["penalty_anchor_unpaid_minor"] = np.where(
        rebase, penalty_today, col("penalty_anchor_unpaid_minor")
    )
    new["penalty_anchor_date"] = np.where(
        rebase, np.maximum(col("penalty_anchor_date"), d), col("penalty_anchor_date")
    )
    new["penalty_base_minor"] = np.where(rebase, base, col("penalty_base_minor"))
    new["penalty_threshold_date"] = np.where(rebase, threshold, col("penalty_threshold_date"))
    new["oldest_unpaid_due_date"] = np.where(selected, new_oldest, oldest)
    dpd = np.where((new_oldest != NO_DAY) & (new_oldest < d), d - new_oldest, 0)
    new["days_past_due"] = np.where(selected, dpd, col("days_past_due"))
    new["overdue"] = np.where(selected, (dpd > 0).astype(np.int64), col("overdue"))

    changed = selected & (
        billing
        | late
        | rebase
        | (new["days_past_due"] != col("days_past_due"))
        | (new["overdue"] != col("overdue"))
    )
    _write_changed(connection, chunk, new, changed, profile)
    interest = _less_per_funder(interest_sums, chunk, one_loan_interest)
    _post_accruals(connection, chunk, day, selected, interest, penalty_delta, fees_billed)
    summary.loans_written += int(changed.sum())
    summary.instalments_billed += int(billing.sum())
    summary.late_fees_charged += len(positions)
    summary.interest_accrued_minor += sum(interest.values())
    summary.penalty_accrued_minor += int(penalty_delta.sum())
    summary.fees_billed_minor += int(fees_billed.sum())


def _nullable_days(days: Int64Array) -> list[object]:
    return [None if d == NO_DAY else d for d in days.tolist()]


def _write_changed(
    connection: sa.Connection,
    chunk: LoanChunk,
    new: dict[str, Int64Array],
    changed: BoolArray,
    profile: JurisdictionProfile,
) -> None:
    if not changed.any():
        return
    dpd = new["days_past_due"][changed]
    bucket_starts = np.array([b.min_days_past_due for b in profile.delinquency_buckets])
    class_starts = np.array([b.min_days_past_due for b in profile.classification])
    bucket_names = np.array([b.name for b in profile.delinquency_buckets], dtype=object)
    class_names = np.array([b.name for b in profile.classification], dtype=object)
    columns: dict[str, list[object]] = {
        "status": ["overdue" if o else "active" for o in new["overdue"][changed].tolist()],
        "delinquency_bucket": bucket_names[
            np.searchsorted(bucket_starts, dpd, "right") - 1
        ].tolist(),
        "classification": class_names[np.searchsorted(class_starts, dpd, "right") - 1].tolist(),
    }
    for name in _WRITE:
        if name in columns:
            continue
        values = new[name][changed]
        columns[name] = _nullable_days(values) if name in DAY_COLUMNS else values.tolist()
    ids = chunk.column("id")[changed].tolist()
    sql = "UPDATE loans SET " + ", ".join(f"{name} = ?" for name in _WRITE) + " WHERE id = ?"
    Driver(connection).many(sql, zip(*(columns[n] for n in _WRITE), ids, strict=True))


def _less_per_funder(sums: dict[str, int], chunk: LoanChunk, amounts: Int64Array) -> dict[str, int]:
    funder_index = chunk.column("funder_index")
    return {
        funder: total - int(amounts[funder_index == index].sum())
        for index, (funder, total) in enumerate(sums.items())
    }


def _post_accruals(
    connection: sa.Connection,
    chunk: LoanChunk,
    day: date,
    selected: BoolArray,
    interest: dict[str, int],
    penalty: Int64Array,
    fees: Int64Array,
) -> None:
    """One aggregated entry per funder: interest and penalty accrued, fees billed."""
    journal = JournalRepository(connection)
    first_id = chunk.first_id
    funder_index = chunk.column("funder_index")
    for index, funder in enumerate(chunk.funders):
        mine = selected & (funder_index == index)
        interest_sum = interest.get(funder, 0)
        penalty_sum = int(penalty[mine].sum())
        fee_sum = int(fees[mine].sum())
        entry = entry_from_deltas(
            idempotency_key=system_key("eod", day.isoformat(), first_id, funder),
            kind="eod_accrual",
            business_date=day,
            funder=funder,
            deltas={
                Account.INTEREST_RECEIVABLE: interest_sum,
                Account.INTEREST_INCOME: -interest_sum,
                Account.PENALTY_RECEIVABLE: penalty_sum,
                Account.PENALTY_INCOME: -penalty_sum,
                Account.FEE_RECEIVABLE: fee_sum,
                Account.FEE_INCOME: -fee_sum,
            },
            description=f"end of day {day}: accruals and fees, loans from id {first_id}",
        )
        if entry is not None:
            post_entry(journal, entry)


def _one_loan_day(
    connection: sa.Connection,
    ids: Int64Array,
    day: date,
    profile: JurisdictionProfile,
    summary: DaySummary,
) -> None:
    """Close the day for loans the vectorised path leaves to the one-loan engine."""
    if len(ids) == 0:
        return

    closed = day - timedelta(days=1)
    repository = LoanRepository(connection, ProductRepository(connection), lambda: closed, profile)
    journal = JournalRepository(connection)
    for loan_id in ids.tolist():
        loan = repository.get(loan_id, for_update=True)
        before = loan.balances()
        loan.close_through(day)
        entry = loan_entry(
            idempotency_key=system_key("eod", day.isoformat(), "loan", loan_id),
            kind="eod_loan",
            business_date=day,
            loan_id=loan_id,
            funder=loan.funder,
            currency=loan.terms.currency.code,
            before=before,
            after=loan.balances(),
        )
        if entry is not None:
            post_entry(journal, entry)
        repository.save(loan)
        summary.one_loan_path += 1
        if loan.status is LoanStatus.CHARGED_OFF and loan.charged_off_on == day:
            summary.charged_off += 1
