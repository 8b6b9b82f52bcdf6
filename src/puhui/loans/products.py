"""Loan products as validated, versioned data.

A product is a named set of defaults and rules: how schedules are built, how interest and
penalties accrue, in which order a payment is allocated, what happens to an overpayment, when a
loan is charged off. Products live in YAML (see `catalog.yaml`); a loan keeps the product version
it was booked under, so editing a product changes new loans only.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from puhui.core.dates import DayCount, add_months
from puhui.core.errors import InvalidInput
from puhui.core.money import CNY, Currency, currency_of, format_minor, parse_minor
from puhui.core.rounding import RoundingMode
from puhui.loans.errors import InvalidProduct, InvalidTerms
from puhui.loans.terms import Frequency, HarvestDate, InterestBasis, Method, ScheduleTerms


class ProductKind(StrEnum):
    INSTALMENT_LOAN = "instalment_loan"
    BNPL = "bnpl"
    REVOLVING_DRAW = "revolving_draw"
    SEASONAL = "seasonal"


class PrepaymentRule(StrEnum):
    """What an amount beyond everything due does."""

    REDUCE_TERM = "reduce_term"  # keep the instalment, finish earlier
    REDUCE_INSTALMENT = "reduce_instalment"  # keep the dates, pay less each time
    HOLD_CREDIT = "hold_credit"  # keep it as a credit balance, applied at the next due date
    NOT_ALLOWED = "not_allowed"  # early repayment refused: the excess is held as credit


class RefundRule(StrEnum):
    """How a merchant refund changes a BNPL plan."""

    REAMORTISE = "reamortise"  # same dates, smaller instalments
    SHORTEN = "shorten"  # same instalment, the last ones fall away


class Component(StrEnum):
    PENALTY = "penalty"
    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


class Bucket(StrEnum):
    PAST_DUE = "past_due"
    DUE = "due"


DEFAULT_ALLOCATION: tuple[tuple[Bucket, Component], ...] = tuple(
    (bucket, component) for bucket in Bucket for component in Component
)


def parse_allocation(steps: list[str]) -> tuple[tuple[Bucket, Component], ...]:
    """Parse ["past_due.penalty", ...]; every (bucket, component) pair must appear exactly once."""
    parsed = []
    for step in steps:
        try:
            bucket, component = step.split(".")
            parsed.append((Bucket(bucket), Component(component)))
        except ValueError:
            raise InvalidProduct(
                f"allocation step {step!r} must read bucket.component with bucket in "
                f"{[b.value for b in Bucket]} and component in {[c.value for c in Component]}"
            ) from None
    if sorted(parsed) != sorted(DEFAULT_ALLOCATION):
        raise InvalidProduct(
            "an allocation order must list every bucket.component pair exactly once "
            f"({len(DEFAULT_ALLOCATION)} steps)"
        )
    return tuple(parsed)


@dataclass(frozen=True, slots=True)
class Product:
    """A loan product version; `code` + `version` identify it for ever."""

    code: str
    version: int
    name: str
    kind: ProductKind
    currency: Currency = CNY
    # schedule defaults
    annual_rate: Decimal = Decimal("0.18")
    periods: int = 12
    allowed_periods: tuple[int, ...] = ()
    frequency: Frequency = Frequency.MONTHLY
    method: Method = Method.EQUAL_INSTALMENT
    interest_basis: InterestBasis = InterestBasis.PERIOD
    day_count: DayCount = DayCount.ACTUAL_360
    rounding: RoundingMode = RoundingMode.HALF_UP
    instalment_multiple_minor: int = 1
    principal_grace_periods: int = 0
    down_payment_rate: Decimal = Decimal(0)
    fee_rate_per_period: Decimal = Decimal(0)
    min_principal_minor: int = 100_00
    max_principal_minor: int = 200_000_00
    # servicing rules
    grace_days: int = 3
    penalty_rate_multiplier: Decimal = Decimal("1.5")
    late_fee_minor: int = 0
    # Allocation order per transaction type (Fineract's "advanced payment allocation"): a
    # borrower's repayment, and a held credit balance applied when instalments fall due.
    repayment_allocation: tuple[tuple[Bucket, Component], ...] = DEFAULT_ALLOCATION
    credit_allocation: tuple[tuple[Bucket, Component], ...] = DEFAULT_ALLOCATION
    prepayment_rule: PrepaymentRule = PrepaymentRule.REDUCE_TERM
    prepayment_fee_rate: Decimal = Decimal(0)
    refund_rule: RefundRule = RefundRule.REAMORTISE
    charge_off_dpd: int = 180
    draw_period_days: int = 0  # revolving: draws allowed until start + this many days
    facility_term_days: int = 0  # revolving: everything is due this many days after opening
    harvest_shares: tuple[Decimal, ...] = field(default=())

    def __post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        if not self.code or not self.code.replace("_", "").replace("-", "").isalnum():
            raise InvalidProduct(f"product code {self.code!r} must be letters, digits, - or _")
        if self.version < 1:
            raise InvalidProduct("product version starts at 1")
        if not 0 <= self.grace_days <= 90:
            raise InvalidProduct("grace days must be 0–90")
        if not 1 <= self.charge_off_dpd <= 3650:
            raise InvalidProduct("charge-off days past due must be 1–3650")
        if not Decimal(0) <= self.penalty_rate_multiplier <= 4:
            raise InvalidProduct("penalty rate multiplier must be 0–4 times the contract rate")
        if self.late_fee_minor < 0:
            raise InvalidProduct("late fee must not be negative")
        if not Decimal(0) <= self.prepayment_fee_rate <= Decimal("0.1"):
            raise InvalidProduct("prepayment fee must be 0–10 % of the principal prepaid")
        if not 0 < self.min_principal_minor <= self.max_principal_minor:
            raise InvalidProduct("principal limits must satisfy 0 < min ≤ max")
        if self.allowed_periods and self.periods not in self.allowed_periods:
            raise InvalidProduct(f"default periods {self.periods} not in {self.allowed_periods}")
        if self.kind is ProductKind.SEASONAL and not self.harvest_shares:
            raise InvalidProduct("a seasonal product needs harvest_shares summing to 1")
        if self.kind is ProductKind.REVOLVING_DRAW and not (
            0 < self.draw_period_days < self.facility_term_days <= 3 * 366
        ):
            raise InvalidProduct(
                "a revolving product needs 0 < draw_period_days < facility_term_days ≤ 1098"
            )
        if self.harvest_shares and sum(self.harvest_shares) != 1:
            raise InvalidProduct("harvest_shares must sum to 1")
        # A sample schedule proves the defaults make valid terms.
        sample_start = date(2024, 1, 31)
        sample_harvests = tuple(
            add_months(sample_start, 6 * (k + 1)) for k in range(len(self.harvest_shares))
        )
        self.terms(
            principal_minor=self.min_principal_minor,
            start_date=sample_start,
            harvest_dates=sample_harvests,
        )

    def terms(
        self,
        *,
        principal_minor: int,
        start_date: date,
        overrides: Mapping[str, Any] | None = None,
        harvest_dates: tuple[date, ...] = (),
    ) -> ScheduleTerms:
        """Schedule terms from this product's defaults with the given overrides applied."""
        settings: dict[str, Any] = {
            "annual_rate": self.annual_rate,
            "periods": self.periods,
            "frequency": self.frequency,
            "method": self.method,
            "interest_basis": self.interest_basis,
            "day_count": self.day_count,
            "rounding": self.rounding,
            "instalment_multiple_minor": self.instalment_multiple_minor,
            "principal_grace_periods": self.principal_grace_periods,
            "down_payment_rate": self.down_payment_rate,
            "fee_rate_per_period": self.fee_rate_per_period,
        }
        settings.update(overrides or {})
        if len(harvest_dates) != len(self.harvest_shares):
            raise InvalidTerms(
                f"{self.code} needs {len(self.harvest_shares)} harvest dates, "
                f"got {len(harvest_dates)}"
            )
        harvests = tuple(
            HarvestDate(d, s) for d, s in zip(harvest_dates, self.harvest_shares, strict=True)
        )
        return ScheduleTerms(
            principal_minor=principal_minor,
            start_date=start_date,
            harvest_dates=harvests,
            currency=self.currency,
            **settings,
        )

    def check_offer(self, *, principal_minor: int, periods: int) -> None:
        """Refuse an amount or term this product does not offer."""
        if not self.min_principal_minor <= principal_minor <= self.max_principal_minor:
            raise InvalidProduct(
                f"{self.code} lends {format_minor(self.min_principal_minor)}–"
                f"{format_minor(self.max_principal_minor)} {self.currency.code}"
            )
        if self.allowed_periods and periods not in self.allowed_periods:
            raise InvalidProduct(f"{self.code} offers {list(self.allowed_periods)} instalments")


_DECIMAL_FIELDS = {
    "annual_rate",
    "down_payment_rate",
    "fee_rate_per_period",
    "penalty_rate_multiplier",
    "prepayment_fee_rate",
}
_MONEY_FIELDS = {"instalment_multiple", "min_principal", "max_principal", "late_fee"}
_ENUM_FIELDS: dict[str, type[StrEnum]] = {
    "kind": ProductKind,
    "frequency": Frequency,
    "method": Method,
    "interest_basis": InterestBasis,
    "day_count": DayCount,
    "rounding": RoundingMode,
    "prepayment_rule": PrepaymentRule,
    "refund_rule": RefundRule,
}


def _decimal(value: object, key: str) -> Decimal:
    if isinstance(value, float):
        raise InvalidProduct(f"{key}: write rates as quoted decimal text (e.g. '0.18'), not floats")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidProduct(f"{key}: {value!r} is not a decimal number") from None


def _money(value: object, key: str, currency: Currency) -> int:
    if isinstance(value, float):
        raise InvalidProduct(
            f"{key}: write amounts as quoted decimal text (e.g. '500'), not floats"
        )
    try:
        return parse_minor(str(value), currency, what=key)
    except InvalidInput as error:
        raise InvalidProduct(str(error)) from None


def _periods(raw: object) -> tuple[int, ...]:
    if not isinstance(raw, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in raw
    ):
        raise InvalidProduct("allowed_periods must be a list of whole numbers, e.g. [3, 6, 12]")
    return tuple(raw)


def product_from_mapping(data: Mapping[str, Any]) -> Product:
    """Build a product from YAML data: money in major units, rates as quoted decimals."""
    raw_money = {f"{name}_minor" for name in _MONEY_FIELDS}
    known = ({f.name for f in fields(Product)} - raw_money) | _MONEY_FIELDS
    unknown = set(data) - known
    if unknown:
        raise InvalidProduct(f"unknown product settings: {sorted(unknown)}")
    currency = currency_of(str(data.get("currency", "CNY")))
    values: dict[str, Any] = {"currency": currency}
    for key, raw in data.items():
        if key == "currency":
            continue
        if key in _DECIMAL_FIELDS:
            values[key] = _decimal(raw, key)
        elif key in _MONEY_FIELDS:
            values[f"{key}_minor"] = _money(raw, key, currency)
        elif key in _ENUM_FIELDS:
            try:
                values[key] = _ENUM_FIELDS[key](raw)
            except ValueError:
                options = [m.value for m in _ENUM_FIELDS[key]]
                raise InvalidProduct(f"{key}: {raw!r} is not one of {options}") from None
        elif key in ("repayment_allocation", "credit_allocation"):
            values[key] = parse_allocation(list(raw))
        elif key == "allowed_periods":
            values[key] = _periods(raw)
        elif key == "harvest_shares":
            values[key] = tuple(_decimal(v, key) for v in raw)
        else:
            values[key] = raw
    try:
        return Product(**values)
    except TypeError as error:
        raise InvalidProduct(f"product definition incomplete: {error}") from None


@functools.cache
def shipped_catalog() -> Mapping[str, Product]:
    """The shipped catalogue, parsed once per process (read-only): the HTTP server asks for it
    on every offer, and parsing the YAML each time cost a quarter of an application's time."""
    return MappingProxyType(load_catalog())


def load_catalog(text: str | None = None) -> dict[str, Product]:
    """Products by code from YAML text (default: the catalogue shipped with puhui)."""
    if text is None:
        text = resources.files("puhui.loans").joinpath("catalog.yaml").read_text("utf-8")
    documents = yaml.safe_load(text) or {}
    products = [product_from_mapping(item) for item in documents.get("products", [])]
    catalog = {p.code: p for p in products}
    if len(catalog) != len(products):
        raise InvalidProduct("product codes must be unique in a catalogue")
    return catalog


def with_changes(product: Product, **changes: Any) -> Product:
    """A new version of a product with some settings changed (loans keep their own version)."""
    return replace(product, version=product.version + 1, **changes)


def product_to_mapping(product: Product) -> dict[str, Any]:
    """The YAML/JSON form of a product (inverse of `product_from_mapping`)."""
    data: dict[str, Any] = {}
    for item in fields(Product):
        value = getattr(product, item.name)
        name = item.name
        if name == "currency":
            data[name] = value.code
        elif name.endswith("_minor") and name.removesuffix("_minor") in _MONEY_FIELDS:
            data[name.removesuffix("_minor")] = format_minor(value, product.currency)
        elif name in _DECIMAL_FIELDS:
            data[name] = str(value)
        elif isinstance(value, StrEnum):
            data[name] = value.value
        elif name in ("repayment_allocation", "credit_allocation"):
            data[name] = [f"{b.value}.{c.value}" for b, c in value]
        elif name in ("allowed_periods",):
            data[name] = list(value)
        elif name == "harvest_shares":
            data[name] = [str(v) for v in value]
        else:
            data[name] = value
    return data
