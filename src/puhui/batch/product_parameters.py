"""Per-product servicing rules as arrays indexed by product id, for vectorised jobs.

Rates, day count and rounding can differ per loan (risk-based pricing), so those live on the loan
row; grace days, late fees and the charge-off threshold are product rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from puhui.batch.vector_math import Int64Array
from puhui.storage.product_repository import ProductRepository
from puhui.storage.tables import products


@dataclass(frozen=True, slots=True)
class ProductParameters:
    grace_days: Int64Array
    late_fee: Int64Array
    charge_off_dpd: Int64Array


def load_product_parameters(connection: sa.Connection) -> ProductParameters:
    """Parameters of every stored product version (index = product id)."""
    repository = ProductRepository(connection)
    ids = [int(i) for i in connection.execute(sa.select(products.c.id)).scalars()]
    size = max(ids, default=0) + 1
    grace = np.zeros(size, np.int64)
    late_fee = np.zeros(size, np.int64)
    charge_off = np.full(size, 10**6, np.int64)
    for product_id in ids:
        product = repository.by_id(product_id)
        grace[product_id] = product.grace_days
        late_fee[product_id] = product.late_fee_minor
        charge_off[product_id] = product.charge_off_dpd
    return ProductParameters(grace, late_fee, charge_off)
