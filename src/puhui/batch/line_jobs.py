"""The credit-line batch jobs: the daily pass and the statement run.

- The **daily pass** for a date brings to that date every line whose due date has passed
  unjudged (late fee, days past due, revolving interest from the day after) or that holds an
  authorisation past its expiry (the hold is released and stops counting against the caps).
- The **statement run** cuts the statement of a date for every line whose statement day it is.

Both take lines in chunks of consecutive ids, each chunk in one transaction: the lines are
loaded (locked) with their open holds, each goes through the one-line code (`CreditLine`, and
`cut_statement_document` for statements — what `puhui line statement` runs for one line), and
the chunk's rows, events and statements are written with one statement per table; the chunk's
money (interest accrued, late fees, an instalment part's fee) is posted as one journal entry per
funder and currency. A line already done for the date is not selected again, so a run that is
interrupted and started again finishes the rest and does nothing twice. Why a Python loop per
line is acceptable here when end-of-day for loans is vectorised: most lines are not touched on
most days, a statement happens once a month per line, and the measured cost (bench/RESULTS.md)
is inside the goal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from puhui.ledger.accounts import Account
from puhui.ledger.entries import entry_from_deltas, system_key
from puhui.ledger.service import post_entry
from puhui.lines.accounting import line_deltas
from puhui.lines.line import LineEvent
from puhui.lines.statement import cut_statement_document
from puhui.storage.uow import SqlUnitOfWork

DEFAULT_CHUNK_SIZE = 10_000
ChunkProgress = Callable[[int], None]


@dataclass
class LineJobSummary:
    day: date
    lines: int = 0
    statement_balance_minor: int = 0
    minimum_payment_minor: int = 0
    late_fees_charged: int = 0
    holds_expired: int = 0
    blocked_line_ids: list[int] = field(default_factory=list)


def run_line_statements(
    engine: sa.Engine,
    day: date,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ChunkProgress | None = None,
) -> LineJobSummary:
    """Cut every statement due on `day` that is not cut yet; returns what was cut, and the
    lines it could not cut because they already hold events of a later day."""
    summary = _run(engine, day, "statements", chunk_size, progress)
    with SqlUnitOfWork(engine) as uow:
        summary.blocked_line_ids = uow.lines.statements_blocked(day)
    return summary


def run_line_day(
    engine: sa.Engine,
    day: date,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ChunkProgress | None = None,
) -> LineJobSummary:
    """Bring to `day` every line with a due date passed unjudged or a hold past its expiry."""
    return _run(engine, day, "day", chunk_size, progress)


def _run(
    engine: sa.Engine,
    day: date,
    job: str,
    chunk_size: int,
    progress: ChunkProgress | None,
) -> LineJobSummary:
    summary = LineJobSummary(day)
    after_id = 0
    while True:
        with SqlUnitOfWork(engine) as uow:
            if job == "statements":
                lines = uow.lines.due_for_statement(day, after_id=after_id, limit=chunk_size)
            else:
                lines = uow.lines.due_for_daily_pass(day, after_id=after_id, limit=chunk_size)
            if not lines:
                break
            stored: dict[int, list[LineEvent]] = {}
            if job == "statements":
                stored = uow.lines.events_since(
                    lines[0].line_id,
                    lines[-1].line_id,
                    min((line.last_statement_on or date.min) for line in lines),
                )
            deltas: dict[tuple[str, str], dict[Account, int]] = defaultdict(
                lambda: defaultdict(int)
            )
            documents = []
            for line in lines:
                before = line.balances.copy()
                if job == "statements":
                    document = cut_statement_document(
                        line, day, stored.get(line.line_id, ()), uow.profile
                    )
                    documents.append((line.line_id, document))
                    summary.statement_balance_minor += document["statement_balance_minor"]
                    summary.minimum_payment_minor += document["minimum_payment_minor"]
                else:
                    line.advance_to(day)
                summary.late_fees_charged += sum(e.kind == "late" for e in line.new_events)
                summary.holds_expired += sum(e.kind == "hold_expired" for e in line.new_events)
                for account, amount in line_deltas(before, line.balances).items():
                    deltas[(line.funder, line.product.currency.code)][account] += amount
            for (funder, currency), funder_deltas in sorted(deltas.items()):
                entry = entry_from_deltas(
                    idempotency_key=system_key(
                        f"line-{job}", day, lines[0].line_id, funder, currency
                    ),
                    kind=f"line:{job}",
                    business_date=day,
                    funder=funder,
                    currency=currency,
                    deltas=dict(funder_deltas),
                    description=f"{job} of {day}, lines {lines[0].line_id}–{lines[-1].line_id}",
                )
                if entry is not None:
                    post_entry(uow.journal, entry)
            uow.lines.save_many(lines)
            uow.lines.add_statements(documents)
            uow.commit()
        summary.lines += len(lines)
        after_id = lines[-1].line_id
        if progress:
            progress(len(lines))
    return summary
