"""Features, declared once and computed by the same code for one applicant or a million.

`compute_features` works on arrays with a leading applicant axis: the online decision calls it
with one applicant, back-tests and training call it with whole tables, so online and offline
values cannot drift apart (the parity test proves it). Months are 30-day blocks counted back from
the decision date. Missing data (no bureau consent, no platform history) gives NaN, which the
rules and models treat explicitly.

Amounts in features are in major units (yuan) as floats: features are model inputs, not money.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from puhui.credit.adapters import BureauBatch, FlowBatch, HistoryBatch

FloatArray = npt.NDArray[np.float64]
Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

FLOW_DAYS = 360  # twelve 30-day months of history
MONTH_DAYS = 30


@dataclass(frozen=True, slots=True)
class FeatureDefinition:
    name: str
    description: str  # how a borrower would understand it (used in decline reasons)
    higher_is_riskier: bool | None  # the expected direction, for monotone model constraints


FEATURES: tuple[FeatureDefinition, ...] = (
    FeatureDefinition("age", "your age", None),
    FeatureDefinition("city_tier", "where you live", True),
    FeatureDefinition("is_merchant", "applying as a business", None),
    FeatureDefinition("is_student", "being a student", True),
    FeatureDefinition("monthly_income", "your income or your shop's monthly sales", False),
    FeatureDefinition(
        "amount_to_monthly_income",
        "the amount asked for compared with your monthly income or sales",
        True,
    ),
    FeatureDefinition("sales_3m", "your shop's sales in the last 3 months", False),
    FeatureDefinition("sales_12m", "your shop's sales in the last 12 months", False),
    FeatureDefinition("sales_growth_3m", "how your sales changed in the last 3 months", False),
    FeatureDefinition("sales_volatility", "how much your monthly sales go up and down", True),
    FeatureDefinition(
        "active_days_90d", "how many days your shop traded in the last 90 days", False
    ),
    FeatureDefinition("refund_rate_90d", "the share of sales refunded in the last 90 days", True),
    FeatureDefinition(
        "top_days_share_90d", "how much of your sales come from a few busy days", True
    ),
    FeatureDefinition("spending_to_income", "your spending compared with your income", True),
    FeatureDefinition("spending_volatility", "how much your monthly spending changes", True),
    FeatureDefinition("bureau_inquiries_30d", "recent applications for credit elsewhere", True),
    FeatureDefinition(
        "bureau_inquiries_90d", "applications for credit elsewhere in 3 months", True
    ),
    FeatureDefinition("bureau_other_lenders", "how many other lenders you owe", True),
    FeatureDefinition("bureau_other_debt", "your debt with other lenders", True),
    FeatureDefinition("debt_to_income", "your debt compared with your yearly income", True),
    FeatureDefinition("bureau_delinquent_now", "a loan elsewhere that is overdue now", True),
    FeatureDefinition("bureau_delinquencies_24m", "late payments elsewhere in two years", True),
    FeatureDefinition("platform_prior_loans", "loans you repaid with us before", False),
    FeatureDefinition("platform_on_time_ratio", "how often you paid us on time", False),
    FeatureDefinition("platform_overdue_now", "a loan with us that is overdue now", True),
    FeatureDefinition(
        "shared_device_applicants", "other applicants using your phone or device", True
    ),
)
FEATURE_NAMES = tuple(f.name for f in FEATURES)
DESCRIPTIONS = {f.name: f.description for f in FEATURES}


@dataclass(frozen=True, slots=True)
class ApplicantFacts:
    """What the applications declare, one entry per applicant."""

    age: Int64Array
    city_tier: Int64Array
    is_merchant: BoolArray
    is_student: BoolArray
    declared_monthly_income_minor: Int64Array
    amount_minor: Int64Array


@dataclass(frozen=True, slots=True)
class FeatureInputs:
    facts: ApplicantFacts
    flows: FlowBatch
    bureau: BureauBatch | None  # None rows are given by `bureau_available`
    bureau_available: BoolArray
    history: HistoryBatch
    shared_device_applicants: Int64Array


def _months(daily: Int64Array) -> FloatArray:
    """Sum of the last 360 days in twelve 30-day months, oldest first (n × 12), in yuan."""
    recent = daily[:, -FLOW_DAYS:].astype(np.float64) / 100.0
    months: FloatArray = recent.reshape(len(daily), FLOW_DAYS // MONTH_DAYS, MONTH_DAYS).sum(axis=2)
    return months


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )


def _coefficient_of_variation(months: FloatArray) -> FloatArray:
    mean = months.mean(axis=1)
    return _ratio(months.std(axis=1), mean)


def _merchant_features(flows: FlowBatch, merchant: BoolArray) -> dict[str, FloatArray]:
    sales = _months(flows.inflow_minor)
    last_90 = flows.inflow_minor[:, -90:].astype(np.float64)
    refunds_90 = flows.refunds_minor[:, -90:].astype(np.float64).sum(axis=1)
    sales_90 = last_90.sum(axis=1)
    top_days = np.sort(last_90, axis=1)[:, -9:].sum(axis=1)  # the busiest 10 % of days
    values = {
        "sales_3m": sales[:, -3:].sum(axis=1),
        "sales_12m": sales.sum(axis=1),
        "sales_growth_3m": _ratio(sales[:, -3:].sum(axis=1), sales[:, -6:-3].sum(axis=1)) - 1,
        "sales_volatility": _coefficient_of_variation(sales),
        "active_days_90d": (last_90 > 0).sum(axis=1).astype(np.float64),
        "refund_rate_90d": _ratio(refunds_90, sales_90),
        "top_days_share_90d": _ratio(top_days, sales_90),
    }
    return {name: np.where(merchant, value, np.nan) for name, value in values.items()}


def _consumer_features(flows: FlowBatch, consumer: BoolArray) -> dict[str, FloatArray]:
    income = _months(flows.inflow_minor)
    spending = _months(flows.outflow_minor)
    values = {
        "spending_to_income": _ratio(spending[:, -6:].sum(axis=1), income[:, -6:].sum(axis=1)),
        "spending_volatility": _coefficient_of_variation(spending),
    }
    return {name: np.where(consumer, value, np.nan) for name, value in values.items()}


def _monthly_income(inputs: FeatureInputs) -> FloatArray:
    """Observed monthly income (consumers: median salary month) or sales (merchants)."""
    months = _months(inputs.flows.inflow_minor)
    observed = np.where(inputs.facts.is_merchant, months.mean(axis=1), np.median(months, axis=1))
    declared = inputs.facts.declared_monthly_income_minor / 100.0
    # Trust what the flows show; fall back to the declaration only without any flows.
    return np.where(observed > 0, observed, declared)


BUREAU_FEATURES = (
    "bureau_inquiries_30d",
    "bureau_inquiries_90d",
    "bureau_other_lenders",
    "bureau_other_debt",
    "debt_to_income",
    "bureau_delinquent_now",
    "bureau_delinquencies_24m",
)


def _bureau_features(inputs: FeatureInputs, monthly_income: FloatArray) -> dict[str, FloatArray]:
    n = len(inputs.bureau_available)
    nan = np.full(n, np.nan)
    bureau = inputs.bureau
    if bureau is None:
        return dict.fromkeys(BUREAU_FEATURES, nan)
    ok = inputs.bureau_available
    debt = bureau.other_balance_minor / 100.0

    def masked(values: npt.NDArray[np.generic]) -> FloatArray:
        return np.where(ok, values.astype(np.float64), np.nan)

    return {
        "bureau_inquiries_30d": masked(bureau.inquiries_30d),
        "bureau_inquiries_90d": masked(bureau.inquiries_90d),
        "bureau_other_lenders": masked(bureau.other_lenders),
        "bureau_other_debt": masked(debt),
        "debt_to_income": masked(_ratio(debt, monthly_income * 12)),
        "bureau_delinquent_now": masked(bureau.currently_delinquent),
        "bureau_delinquencies_24m": masked(bureau.delinquencies_24m),
    }


def compute_features(inputs: FeatureInputs) -> dict[str, FloatArray]:
    """Every feature in `FEATURES`, as an array over the applicants (NaN where unknown)."""
    facts = inputs.facts
    monthly_income = _monthly_income(inputs)
    history = inputs.history
    values: dict[str, FloatArray] = {
        "age": facts.age.astype(np.float64),
        "city_tier": facts.city_tier.astype(np.float64),
        "is_merchant": facts.is_merchant.astype(np.float64),
        "is_student": facts.is_student.astype(np.float64),
        "monthly_income": monthly_income,
        "amount_to_monthly_income": _ratio(facts.amount_minor / 100.0, monthly_income),
        "platform_prior_loans": history.prior_loans.astype(np.float64),
        "platform_on_time_ratio": _ratio(
            history.instalments_on_time.astype(np.float64),
            history.instalments_due.astype(np.float64),
        ),
        "platform_overdue_now": history.currently_overdue.astype(np.float64),
        "shared_device_applicants": inputs.shared_device_applicants.astype(np.float64),
    }
    values.update(_merchant_features(inputs.flows, facts.is_merchant))
    values.update(_consumer_features(inputs.flows, ~facts.is_merchant))
    values.update(_bureau_features(inputs, monthly_income))
    return {name: values[name] for name in FEATURE_NAMES}


def row(features: dict[str, FloatArray], index: int) -> dict[str, float]:
    """One applicant's feature values as a plain mapping (NaN kept as NaN)."""
    return {name: float(values[index]) for name, values in features.items()}
