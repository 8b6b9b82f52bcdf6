"""End-of-day: one business date for every live loan, set-based, idempotent and resumable.

For a date D the job does, for all loans at once (NumPy over columns read in one query per chunk):
accrue interest and penalty through D (posted as one aggregated entry per funder), bill the
instalments due on D, charge late fees on instalments just past their grace days, move due to
overdue (oldest unpaid due date, days past due, penalty base), classify by days past due, and
write back only the loans that changed. The rare loan whose day is not plain — a credit balance
to apply, a charge-off, two instalments due the same day — goes through the one-loan engine
(`Loan.close_through`), which is the reference the vectorised path is tested against.

Loans are processed in chunks of consecutive ids, each chunk in one transaction that also records
the chunk as done, so a run killed midway and started again skips finished chunks and ends with
exactly the balances of an uninterrupted run. Skipped dates are caught up one by one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa

from puhui.batch.columns import (
    day_expression,
    day_number,
    fetch_matrix,
    funder_index_sql,
    placeholder,
)
from puhui.batch.product_parameters import ProductParameters, load_product_parameters
from puhui.batch.sql_accrual import interest_accrued_today_sql
from puhui.batch.vector_math import (
    NO_DAY,
    BoolArray,
    Int64Array,
    penalty_accrued,
    penalty_days,
    straight_line_accrued,
)
from puhui.compliance.profile import JurisdictionProfile
from puhui.ledger.accounts import Account
from puhui.ledger.entries import entry_from_deltas
from puhui.ledger.service import post_entry
from puhui.loans.accounting import loan_entry
from puhui.loans.errors import BusinessDateClosed
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.funder_repository import FunderRepository
from puhui.storage.journal_repository import JournalRepository
from puhui.storage.loan_repository import LoanRepository
from puhui.storage.product_repository import ProductRepository
from puhui.storage.tables import IN_ARREARS, LIVE, eod_chunks, eod_runs, loans

DEFAULT_CHUNK_SIZE = 100_000
MAX_CATCH_UP_DAYS = 3_660

# Columns read per loan, in matrix order; dates arrive as day numbers.
_DAY_COLUMNS = {
    "opened_through",
    "next_due_date",
    "next_accrual_start",
    "oldest_unpaid_due_date",
    "penalty_anchor_date",
    "penalty_threshold_date",
}
_READ = [
    "id",
    "product_id",
    "funder_index",
    "overdue",
    "half_even",
    "opened_through",
    "next_due_date",
    "next_accrual_start",
    "next_accrual_anchor_minor",
    "next_interest_minor",
    "next_principal_minor",
    "next_fee_minor",
    "billed_count",
    "row_count",
    "billed_principal_minor",
    "billed_interest_minor",
    "billed_fee_minor",
    "credit_balance_minor",
    "oldest_unpaid_due_date",
    "days_past_due",
    "interest_income_closed_minor",
    "fee_income_minor",
    "penalty_anchor_date",
    "penalty_anchor_unpaid_minor",
    "penalty_base_minor",
    "penalty_threshold_date",
    "penalty_income_closed_minor",
    "penalty_rate_numerator",
    "penalty_rate_denominator",
    "penalty_basis_days",
]
_COLUMN = {name: index for index, name in enumerate(_READ)}

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


@dataclass
class _Chunk:
    """The loans of one chunk as arrays, plus what the day changes."""

    first_id: int
    data: Int64Array
    funders: list[str]

    def column(self, name: str) -> Int64Array:
        return self.data[:, _COLUMN[name]]


ProgressCallback = Callable[[date, int, int], None]


def run_eod(
    engine: sa.Engine,
    through: date,
    profile: JurisdictionProfile,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressCallback | None = None,
    after_chunk: Callable[[date, int], None] | None = None,
) -> list[DaySummary]:
    """Close every business date up to `through` that is not closed yet, oldest first."""
    with engine.connect() as connection, connection.begin():
        calendar = CalendarRepository(connection)
        last_closed = calendar.last_closed_date()
        first_start = connection.execute(sa.select(sa.func.min(loans.c.start_date))).scalar()
    if last_closed is not None:
        first_day = last_closed + timedelta(days=1)
    elif first_start is not None:
        first_day = first_start
    else:
        first_day = through
    days = (through - first_day).days + 1
    if days > MAX_CATCH_UP_DAYS:
        raise BusinessDateClosed(
            f"end of day would have to catch up {days} days (from {first_day}); the bound is "
            f"{MAX_CATCH_UP_DAYS}. Check the date."
        )
    summaries = []
    for offset in range(max(days, 0)):
        day = first_day + timedelta(days=offset)
        summaries.append(_run_day(engine, day, profile, chunk_size, progress, after_chunk))
    return summaries


def _run_day(
    engine: sa.Engine,
    day: date,
    profile: JurisdictionProfile,
    chunk_size: int,
    progress: ProgressCallback | None,
    after_chunk: Callable[[date, int], None] | None,
) -> DaySummary:
    started = time.perf_counter()
    summary = DaySummary(day)
    with engine.connect() as connection:
        with connection.begin():
            CalendarRepository(connection).mark_running(day)
            run = connection.execute(
                sa.select(eod_runs.c.loans_processed).where(eod_runs.c.business_date == day)
            ).first()
            if run is None:
                # The chunk size is fixed for the date, so a resumed run cuts the same chunks.
                connection.execute(
                    sa.insert(eod_runs).values(
                        business_date=day, status="running", loans_processed=chunk_size
                    )
                )
            else:
                chunk_size = int(run[0])
            done = set(
                connection.execute(
                    sa.select(eod_chunks.c.first_loan_id).where(eod_chunks.c.business_date == day)
                ).scalars()
            )
            bounds = connection.execute(
                sa.select(sa.func.min(loans.c.id), sa.func.max(loans.c.id))
            ).first()
        low, high = (int(bounds[0] or 1), int(bounds[1] or 0)) if bounds else (1, 0)
        starts = list(range(low - low % chunk_size, high + 1, chunk_size))
        for index, first_id in enumerate(starts):
            if first_id in done:
                summary.chunks_skipped += 1
                continue
            with connection.begin():
                _process_chunk(connection, day, first_id, first_id + chunk_size, profile, summary)
                connection.execute(
                    sa.insert(eod_chunks).values(
                        business_date=day,
                        first_loan_id=first_id,
                        loans_processed=summary.loans_processed,
                    )
                )
            if progress:
                progress(day, index + 1, len(starts))
            if after_chunk:
                after_chunk(day, first_id)
        with connection.begin():
            calendar = CalendarRepository(connection)
            calendar.mark_closed(day)
            calendar.mark_running(None)
            connection.execute(
                sa.update(eod_runs)
                .where(eod_runs.c.business_date == day)
                .values(status="closed", finished_at=sa.func.current_timestamp())
            )
    summary.seconds = time.perf_counter() - started
    return summary


def _interest_accrued(
    connection: sa.Connection, day: date, first_id: int, end_id: int, funders: list[str]
) -> tuple[dict[str, int], int]:
    """Interest accrued on `day` by the chunk's live loans, summed per funder in SQL, and how
    many loans the day processes (those not already past it)."""
    dialect = connection.dialect.name
    mark = placeholder(dialect)
    today = interest_accrued_today_sql(dialect, mark)
    sql = (
        f"SELECT funder, SUM(CASE WHEN opened_through < {mark} THEN {today} ELSE 0 END), "
        f"COUNT(*) FROM loans WHERE id >= {mark} AND id < {mark} AND {LIVE} "
        f"AND opened_through <= {mark} GROUP BY funder"
    )
    d = day_number(day)
    params = (d,) * (1 + today.count(mark)) + (first_id, end_id, d)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    sums = {str(funder): int(total or 0) for funder, total, _ in rows}
    processed = sum(int(count) for _, _, count in rows)
    return {funder: sums.get(funder, 0) for funder in funders}, processed


def _read_chunk(
    connection: sa.Connection, day: date, first_id: int, end_id: int, funders: list[str]
) -> _Chunk:
    """Loans of the chunk with something to do today: an instalment due, or anything billed
    and unpaid (arrears, or a bill an event raised today such as a down payment)."""
    dialect = connection.dialect.name
    funder_case = funder_index_sql(funders)
    expressions = []
    for name in _READ:
        if name in _DAY_COLUMNS:
            expressions.append(day_expression(name))
        elif name == "funder_index":
            expressions.append(funder_case)
        elif name == "overdue":
            expressions.append("CASE status WHEN 'overdue' THEN 1 ELSE 0 END")
        elif name == "half_even":
            expressions.append("CASE rounding WHEN 'half_even' THEN 1 ELSE 0 END")
        else:
            expressions.append(name)
    mark = placeholder(dialect)
    # Two index-backed candidate sets (see the partial indexes in storage.tables): loans with
    # an instalment due by today, and loans in arrears or with a bill raised today.
    sql = (
        f"SELECT {', '.join(expressions)} FROM loans WHERE id IN ("
        f"SELECT id FROM loans WHERE {LIVE} AND next_due_date <= {mark} "
        f"AND id >= {mark} AND id < {mark} "
        f"UNION SELECT id FROM loans WHERE {IN_ARREARS} AND id >= {mark} AND id < {mark}"
        f") AND opened_through <= {mark} ORDER BY id"
    )
    d = day_number(day)
    data = fetch_matrix(connection, sql, (d, first_id, end_id, first_id, end_id, d), len(_READ))
    return _Chunk(first_id, data, funders)


def _process_chunk(
    connection: sa.Connection,
    day: date,
    first_id: int,
    end_id: int,
    profile: JurisdictionProfile,
    summary: DaySummary,
) -> None:
    funders = FunderRepository(connection).codes()
    interest_sums, processed = _interest_accrued(connection, day, first_id, end_id, funders)
    summary.loans_processed += processed
    chunk = _read_chunk(connection, day, first_id, end_id, funders)
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
    following = _following_rows(connection, chunk, billing & ~one_loan, day)
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


def _following_rows(
    connection: sa.Connection, chunk: _Chunk, billing: BoolArray, day: date
) -> dict[str, Int64Array]:
    """The instalment after the one billed today, for every loan billing today."""
    count = len(chunk.data)
    names = ("due", "start", "anchor", "principal", "interest", "fee")
    result = {name: np.zeros(count, np.int64) for name in names}
    result["due"][:] = NO_DAY
    result["start"][:] = NO_DAY
    ids = chunk.column("id")
    if not billing.any():
        return result
    dialect = connection.dialect.name
    mark = placeholder(dialect)
    sql = (
        f"SELECT i.loan_id, {day_expression('i.due_date')}, "
        f"{day_expression('i.accrual_start')}, i.accrual_anchor_minor, "
        "i.principal_minor, i.interest_minor, i.fee_minor "
        "FROM instalments i JOIN loans l ON l.id = i.loan_id AND i.seq = l.billed_count + 2 "
        f"WHERE l.id >= {mark} AND l.id <= {mark} AND l.next_due_date = {mark} "
        "AND l.status IN ('active', 'overdue')"
    )
    billing_ids = ids[billing]
    params = (int(billing_ids[0]), int(billing_ids[-1]), day_number(day))
    rows = fetch_matrix(connection, sql, params, 7)
    positions = np.searchsorted(ids, rows[:, 0])
    wanted = billing[positions]
    for offset, name in enumerate(names):
        result[name][positions[wanted]] = rows[wanted, offset + 1]
    return result


def _late_fees(
    connection: sa.Connection,
    chunk: _Chunk,
    day: date,
    parameters: ProductParameters,
    eligible: BoolArray,
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """(chunk positions, instalment seqs, fees) of instalments whose grace ended yesterday."""
    ids = chunk.column("id")
    products = chunk.column("product_id")
    dialect = connection.dialect.name
    mark = placeholder(dialect)
    found: list[Int64Array] = []
    if not eligible.any():
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    charged_products = np.unique(products[eligible & (parameters.late_fee[products] > 0)])
    for grace in np.unique(parameters.grace_days[charged_products]):
        product_ids = [int(p) for p in charged_products if parameters.grace_days[p] == grace]
        due = day - timedelta(days=int(grace) + 1)
        # Only loans in arrears can owe a late fee: drive the join from their partial index.
        sql = (
            "SELECT i.loan_id, i.seq FROM loans l JOIN instalments i ON i.loan_id = l.id "
            f"WHERE {IN_ARREARS.replace('status', 'l.status')} AND i.due_date = {mark} "
            f"AND l.id >= {mark} AND l.id <= {mark} "
            f"AND l.product_id IN ({', '.join(str(p) for p in product_ids)}) "
            "AND i.late_fee_minor = 0 "
            "AND i.principal_minor + i.interest_minor + i.fee_minor "
            "> i.paid_principal_minor + i.paid_interest_minor + i.paid_fee_minor"
        )
        rows = fetch_matrix(connection, sql, (day_number(due), int(ids[0]), int(ids[-1])), 2)
        if len(rows):
            found.append(rows)
    if not found:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    rows = np.concatenate(found)
    positions = np.searchsorted(ids, rows[:, 0])
    keep = eligible[positions]
    positions, seqs = positions[keep], rows[keep, 1]
    return positions, seqs, parameters.late_fee[products[positions]]


def _vectorised_day(
    connection: sa.Connection,
    chunk: _Chunk,
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
    half_even = col("half_even").astype(np.bool_)
    accruing = selected & to_open
    since = np.maximum(d - 1, col("opened_through"))

    # 1. Interest and penalty accrued through D, on the segments valid before today's changes.
    def accrued(on: Int64Array) -> Int64Array:
        return straight_line_accrued(
            interest=col("next_interest_minor"),
            anchor=col("next_accrual_anchor_minor"),
            anchor_day=col("next_accrual_start"),
            due_day=col("next_due_date"),
            on_day=on,
            half_even=half_even,
        )

    def penalty_unpaid(on: Int64Array) -> Int64Array:
        days = penalty_days(
            anchor_day=col("penalty_anchor_date"),
            threshold_day=col("penalty_threshold_date"),
            on_day=on,
        )
        return col("penalty_anchor_unpaid_minor") + penalty_accrued(
            base=col("penalty_base_minor"),
            rate_numerator=col("penalty_rate_numerator"),
            rate_denominator=col("penalty_rate_denominator"),
            basis_days=col("penalty_basis_days"),
            days=days,
            half_even=half_even,
        )

    # Interest was summed in SQL over the whole chunk; the loans left to the one-loan engine
    # book their own day's interest, so theirs comes off the sum.
    one_loan_interest = np.where(~selected & to_open, accrued(today) - accrued(since), 0)
    penalty_today = penalty_unpaid(today)
    penalty_delta = np.where(accruing, penalty_today - penalty_unpaid(since), 0)

    # 2. Bill the instalment due today; the following one starts accruing.
    new = {name: col(name).copy() for name in _READ}
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
    positions, seqs, fees = _late_fees(connection, chunk, day, parameters, selected)
    np.add.at(new["billed_fee_minor"], positions, fees)
    np.add.at(new["fee_income_minor"], positions, fees)
    np.add.at(fees_billed, positions, fees)
    late = np.zeros(len(chunk.data), np.bool_)
    late[positions] = True
    if len(positions):
        connection.exec_driver_sql(
            f"UPDATE instalments SET late_fee_minor = {placeholder(connection.dialect.name)} "
            f"WHERE loan_id = {placeholder(connection.dialect.name)} "
            f"AND seq = {placeholder(connection.dialect.name)}",
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
    chunk: _Chunk,
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
        columns[name] = _nullable_days(values) if name in _DAY_COLUMNS else values.tolist()
    ids = chunk.column("id")[changed].tolist()
    mark = placeholder(connection.dialect.name)
    sql = (
        "UPDATE loans SET "
        + ", ".join(f"{name} = {mark}" for name in _WRITE)
        + f" WHERE id = {mark}"
    )
    connection.exec_driver_sql(sql, list(zip(*(columns[n] for n in _WRITE), ids, strict=True)))


def _less_per_funder(sums: dict[str, int], chunk: _Chunk, amounts: Int64Array) -> dict[str, int]:
    funder_index = chunk.column("funder_index")
    return {
        funder: total - int(amounts[funder_index == index].sum())
        for index, (funder, total) in enumerate(sums.items())
    }


def _post_accruals(
    connection: sa.Connection,
    chunk: _Chunk,
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
            idempotency_key=f"eod:{day.isoformat()}:{first_id}:{funder}",
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
    from puhui.loans.lifecycle import LoanStatus

    repository = LoanRepository(
        connection, ProductRepository(connection), day - timedelta(days=1), profile
    )
    journal = JournalRepository(connection)
    for loan_id in ids.tolist():
        loan = repository.get(loan_id, for_update=True)
        before = loan.balances()
        loan.close_through(day)
        entry = loan_entry(
            idempotency_key=f"eod:{day.isoformat()}:loan:{loan_id}",
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
