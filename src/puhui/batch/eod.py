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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import sqlalchemy as sa

from puhui.batch.eod_chunk import DaySummary, process_chunk
from puhui.compliance.profile import JurisdictionProfile
from puhui.loans.errors import BusinessDateClosed, EndOfDayRunning
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.tables import delinquency_snapshots, eod_chunks, eod_runs, loans
from puhui.storage.types import EpochDay

DEFAULT_CHUNK_SIZE = 100_000
MAX_CATCH_UP_DAYS = 3_660

__all__ = ["DEFAULT_CHUNK_SIZE", "DaySummary", "run_eod"]


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
    with _single_run(engine):
        for offset in range(max(days, 0)):
            day = first_day + timedelta(days=offset)
            summaries.append(_run_day(engine, day, profile, chunk_size, progress, after_chunk))
    return summaries


EOD_LOCK_ID = 0x70756875  # "puhu": the advisory lock only one end-of-day run may hold


@contextmanager
def _single_run(engine: sa.Engine) -> Iterator[None]:
    """Refuse a second end-of-day run while one is going (PostgreSQL advisory lock; on SQLite
    the chunk transactions already take turns and each re-checks its own done-marker)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        acquired = connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({EOD_LOCK_ID})")
        if not acquired.scalar():
            raise EndOfDayRunning("another end-of-day run is in progress; wait for it to finish")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({EOD_LOCK_ID})")
            connection.commit()


def _chunk_done(connection: sa.Connection, day: date, first_id: int) -> bool:
    found = connection.execute(
        sa.select(eod_chunks.c.first_loan_id).where(
            eod_chunks.c.business_date == day, eod_chunks.c.first_loan_id == first_id
        )
    ).first()
    return found is not None


def _start_day(connection: sa.Connection, day: date, chunk_size: int) -> tuple[int, list[int]]:
    """Mark the date running; returns its chunk size (fixed at the first attempt, so a resumed
    run cuts the same chunks) and the first loan id of every chunk."""
    CalendarRepository(connection).mark_running(day)
    run = connection.execute(
        sa.select(eod_runs.c.chunk_size).where(eod_runs.c.business_date == day)
    ).first()
    if run is None:
        connection.execute(
            sa.insert(eod_runs).values(business_date=day, status="running", chunk_size=chunk_size)
        )
    else:
        chunk_size = int(run[0])
    bounds = connection.execute(sa.select(sa.func.min(loans.c.id), sa.func.max(loans.c.id))).first()
    low, high = (int(bounds[0] or 1), int(bounds[1] or 0)) if bounds else (1, 0)
    return chunk_size, list(range(low - low % chunk_size, high + 1, chunk_size))


def snapshot_delinquency(connection: sa.Connection, month_end: date) -> None:
    """The month-end picture roll rates are made of: every live loan's bucket, and the loans
    charged off during the month (one INSERT … SELECT; in the day's closing transaction, so it
    is written exactly once)."""
    month_start = month_end.replace(day=1)
    label = sa.case(
        (loans.c.status == "charged_off", sa.literal("charged_off")),
        else_=loans.c.delinquency_bucket,
    )
    chosen = sa.select(sa.literal(month_end, EpochDay()), loans.c.id, label).where(
        sa.or_(
            loans.c.status.in_(("active", "overdue")),
            sa.and_(loans.c.status == "charged_off", loans.c.charged_off_on >= month_start),
        )
    )
    connection.execute(
        sa.insert(delinquency_snapshots).from_select(["month_end", "loan_id", "bucket"], chosen)
    )


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
            chunk_size, starts = _start_day(connection, day, chunk_size)
        for index, first_id in enumerate(starts):
            with connection.begin():
                # Checked inside the chunk's own transaction: a resumed (or concurrent) run
                # never processes a chunk twice.
                if _chunk_done(connection, day, first_id):
                    summary.chunks_skipped += 1
                    continue
                before = summary.loans_processed
                process_chunk(connection, day, first_id, first_id + chunk_size, profile, summary)
                connection.execute(
                    sa.insert(eod_chunks).values(
                        business_date=day,
                        first_loan_id=first_id,
                        loans_processed=summary.loans_processed - before,
                    )
                )
            if progress:
                progress(day, index + 1, len(starts))
            if after_chunk:
                after_chunk(day, first_id)
        with connection.begin():
            if (day + timedelta(days=1)).month != day.month:
                snapshot_delinquency(connection, day)
            calendar = CalendarRepository(connection)
            calendar.mark_running(None)  # (in key order, like CalendarRepository.lock)
            calendar.mark_closed(day)
            connection.execute(
                sa.update(eod_runs)
                .where(eod_runs.c.business_date == day)
                .values(status="closed", finished_at=sa.func.current_timestamp())
            )
    summary.seconds = time.perf_counter() - started
    return summary
