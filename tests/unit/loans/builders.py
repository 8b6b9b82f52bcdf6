"""Loans for domain tests, built straight from the shipped catalogue (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from puhui.loans.accounting import balance_deltas
from puhui.loans.loan import Balances, Loan, originate
from puhui.loans.products import Product, load_catalog

CATALOG = load_catalog()


def product(code: str, **changes: Any) -> Product:
    return replace(CATALOG[code], **changes) if changes else CATALOG[code]


def new_loan(
    code: str = "cash-instalment",
    *,
    principal_minor: int = 1_200_000,
    start: date = date(2024, 1, 31),
    overrides: dict[str, Any] | None = None,
    harvests: tuple[date, ...] = (),
    **product_changes: Any,
) -> Loan:
    chosen = product(code, **product_changes)
    if code == "working-capital" and overrides is None:
        overrides = {"first_due_date": start + timedelta(days=365), "periods": 1}
    if code == "seasonal-farm" and not harvests:
        harvests = (start + timedelta(days=180), start + timedelta(days=360))
    terms = chosen.terms(
        principal_minor=principal_minor,
        start_date=start,
        overrides=overrides,
        harvest_dates=harvests,
    )
    return originate(loan_id=1, product=chosen, terms=terms, funder="platform")


def assert_consistent(loan: Loan) -> Balances:
    """The sub-ledger identity holds and its journal entry from zero would balance."""
    balances = loan.balances()
    assert balances.identity_gap() == 0
    zero = Balances(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert sum(balance_deltas(zero, balances).values()) == 0
    return balances
