"""Load a large synthetic book of credit lines quickly, as a lender migrating its lines would.

A few hundred prototype lines are run through the one-line code — checkouts, a cash draw, an
instalment conversion, a statement, borrowers paying in full, paying the minimum or nothing —
and then cloned under fresh ids and borrowers with their orders and events. The ledger gets
opening-balance entries that bring every line account from zero to the lines' sub-ledgers, so
`puhui verify` holds from the start.
"""

from __future__ import annotations

import contextlib
import copy
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import sqlalchemy as sa

from puhui.ledger.accounts import PLATFORM_FUNDER, Account
from puhui.ledger.entries import entry_from_deltas, system_key
from puhui.ledger.service import post_entry
from puhui.lines.accounting import line_deltas
from puhui.lines.errors import LineRefused
from puhui.lines.line import CreditLine, LineBalances
from puhui.lines.products import LineProduct, load_line_catalog
from puhui.storage.uow import SqlUnitOfWork

PROTOTYPES = 300
BATCH_LINES = 10_000


def _prototype(
    product: LineProduct, rng: random.Random, opened: date, statement: date
) -> CreditLine:
    """A line opened on `opened` with a month of use and its first statement cut."""
    limit = rng.choice((500_000, 1_000_000, 2_000_000, 5_000_000))
    line = CreditLine(
        line_id=0,
        borrower_ref="",
        product=product,
        funder=PLATFORM_FUNDER,
        opened_on=opened,
        statement_day=statement.day,
        granted_limit_minor=limit,
        monthly_income_minor=rng.choice((400_000, 800_000, 1_500_000, 3_000_000)),
    )
    day = opened
    for index in range(rng.randint(1, 6)):
        day = min(day + timedelta(rng.randint(0, 5)), statement - timedelta(1))
        order = f"order-{index}"
        try:
            line.authorise(order, rng.randint(2_000, limit // 4), day)
            if rng.random() < 0.9:
                line.capture(order, line.holds[order].amount_minor, day)
        except LineRefused:
            break
    if rng.random() < 0.3:
        with contextlib.suppress(LineRefused):
            line.draw_cash(rng.randint(10_000, limit // 5), day, "cash")
    captured = [o for o, h in line.holds.items() if h.captured_minor]
    if captured and rng.random() < 0.2:
        line.convert_purchase(captured[0], rng.choice((3, 6, 12)), day)
    line.close_statement(statement)
    due = statement + timedelta(product.statement_to_due_days)
    behaviour = rng.random()
    if behaviour < 0.6 and line.statement_due_minor:
        line.pay(line.statement_due_minor, due - timedelta(2), "pay-in-full")
    elif behaviour < 0.9 and line.minimum_due_minor:
        line.pay(line.minimum_due_minor, due, "pay-minimum")
    return line


def _clone(prototype: CreditLine, line_id: int) -> CreditLine:
    """A copy under a new id and borrower; the product and the (immutable) events are shared."""
    return replace(
        prototype,
        line_id=line_id,
        borrower_ref=f"synthetic-line-{line_id}",
        balances=prototype.balances.copy(),
        holds={key: copy.copy(hold) for key, hold in prototype.holds.items()},
        plans={key: copy.copy(plan) for key, plan in prototype.plans.items()},
        new_events=list(prototype.new_events),
    )


def load_line_book(
    engine: sa.Engine,
    count: int,
    *,
    opened: date,
    statement: date,
    seed: int = 5,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Store `count` lines opened on `opened` with their first statement cut on `statement`
    (and paid, or not, by its due date), ids following whatever lines exist."""
    rng = random.Random(seed)
    product = load_line_catalog()["credit-line"]
    prototypes = [_prototype(product, rng, opened, statement) for _ in range(PROTOTYPES)]
    with engine.connect() as connection:
        first_id = int(
            connection.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM credit_lines").scalar()
            or 0
        )
    totals: dict[Account, int] = defaultdict(int)
    for start in range(0, count, BATCH_LINES):
        batch = []
        for offset in range(start, min(count, start + BATCH_LINES)):
            line = _clone(prototypes[offset % PROTOTYPES], first_id + offset + 1)
            batch.append(line)
            for account, amount in line_deltas(LineBalances(), line.balances).items():
                totals[account] += amount
        with SqlUnitOfWork(engine) as uow:
            uow.lines.add_many(batch, [f"migrated:{line.line_id}" for line in batch])
            uow.commit()
        if progress:
            progress(len(batch))
    entry = entry_from_deltas(
        idempotency_key=system_key("line-book", first_id + 1, count),
        kind="opening_balances",
        business_date=statement,
        funder=PLATFORM_FUNDER,
        deltas=dict(totals),
        description=f"migrated credit lines {first_id + 1}–{first_id + count}",
    )
    if entry is not None:
        with SqlUnitOfWork(engine) as uow:
            post_entry(uow.journal, entry)
            uow.commit()
