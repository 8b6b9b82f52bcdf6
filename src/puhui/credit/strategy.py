"""Strategy: from a probability of default to approve / decline / refer, a limit, a price, a term.

A strategy is versioned data (YAML). Score bands map PD to an outcome and an annual rate; the
limit is a multiple of monthly income or sales by band, then capped by the product, by the
jurisdiction profile's per-borrower caps (less what the borrower already owes) and, for
individuals, by the profile's share of annual income; the price never exceeds the profile's cost
cap in force. A challenger strategy takes a configured share of applicants, chosen by a stable
hash of the applicant id so the same applicant always lands on the same side.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from puhui.compliance.exposure import borrower_caps as exposure_caps
from puhui.compliance.profile import JurisdictionProfile
from puhui.credit.errors import InvalidStrategy, LenderFiguresMissing
from puhui.credit.lender import LenderFigures

HASH_BUCKETS = 10_000


class Outcome(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    REFER = "refer"


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    max_pd: float
    outcome: Outcome
    annual_rate: Decimal | None
    income_multiple: Decimal


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str
    version: int
    bands: tuple[Band, ...]
    max_periods: int
    content_hash: str

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def band_for(self, pd: float) -> Band:
        for band in self.bands:
            if pd <= band.max_pd:
                return band
        return self.bands[-1]


@dataclass(frozen=True, slots=True)
class Terms:
    """What a strategy offers: amount, rate, periods — or why it offers nothing."""

    outcome: Outcome
    band: str
    amount_minor: int
    annual_rate: Decimal | None
    periods: int
    limit_reason: str


def choose_strategy(
    applicant_id: int, champion: Strategy, challenger: Strategy | None, challenger_share: float
) -> Strategy:
    """Stable champion/challenger split by a hash of the applicant id."""
    if challenger is None or challenger_share <= 0:
        return champion
    digest = hashlib.sha256(f"applicant:{applicant_id}".encode()).digest()
    bucket = int.from_bytes(digest[:4], "big") % HASH_BUCKETS
    return challenger if bucket < challenger_share * HASH_BUCKETS else champion


@dataclass(frozen=True, slots=True)
class LimitInputs:
    requested_minor: int
    monthly_income_minor: int
    is_merchant: bool
    existing_exposure_minor: int
    product_min_minor: int
    product_max_minor: int
    requested_periods: int


def borrower_caps(
    profile: JurisdictionProfile, lender: LenderFigures | None, *, is_merchant: bool, on: date
) -> dict[str, int]:
    """The regulatory caps on what one borrower may owe the lender on `on` (see
    `compliance.exposure.borrower_caps`), with the lender's net assets from its figures."""
    if lender is None and profile.value_or_none("single_borrower_net_assets_share", on):
        raise LenderFiguresMissing(
            "the profile limits one borrower to a share of the lender's net assets; "
            "configure the lender's net assets (LenderFigures)"
        )
    net_assets = None if lender is None else lender.net_assets_on(on)
    return exposure_caps(profile, is_merchant=is_merchant, on=on, net_assets_minor=net_assets)


def borrower_cap(
    profile: JurisdictionProfile, lender: LenderFigures | None, *, is_merchant: bool, on: date
) -> int:
    """The lowest of `borrower_caps`: what acceptance checks an offer against."""
    return min(borrower_caps(profile, lender, is_merchant=is_merchant, on=on).values())


def offer_terms(
    strategy: Strategy,
    *,
    pd: float,
    inputs: LimitInputs,
    profile: JurisdictionProfile,
    lender: LenderFigures | None,
    on: date,
) -> Terms:
    """Outcome, limit and price for one applicant under `strategy` and the profile in force."""
    band = strategy.band_for(pd)
    periods = min(inputs.requested_periods, strategy.max_periods)
    if band.outcome is not Outcome.APPROVE:
        return Terms(band.outcome, band.name, 0, None, periods, f"band {band.name}")
    candidates = {
        "requested amount": inputs.requested_minor,
        "product maximum": inputs.product_max_minor,
        "income or sales multiple": int(band.income_multiple * inputs.monthly_income_minor),
    }
    for name, cap in borrower_caps(profile, lender, is_merchant=inputs.is_merchant, on=on).items():
        candidates[name] = cap - inputs.existing_exposure_minor
    if not inputs.is_merchant:
        share = profile.value_or_none("consumer_income_share_cap", on)
        if share is not None:
            annual = Decimal(inputs.monthly_income_minor) * 12
            candidates["share of annual income"] = int(annual * Decimal(str(share))) - (
                inputs.existing_exposure_minor
            )
    reason, amount = min(candidates.items(), key=lambda item: item[1])
    if amount < inputs.product_min_minor:
        return Terms(
            Outcome.DECLINE,
            band.name,
            0,
            None,
            periods,
            f"limit {amount} below the product minimum ({reason})",
        )
    rate = band.annual_rate
    cap = profile.value_or_none("annual_cost_cap", on)
    if rate is not None and cap is not None:
        rate = min(rate, Decimal(str(cap)))
    return Terms(Outcome.APPROVE, band.name, amount, rate, periods, reason)


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, float):
        raise InvalidStrategy(f"{where}: write numbers as quoted text, e.g. '0.18'")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidStrategy(f"{where}: {value!r} is not a number") from None


def parse_strategy(text: str) -> Strategy:
    """Validate a YAML strategy; bands must rise in PD and end at 1."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidStrategy(f"strategy is not valid YAML: {error}") from None
    if not isinstance(data, dict) or not data.get("bands"):
        raise InvalidStrategy("a strategy needs name, version and bands")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise InvalidStrategy("strategy version must be a positive whole number")
    bands = []
    for raw in data["bands"]:
        where = f"band {raw.get('name', '?')}"
        try:
            outcome = Outcome(raw["outcome"])
        except (KeyError, ValueError):
            raise InvalidStrategy(f"{where}: outcome must be approve, decline or refer") from None
        rate = raw.get("annual_rate")
        if outcome is Outcome.APPROVE and rate is None:
            raise InvalidStrategy(f"{where}: an approving band needs an annual_rate")
        bands.append(
            Band(
                name=str(raw.get("name") or where),
                max_pd=float(_decimal(raw.get("max_pd"), where)),
                outcome=outcome,
                annual_rate=_decimal(rate, where) if rate is not None else None,
                income_multiple=_decimal(raw.get("income_multiple", "0"), where),
            )
        )
    limits = [b.max_pd for b in bands]
    if limits != sorted(limits) or limits[-1] != 1.0 or len(set(limits)) != len(limits):
        raise InvalidStrategy("band max_pd values must rise strictly and the last must be 1")
    return Strategy(
        str(data.get("name", "strategy")),
        version,
        tuple(bands),
        int(data.get("max_periods", 36)),
        hashlib.sha256(text.encode()).hexdigest(),
    )


def shipped_strategy(name: str) -> Strategy:
    """A strategy shipped with puhui: `default` (the champion) or `challenger`."""
    shipped = resources.files("puhui.credit").joinpath("strategies", f"{name}.yaml")
    if not shipped.is_file():
        raise InvalidStrategy(f"no shipped strategy {name!r}; use default or challenger")
    return parse_strategy(shipped.read_text("utf-8"))


def load_strategy(path: str | None = None) -> Strategy:
    """The strategy in the YAML file at `path` (default: the shipped champion)."""
    if path is None:
        return shipped_strategy("default")
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as error:
        raise InvalidStrategy(f"cannot read strategy {path}: {error.strerror}") from None
    return parse_strategy(text)
