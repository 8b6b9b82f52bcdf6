"""A customer and his consents read together give what the two separate reads give."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from puhui.security.consent import Purpose
from puhui.security.personal_data import PERSONAL_FIELDS
from puhui.storage.uow import SqlUnitOfWork

MOMENT = datetime(2026, 3, 1, 9, 30)


def test_a_customer_and_his_consents_are_read_together(database: sa.Engine) -> None:
    with SqlUnitOfWork(database) as uow:
        sealed = {field: f"sealed-{field.value}" for field in PERSONAL_FIELDS}
        customer_id = uow.customers.add(kind="merchant", sealed=sealed, key_id="k1", now=MOMENT)
        kept = uow.customers.add_consent(customer_id, Purpose.DATA_USE, "loans", MOMENT)
        withdrawn = uow.customers.add_consent(customer_id, Purpose.BUREAU_QUERY, "loans", MOMENT)
        assert uow.customers.withdraw_consent(customer_id, withdrawn, MOMENT)
        uow.commit()
    with SqlUnitOfWork(database) as uow:
        customer, consents = uow.customers.get_with_consents(customer_id)
        assert customer == uow.customers.get(customer_id)
        assert customer is not None
        assert customer.kind == "merchant"
        assert consents == uow.customers.consents(customer_id)
        assert [(c.consent_id, c.withdrawn_at) for c in consents] == [
            (kept, None),
            (withdrawn, MOMENT),
        ]
        assert uow.customers.get_with_consents(customer_id + 1) == (None, [])
