"""Credit-line products as validated, versioned data (`catalog.yaml`).

A line product says how much a line can be, what purchases and cash cost, when statements fall
due, what a late payment costs, whether a minimum payment is accepted and what converting a
purchase or a statement into instalments costs. A line keeps the version it was opened under.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from puhui.core.errors import InvalidInput
from puhui.core.money import Currency, currency_of, format_minor, parse_minor
from puhui.lines.errors import InvalidLineProduct


class EarlySettlement(StrEnum):
    """What settling an instalment conversion early costs in fees."""

    REBATE_UNBILLED_FEES = "rebate_unbilled_fees"  # fees of periods not yet billed fall away
    CHARGE_ALL_FEES = "charge_all_fees"  # every period's fee is charged at settlement


@dataclass(frozen=True, slots=True)
class LineProduct:
    code: str
    version: int
    name: str
    currency: Currency
    max_limit_minor: int
    purchase_annual_rate: Decimal
    cash_annual_rate: Decimal
    day_count_basis: int
    cash_limit_share: Decimal
    statement_to_due_days: int
    late_fee_minor: int
    minimum_payment_share: Decimal | None
    minimum_payment_floor_minor: int
    hold_days: int
    conversion_fees: Mapping[int, Decimal]
    early_settlement: EarlySettlement

    def __post_init__(self) -> None:
        if self.max_limit_minor <= 0:
            raise InvalidLineProduct(f"{self.code}: max_limit must be positive")
        for name in ("purchase_annual_rate", "cash_annual_rate"):
            if not Decimal(0) <= getattr(self, name) < Decimal(1):
                raise InvalidLineProduct(f"{self.code}: {name} must be in [0, 1), e.g. '0.18'")
        if self.day_count_basis not in (360, 365):
            raise InvalidLineProduct(f"{self.code}: day_count_basis must be 360 or 365")
        if not Decimal(0) <= self.cash_limit_share <= Decimal(1):
            raise InvalidLineProduct(f"{self.code}: cash_limit_share must be in [0, 1]")
        # ≤ 27 days keeps every due date before the next statement (February has 28 days).
        if not 1 <= self.statement_to_due_days <= 27 or self.hold_days < 1:
            raise InvalidLineProduct(
                f"{self.code}: statement_to_due_days must be 1–27 and hold_days at least 1"
            )
        share = self.minimum_payment_share
        if share is not None and not Decimal(0) < share <= Decimal(1):
            raise InvalidLineProduct(f"{self.code}: minimum_payment_share must be in (0, 1]")
        for periods, fee in self.conversion_fees.items():
            if periods < 2 or not Decimal(0) <= fee < Decimal("0.1"):
                raise InvalidLineProduct(
                    f"{self.code}: conversion_fees needs periods ≥ 2 and a fee per period "
                    f"in [0, 0.1); got {periods}: {fee}"
                )


_MONEY = ("max_limit", "late_fee", "minimum_payment_floor")
_RATES = ("purchase_annual_rate", "cash_annual_rate", "cash_limit_share")
_REQUIRED = {
    "code",
    "version",
    "name",
    *_MONEY,
    *_RATES,
    "day_count_basis",
    "statement_to_due_days",
    "hold_days",
    "conversion_fees",
    "early_settlement",
}
_OPTIONAL = {"currency", "minimum_payment_share"}


def _decimal(value: object, key: str) -> Decimal:
    if isinstance(value, float):
        raise InvalidLineProduct(f"{key}: write rates as quoted text (e.g. '0.18'), not floats")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidLineProduct(f"{key}: {value!r} is not a decimal number") from None


def _money(value: object, key: str, currency: Currency) -> int:
    if isinstance(value, float):
        raise InvalidLineProduct(f"{key}: write amounts as quoted text (e.g. '500'), not floats")
    try:
        return parse_minor(str(value), currency, what=key)
    except InvalidInput as error:
        raise InvalidLineProduct(str(error)) from None


def _whole(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidLineProduct(f"{key}: {value!r} is not a whole number")
    try:
        return int(value)
    except ValueError:
        raise InvalidLineProduct(f"{key}: {value!r} is not a whole number") from None


def line_product_from_mapping(data: Mapping[str, Any]) -> LineProduct:
    """Build a line product from YAML data; every unknown or missing key is named."""
    unknown = set(data) - _REQUIRED - _OPTIONAL
    missing = _REQUIRED - set(data)
    if unknown or missing:
        raise InvalidLineProduct(
            f"line product {data.get('code', '?')}: unknown settings {sorted(unknown)}, "
            f"missing settings {sorted(missing)}"
        )
    currency = currency_of(str(data.get("currency", "CNY")))
    fees = data["conversion_fees"]
    if not isinstance(fees, Mapping) or not fees:
        raise InvalidLineProduct('conversion_fees must map periods to fees, e.g. {"3": "0.0075"}')
    share = data.get("minimum_payment_share")
    try:
        settlement = EarlySettlement(str(data["early_settlement"]))
    except ValueError:
        options = [m.value for m in EarlySettlement]
        raise InvalidLineProduct(f"early_settlement must be one of {options}") from None
    return LineProduct(
        code=str(data["code"]),
        version=_whole(data["version"], "version"),
        name=str(data["name"]),
        currency=currency,
        max_limit_minor=_money(data["max_limit"], "max_limit", currency),
        purchase_annual_rate=_decimal(data["purchase_annual_rate"], "purchase_annual_rate"),
        cash_annual_rate=_decimal(data["cash_annual_rate"], "cash_annual_rate"),
        cash_limit_share=_decimal(data["cash_limit_share"], "cash_limit_share"),
        late_fee_minor=_money(data["late_fee"], "late_fee", currency),
        minimum_payment_floor_minor=_money(
            data["minimum_payment_floor"], "minimum_payment_floor", currency
        ),
        day_count_basis=_whole(data["day_count_basis"], "day_count_basis"),
        statement_to_due_days=_whole(data["statement_to_due_days"], "statement_to_due_days"),
        minimum_payment_share=None if share is None else _decimal(share, "minimum_payment_share"),
        hold_days=_whole(data["hold_days"], "hold_days"),
        conversion_fees={
            _whole(k, "conversion_fees"): _decimal(v, "conversion_fees") for k, v in fees.items()
        },
        early_settlement=settlement,
    )


def line_product_to_mapping(product: LineProduct) -> dict[str, Any]:
    """The YAML/JSON form of a line product (inverse of `line_product_from_mapping`)."""

    def money(minor: int) -> str:
        return format_minor(minor, product.currency)

    return {
        "code": product.code,
        "version": product.version,
        "name": product.name,
        "currency": product.currency.code,
        "max_limit": money(product.max_limit_minor),
        "purchase_annual_rate": str(product.purchase_annual_rate),
        "cash_annual_rate": str(product.cash_annual_rate),
        "day_count_basis": product.day_count_basis,
        "cash_limit_share": str(product.cash_limit_share),
        "statement_to_due_days": product.statement_to_due_days,
        "late_fee": money(product.late_fee_minor),
        "minimum_payment_share": (
            None if product.minimum_payment_share is None else str(product.minimum_payment_share)
        ),
        "minimum_payment_floor": money(product.minimum_payment_floor_minor),
        "hold_days": product.hold_days,
        "conversion_fees": {str(k): str(v) for k, v in sorted(product.conversion_fees.items())},
        "early_settlement": product.early_settlement.value,
    }


@functools.cache
def shipped_line_catalog() -> Mapping[str, LineProduct]:
    """The shipped catalogue, parsed once per process (read-only): the HTTP server asks for it
    on every offer, and parsing the YAML each time cost a quarter of an application's time."""
    return MappingProxyType(load_line_catalog())


def load_line_catalog(text: str | None = None) -> dict[str, LineProduct]:
    """Line products by code from YAML text (default: the catalogue shipped with puhui)."""
    if text is None:
        text = resources.files("puhui.lines").joinpath("catalog.yaml").read_text("utf-8")
    documents = yaml.safe_load(text) or {}
    products = [line_product_from_mapping(item) for item in documents.get("products", [])]
    catalog = {p.code: p for p in products}
    if len(catalog) != len(products):
        raise InvalidLineProduct("line product codes must be unique in a catalogue")
    return catalog
