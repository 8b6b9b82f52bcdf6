"""Products by id and code; a product version, once stored, never changes."""

from __future__ import annotations

import json
from functools import lru_cache

import sqlalchemy as sa

from puhui.loans.errors import InvalidProduct
from puhui.loans.products import Product, product_from_mapping, product_to_mapping
from puhui.storage.driver import Driver
from puhui.storage.tables import products


@lru_cache(maxsize=1_024)
def _parse(definition: str) -> Product:
    """Parsing a product validates it (including a sample schedule), so parsed products are
    kept by their stored definition text: immutable, so the cache can never serve a stale
    version (the same scheme as line products in line_repository)."""
    return product_from_mapping(json.loads(definition))


_DEFINITION = "SELECT definition FROM products WHERE id = ?"
_CURRENT = "SELECT id, definition FROM products WHERE code = ? ORDER BY version DESC LIMIT 1"


class ProductRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._by_id: dict[int, Product] = {}

    def by_id(self, product_id: int) -> Product:
        if product_id not in self._by_id:
            # A plain query: every payment's unit of work looks its loan's product up once.
            row = Driver(self._connection).one(_DEFINITION, (product_id,))
            if row is None:
                raise InvalidProduct(f"no product with id {product_id}")
            self._by_id[product_id] = _parse(row[0])
        return self._by_id[product_id]

    def current(self, code: str) -> tuple[int, Product]:
        row = Driver(self._connection).one(_CURRENT, (code,))
        if row is None:
            known = self._connection.execute(sa.select(products.c.code).distinct()).scalars()
            raise InvalidProduct(
                f"unknown product {code!r}; registered products: {sorted(known)} "
                "(run `puhui init` to register the shipped catalogue)"
            )
        product_id = int(row[0])
        if product_id not in self._by_id:  # (its definition came in the same query)
            self._by_id[product_id] = _parse(row[1])
        return product_id, self._by_id[product_id]

    def register(self, product: Product) -> int:
        """Store a product version; identical re-registration is a no-op, a changed one an error."""
        definition = json.dumps(product_to_mapping(product), sort_keys=True)
        existing = self._connection.execute(
            sa.select(products.c.id, products.c.definition).where(
                products.c.code == product.code, products.c.version == product.version
            )
        ).first()
        if existing is not None:
            if json.loads(existing[1]) != json.loads(definition):
                raise InvalidProduct(
                    f"product {product.code} version {product.version} already exists with "
                    "different settings; give the changed product a new version"
                )
            return int(existing[0])
        result = self._connection.execute(
            sa.insert(products).values(
                code=product.code, version=product.version, definition=definition
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]
