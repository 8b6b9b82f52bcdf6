"""Load a large synthetic portfolio quickly, as a lender migrating its book would.

Booking a million loans one event at a time would take the better part of an hour, so the
benchmark portfolio is built from a few hundred prototype loans: each prototype is booked and run
day by day through the one-loan engine up to the day before `as_of` (borrowers paying on time, or
not at all), then cloned under fresh ids. The ledger receives opening-balance entries that bring
every account from zero to the loans' sub-ledgers, so `puhui verify` holds from the start.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from puhui.compliance.profile import JurisdictionProfile
from puhui.ledger.accounts import PLATFORM_FUNDER, Account
from puhui.ledger.entries import MAX_POSTINGS_PER_ENTRY, JournalEntry, Posting, system_key
from puhui.ledger.service import post_entry
from puhui.loans.accounting import balance_deltas
from puhui.loans.loan import Loan, originate
from puhui.loans.operations import billed_amount_due, repay
from puhui.loans.products import Product
from puhui.loans.service import ZERO_BALANCES
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.driver import Driver, to_day
from puhui.storage.journal_repository import JournalRepository
from puhui.storage.loan_repository import instalment_columns, new_loan_columns
from puhui.storage.product_repository import ProductRepository
from puhui.storage.tables import loans

BATCH_LOANS = 20_000
PRODUCT_MIX = {"cash-instalment": 60, "bnpl-plan": 25, "working-capital": 10, "seasonal-farm": 5}
NON_PAYER_PERCENT = 6


@dataclass(frozen=True, slots=True)
class Prototype:
    product_id: int
    loan: Loan
    borrower_pays: bool


def _prototype_loan(product: Product, start: date, principal: int, rng: random.Random) -> Loan:
    overrides: dict[str, Any] = {}
    harvests: tuple[date, ...] = ()
    if product.code == "working-capital":
        overrides = {
            "first_due_date": start + timedelta(days=product.facility_term_days),
            "periods": 1,
        }
    if product.code == "seasonal-farm":
        harvests = (start + timedelta(days=180), start + timedelta(days=360))
    if product.code == "cash-instalment":
        overrides = {"periods": rng.choice([6, 12, 24])}
    terms = product.terms(
        principal_minor=principal, start_date=start, overrides=overrides, harvest_dates=harvests
    )
    return originate(loan_id=0, product=product, terms=terms, funder=PLATFORM_FUNDER)


def _run_to(loan: Loan, last_day: date, pays: bool) -> None:
    """Run a prototype to the end of `last_day`, paying each instalment on its due date."""
    for row in list(loan.rows):
        if row.due_date > last_day or not loan.status.accrues:
            break
        if pays and row.due_date >= loan.opened_through:
            loan.advance_to(row.due_date)
            due = billed_amount_due(loan, row.due_date)
            if due > 0:
                repay(loan, due, row.due_date)
    if loan.closed_through < last_day:
        loan.close_through(last_day)


def build_prototypes(
    connection: sa.Connection, as_of: date, seed: int, count: int = 360
) -> list[Prototype]:
    rng = random.Random(seed)
    products = ProductRepository(connection)
    codes = list(PRODUCT_MIX)
    prototypes = []
    for index in range(count):
        code = rng.choices(codes, weights=list(PRODUCT_MIX.values()))[0]
        product_id, product = products.current(code)
        start = as_of - timedelta(days=1 + index % 150)
        principal = (
            rng.randrange(
                product.min_principal_minor // 100 + 1,
                min(product.max_principal_minor, 5_000_000) // 100,
            )
            * 100
        )
        loan = _prototype_loan(product, start, principal, rng)
        pays = rng.randrange(100) >= NON_PAYER_PERCENT
        _run_to(loan, as_of - timedelta(days=1), pays)
        prototypes.append(Prototype(product_id, loan, pays))
    return prototypes


def _database_value(value: Any) -> Any:
    return to_day(value) if isinstance(value, date) else value


def _loan_rows(
    prototype: Prototype, loan_id: int, profile: JurisdictionProfile
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    loan = prototype.loan
    values = new_loan_columns(
        loan,
        product_id=prototype.product_id,
        borrower_ref=f"synthetic-{loan_id:08d}",
        profile=profile,
    )
    values["id"] = loan_id
    return values, [instalment_columns(loan_id, row) for row in loan.rows]


def _opening_entries(batch: list[tuple[int, Prototype]], as_of: date) -> Iterator[JournalEntry]:
    """Opening balances: principal per loan (with its id), other accounts summed per entry."""
    per_entry = MAX_POSTINGS_PER_ENTRY - len(Account)
    for start in range(0, len(batch), per_entry):
        part = batch[start : start + per_entry]
        totals: dict[Account, int] = {}
        postings = []
        for loan_id, prototype in part:
            deltas = balance_deltas(ZERO_BALANCES, prototype.loan.balances())
            for account, amount in deltas.items():
                if account is Account.PRINCIPAL_RECEIVABLE:
                    if amount:
                        postings.append(Posting(account, amount, PLATFORM_FUNDER, loan_id=loan_id))
                else:
                    totals[account] = totals.get(account, 0) + amount
        postings += [Posting(a, v, PLATFORM_FUNDER) for a, v in totals.items() if v]
        yield JournalEntry(
            idempotency_key=system_key("opening", part[0][0], part[-1][0]),
            kind="opening_balances",
            business_date=as_of,
            postings=tuple(postings),
            description="opening balances of a migrated portfolio",
        )


def load_portfolio(
    engine: sa.Engine,
    *,
    count: int,
    as_of: date,
    profile: JurisdictionProfile,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Add `count` loans whose days up to `as_of − 1` are closed, and close the calendar there."""
    with engine.connect() as connection:
        with connection.begin():
            prototypes = build_prototypes(connection, as_of, seed)
            first_id = int(connection.execute(sa.select(sa.func.max(loans.c.id))).scalar() or 0)
        rng = random.Random(seed)
        for batch_start in range(0, count, BATCH_LOANS):
            size = min(BATCH_LOANS, count - batch_start)
            batch = [(first_id + batch_start + i + 1, rng.choice(prototypes)) for i in range(size)]
            loan_values, instalment_values = [], []
            for loan_id, prototype in batch:
                values, rows = _loan_rows(prototype, loan_id, profile)
                loan_values.append(values)
                instalment_values.extend(rows)
            loan_columns = list(loan_values[0])
            instalment_columns = list(instalment_values[0])
            with connection.begin():
                driver = Driver(connection)
                driver.bulk_insert(
                    "loans",
                    loan_columns,
                    ([_database_value(v[c]) for c in loan_columns] for v in loan_values),
                )
                driver.bulk_insert(
                    "instalments",
                    instalment_columns,
                    (
                        [_database_value(v[c]) for c in instalment_columns]
                        for v in instalment_values
                    ),
                )
                journal = JournalRepository(connection)
                for entry in _opening_entries(batch, as_of - timedelta(days=1)):
                    post_entry(journal, entry)
            if progress:
                progress(batch_start + size)
        with connection.begin():
            CalendarRepository(connection).mark_closed(as_of - timedelta(days=1))
        # Fresh statistics, as a migrated database would have before its first end-of-day.
        with connection.begin():
            connection.exec_driver_sql("ANALYZE")
