"""The decision record: immutable, complete enough to explain and to replay any decision.

It keeps the application's fingerprint, a hash of every input the adapters returned, the feature
values, the fraud facts, the versions of rule set, model and strategy, the rules that fired, the
score, PD and reasons, the outcome and the offer. Unknown feature values (NaN) are stored as None.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from puhui.credit.adapters import BureauBatch, FlowBatch, HistoryBatch, IdentityBatch


@dataclass(frozen=True, slots=True)
class Offer:
    product_code: str
    amount_minor: int
    annual_rate: str
    periods: int
    apr_nominal_percent: str
    apr_effective_percent: str
    first_instalment_minor: int
    total_repayable_minor: int
    band: str
    strategy: str


@dataclass(frozen=True, slots=True)
class ReasonRecord:
    code: str
    description: str
    source: str  # "rule" or "model"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    application_id: str
    applicant_id: int
    business_date: date
    application_hash: str
    inputs_hash: str
    existing_exposure_minor: int
    features: dict[str, float | None]
    fraud: dict[str, float]
    rule_set: str
    model: str
    strategy: str
    rules_fired: tuple[str, ...]
    pd: float | None
    score: int | None
    outcome: str
    reasons: tuple[ReasonRecord, ...]
    offer: Offer | None

    def to_json(self) -> str:
        data = _fields(self)
        data["business_date"] = self.business_date.isoformat()
        data["reasons"] = [_fields(reason) for reason in self.reasons]
        data["offer"] = _fields(self.offer) if self.offer else None
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DecisionRecord:
        data = json.loads(text)
        data["business_date"] = date.fromisoformat(data["business_date"])
        data["rules_fired"] = tuple(data["rules_fired"])
        data["reasons"] = tuple(ReasonRecord(**r) for r in data["reasons"])
        data["offer"] = Offer(**data["offer"]) if data["offer"] else None
        return cls(**data)

    def feature_values(self) -> dict[str, float]:
        """Features back as floats (None → NaN) for a replay."""
        return {k: (math.nan if v is None else float(v)) for k, v in self.features.items()}


def _fields(record: Any) -> dict[str, Any]:
    """A dataclass's fields one level deep: `asdict` deep-copies every value (arrays too), which
    cost more than the rest of a decision."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def storable(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if math.isnan(v) else v) for k, v in values.items()}


def inputs_hash(
    flows: FlowBatch, bureau: BureauBatch | None, history: HistoryBatch, identity: IdentityBatch
) -> str:
    """A hash over every array the data adapters returned for a decision."""
    digest = hashlib.sha256()
    for batch in (flows, bureau, history, identity):
        if batch is None:
            digest.update(b"none")
            continue
        for value in _fields(batch).values():
            digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


def rate_text(rate: Decimal | None) -> str:
    return "" if rate is None else str(rate)
