"""A credit application as submitted: who applies, for what, with which consents.

Declared facts (age, occupation, income) come from the application form and identity checks;
everything else the engine reads through its data adapters. Validation refuses an application
that can never be decided (a missing field, a negative amount) with a reason code, before any
data source is touched.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import date, datetime

from puhui.credit.errors import InvalidApplication

MAX_ID_LENGTH = 64
KINDS = ("consumer", "merchant")
OCCUPATIONS = ("employee", "self_employed", "civil_servant", "student", "farmer", "unemployed")


@dataclass(frozen=True, slots=True)
class Application:
    """An application; `application_id` is the applicant channel's idempotency key."""

    application_id: str
    applicant_id: int
    product_code: str
    amount_minor: int
    periods: int
    business_date: date
    submitted_at: datetime
    kind: str
    age: int
    occupation: str
    city_tier: int
    declared_monthly_income_minor: int
    consent_bureau: bool
    consent_data_use: bool

    def __post_init__(self) -> None:
        problems = []
        if not self.application_id or len(self.application_id) > MAX_ID_LENGTH:
            problems.append(f"application_id must be 1–{MAX_ID_LENGTH} characters")
        if self.amount_minor <= 0:
            problems.append("amount must be positive")
        if not 1 <= self.periods <= 60:
            problems.append("periods must be 1–60")
        if self.kind not in KINDS:
            problems.append(f"kind must be one of {KINDS}")
        if self.occupation not in OCCUPATIONS:
            problems.append(f"occupation must be one of {OCCUPATIONS}")
        if not 14 <= self.age <= 100:
            problems.append("age must be 14–100")
        if not 1 <= self.city_tier <= 4:
            problems.append("city tier must be 1–4")
        if self.declared_monthly_income_minor < 0:
            problems.append("declared income must not be negative")
        if problems:
            raise InvalidApplication(
                f"application {self.application_id!r} is invalid: {'; '.join(problems)}"
            )

    def to_json(self) -> str:
        # fields one level deep by hand: `asdict` deep-copies and cost more than the decision
        content: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        content["business_date"] = self.business_date.isoformat()
        content["submitted_at"] = self.submitted_at.isoformat()
        return json.dumps(content, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Application:
        data = json.loads(text)
        data["business_date"] = date.fromisoformat(data["business_date"])
        data["submitted_at"] = datetime.fromisoformat(data["submitted_at"])
        return cls(**data)

    def fingerprint(self) -> str:
        """Hash of the whole application: a reused id with different content is refused."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()
