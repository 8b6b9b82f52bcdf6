"""Features for many applicants at once, through the same adapters and feature code as online.

Used to train models, back-test strategies and re-score a portfolio: applicants are processed in
chunks (bounded memory: a chunk's daily flows are chunk × 360 × 3 integers), each chunk through
`compute_features` — the very function a single online decision calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from puhui.credit.adapters import BureauBatch, DataSources
from puhui.credit.features import FEATURE_NAMES, ApplicantFacts, FeatureInputs, compute_features

FloatArray = npt.NDArray[np.float64]
Int64Array = npt.NDArray[np.int64]
DEFAULT_CHUNK = 20_000
FLOW_DAYS = 360


@dataclass(frozen=True, slots=True)
class FactsTable:
    """Declared facts of many applicants (aligned arrays), plus their bureau consent."""

    applicant_ids: Int64Array
    facts: ApplicantFacts
    consent_bureau: npt.NDArray[np.bool_]


def _take(facts: ApplicantFacts, rows: slice) -> ApplicantFacts:
    return ApplicantFacts(
        age=facts.age[rows],
        city_tier=facts.city_tier[rows],
        is_merchant=facts.is_merchant[rows],
        is_student=facts.is_student[rows],
        declared_monthly_income_minor=facts.declared_monthly_income_minor[rows],
        amount_minor=facts.amount_minor[rows],
    )


def _bureau_with_consent(
    sources: DataSources, ids: Sequence[int], consent: npt.NDArray[np.bool_], as_of: date
) -> BureauBatch | None:
    """Query the bureau for the applicants who consented only; the rest get empty rows (their
    bureau features become NaN through `bureau_available`)."""
    asked = [applicant for applicant, ok in zip(ids, consent.tolist(), strict=True) if ok]
    if not asked:
        return None
    report = sources.bureau.reports(asked, consented=[True] * len(asked), as_of=as_of)
    positions = np.flatnonzero(consent)

    def spread(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        full = np.zeros(len(ids), values.dtype)
        full[positions] = values
        return full

    return BureauBatch(
        inquiries_30d=spread(report.inquiries_30d),
        inquiries_90d=spread(report.inquiries_90d),
        other_lenders=spread(report.other_lenders),
        other_balance_minor=spread(report.other_balance_minor),
        currently_delinquent=spread(report.currently_delinquent),
        delinquencies_24m=spread(report.delinquencies_24m),
    )


BUREAU_FIELDS = (
    "inquiries_30d",
    "inquiries_90d",
    "other_lenders",
    "other_balance_minor",
    "currently_delinquent",
    "delinquencies_24m",
)


def features_for(
    sources: DataSources,
    table: FactsTable,
    *,
    as_of: date,
    shared_device_applicants: Int64Array,
    chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> dict[str, FloatArray]:
    """Every feature for every applicant in `table` (NaN where unknown)."""
    count = len(table.applicant_ids)
    out = {name: np.empty(count, np.float64) for name in FEATURE_NAMES}
    for start in range(0, count, chunk):
        rows = slice(start, min(start + chunk, count))
        ids: Sequence[int] = table.applicant_ids[rows].tolist()
        consent = table.consent_bureau[rows]
        inputs = FeatureInputs(
            facts=_take(table.facts, rows),
            flows=sources.transactions.flows(ids, as_of=as_of, days=FLOW_DAYS),
            bureau=_bureau_with_consent(sources, ids, consent, as_of),
            bureau_available=consent,
            history=sources.history.history(ids, as_of=as_of),
            shared_device_applicants=shared_device_applicants[rows],
        )
        for name, values in compute_features(inputs).items():
            out[name][rows] = values
        if progress:
            progress(rows.stop)
    return out
