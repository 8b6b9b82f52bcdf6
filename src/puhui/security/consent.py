"""Consent records: what a customer agreed to, for which purpose and scope, and when withdrawn.

Nothing that needs consent runs without a live record for its purpose: a bureau query, using the
applicant's data for a decision, sharing data with a funder. Withdrawal is a timestamp, not a
delete, so the history stays auditable; from that moment the purpose is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from puhui.security.errors import ConsentRequired


class Purpose(StrEnum):
    DATA_USE = "data_use"  # use the applicant's data to decide and service
    BUREAU_QUERY = "bureau_query"  # ask the credit bureau for a report
    DATA_SHARING = "data_sharing"  # share loan data with the funding partner bank


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    consent_id: int
    customer_id: int
    purpose: Purpose
    scope: str
    granted_at: datetime
    withdrawn_at: datetime | None = None

    def live_at(self, moment: datetime) -> bool:
        return self.granted_at <= moment and (
            self.withdrawn_at is None or moment < self.withdrawn_at
        )


def live_purposes(records: Iterable[ConsentRecord], moment: datetime) -> set[Purpose]:
    return {record.purpose for record in records if record.live_at(moment)}


def require_consent(records: Iterable[ConsentRecord], purpose: Purpose, moment: datetime) -> None:
    if purpose not in live_purposes(records, moment):
        raise ConsentRequired(
            f"the customer has no live consent for {purpose.value}; record the customer's "
            f"consent (POST /customers/{{id}}/consents) before this step"
        )
