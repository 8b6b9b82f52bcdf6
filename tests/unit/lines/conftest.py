"""A consumer line on the shipped product, statement day 5, limit 10,000.00, opened 2026-01-01."""

from __future__ import annotations

from datetime import date

import pytest

from puhui.lines.line import CreditLine
from puhui.lines.products import LineProduct, load_line_catalog

OPENED = date(2026, 1, 1)


@pytest.fixture
def product() -> LineProduct:
    return load_line_catalog()["credit-line"]


def new_line(product: LineProduct, limit_minor: int = 1_000_000) -> CreditLine:
    return CreditLine(
        line_id=1,
        borrower_ref="b-1",
        product=product,
        funder="platform",
        opened_on=OPENED,
        statement_day=5,
        granted_limit_minor=limit_minor,
        monthly_income_minor=800_000,
    )


@pytest.fixture
def line(product: LineProduct) -> CreditLine:
    return new_line(product)
