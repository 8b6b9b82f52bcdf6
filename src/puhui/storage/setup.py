"""Preparing a database: migrate to the newest schema and register the shipped products."""

from __future__ import annotations

import sqlalchemy as sa

from puhui.compliance.profile import JurisdictionProfile
from puhui.ledger.accounts import PLATFORM_FUNDER
from puhui.loans.products import load_catalog
from puhui.storage.migrate import upgrade
from puhui.storage.uow import SqlUnitOfWork


def initialise(engine: sa.Engine, profile: JurisdictionProfile | None = None) -> list[str]:
    """Migrate, create the calendar rows, register the platform as a funder and the shipped
    products (idempotent); returns the product codes."""
    upgrade(engine)
    with SqlUnitOfWork(engine, profile) as uow:
        uow.calendar.ensure_rows()
        uow.funders.register(PLATFORM_FUNDER, "the platform's own funds")
        codes = []
        for product in load_catalog().values():
            uow.products.register(product)
            codes.append(product.code)
        uow.commit()
    return codes
