"""The data a decision draws on, behind interfaces a deployment implements for its sources.

Every adapter is batch-shaped: it answers for many applicants at once (a back-test, a portfolio
re-score) and the online path simply asks for one. That keeps one feature definition serving
both (see `features`). The simulator (`puhui.sim.sources`) implements all of them; a lender plugs
in its own transaction platform, repayment history, licensed credit bureau and device service.

Amounts are integer minor units. The bureau adapter enforces consent itself: asking for a report
without the applicant's recorded consent raises, so no code path can query it by mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import numpy as np
import numpy.typing as npt

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class FlowBatch:
    """Daily money in and out over the `days` days ending the day before `as_of` (n × days)."""

    inflow_minor: Int64Array
    outflow_minor: Int64Array
    refunds_minor: Int64Array


@dataclass(frozen=True, slots=True)
class BureauBatch:
    """What a credit bureau reports per applicant (only for those who consented)."""

    inquiries_30d: Int64Array
    inquiries_90d: Int64Array
    other_lenders: Int64Array
    other_balance_minor: Int64Array
    currently_delinquent: BoolArray
    delinquencies_24m: Int64Array


@dataclass(frozen=True, slots=True)
class HistoryBatch:
    """The applicant's repayment history on this platform."""

    prior_loans: Int64Array
    instalments_due: Int64Array
    instalments_on_time: Int64Array
    currently_overdue: BoolArray


@dataclass(frozen=True, slots=True)
class IdentityBatch:
    """Device and identity signals: ids of the device, phone, bank card and address used."""

    device_id: Int64Array
    phone_id: Int64Array
    card_id: Int64Array
    address_id: Int64Array


class TransactionFlowSource(Protocol):
    def flows(self, applicant_ids: Sequence[int], *, as_of: date, days: int) -> FlowBatch: ...


class CreditBureau(Protocol):
    def reports(
        self, applicant_ids: Sequence[int], *, consented: Sequence[bool], as_of: date
    ) -> BureauBatch:
        """Raises ConsentMissing if any applicant has not consented to a bureau query."""


class RepaymentHistorySource(Protocol):
    def history(self, applicant_ids: Sequence[int], *, as_of: date) -> HistoryBatch: ...


class IdentitySource(Protocol):
    def identities(self, applicant_ids: Sequence[int]) -> IdentityBatch: ...


class DataSources(Protocol):
    """Everything the engine reads, bundled (one object per deployment)."""

    @property
    def transactions(self) -> TransactionFlowSource: ...

    @property
    def bureau(self) -> CreditBureau: ...

    @property
    def history(self) -> RepaymentHistorySource: ...

    @property
    def identity(self) -> IdentitySource: ...
