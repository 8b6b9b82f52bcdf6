"""Request and response bodies (pydantic). Amounts are integers in minor units (fen): a client
never sends or receives a float for money."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

MAX_MINOR = 10**13  # 100 bn yuan: far above any micro-loan, far below int64

Amount = Field(gt=0, le=MAX_MINOR, description="minor units (fen)")
MAX_ID = 2**62  # ids are 64-bit integers in the database
Id = Annotated[int, Path(ge=0, le=MAX_ID)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    type: str
    title: str
    status: int
    code: str
    detail: str


class SignIn(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class Token(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    role: str


class CustomerIn(Body):
    kind: str = Field(pattern="^(consumer|merchant)$")
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=1, max_length=18)
    phone: str = Field(min_length=1, max_length=11)
    bank_card: str = Field(min_length=1, max_length=19)
    address: str = Field(min_length=1, max_length=200)
    login: str | None = Field(default=None, min_length=3, max_length=64)
    password: str | None = Field(default=None, min_length=10, max_length=200)


class CustomerOut(BaseModel):
    customer_id: int
    kind: str
    masked: bool
    personal: dict[str, str]


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    next_cursor: str | None


class ConsentIn(Body):
    purpose: str = Field(pattern="^(data_use|bureau_query|data_sharing)$")
    scope: str = Field(min_length=1, max_length=200)


class ConsentOut(BaseModel):
    consent_id: int
    purpose: str
    scope: str
    granted_at: str
    withdrawn_at: str | None


class ApplicationIn(Body):
    application_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    customer_id: int = Field(ge=1, le=10**12)
    product_code: str = Field(min_length=1, max_length=64)
    amount_minor: int = Amount
    periods: int = Field(ge=1, le=60)
    age: int = Field(ge=14, le=100)
    occupation: str = Field(
        pattern="^(employee|self_employed|civil_servant|student|farmer|unemployed)$"
    )
    city_tier: int = Field(ge=1, le=4)
    declared_monthly_income_minor: int = Field(ge=0, le=MAX_MINOR)


class Reason(BaseModel):
    code: str
    description: str
    source: str


class InstalmentOut(BaseModel):
    seq: int
    due_date: str
    principal_minor: int
    interest_minor: int
    fee_minor: int
    total_minor: int


class OfferOut(BaseModel):
    product_code: str
    amount_minor: int
    periods: int
    apr_percent: str
    apr_effective_percent: str
    annual_rate_percent: str
    first_instalment_minor: int
    total_repayable_minor: int
    band: str
    instalments: list[InstalmentOut]


class FeatureOut(BaseModel):
    name: str
    description: str
    value: float | None


class DecisionOut(BaseModel):
    application_id: str
    customer_id: int
    business_date: str
    outcome: str
    offer: OfferOut | None
    reasons: list[Reason]
    rules_fired: list[str]
    score: int | None
    pd: float | None
    model: str
    rule_set: str
    strategy: str
    features: list[FeatureOut]


class DecisionSummary(BaseModel):
    application_id: str
    customer_id: int
    business_date: str
    outcome: str


class DecisionPage(BaseModel):
    items: list[DecisionSummary]
    next_cursor: str | None


class AcceptanceOut(BaseModel):
    application_id: str
    loan_id: int
    amount_minor: int
    periods: int
    annual_rate_percent: str
    disbursed_on: str


class ReviewOut(BaseModel):
    request_id: int
    subject: str
    status: str


class Owed(BaseModel):
    principal_minor: int
    interest_minor: int
    fee_minor: int
    penalty_minor: int
    credit_minor: int


class ScheduleRowOut(BaseModel):
    seq: int
    due_date: str
    kind: str
    principal_minor: int
    interest_minor: int
    fee_minor: int
    late_fee_minor: int
    paid_minor: int


class LoanOut(BaseModel):
    loan_id: int
    product_code: str
    borrower_ref: str
    funder: str
    status: str
    principal_minor: int
    start_date: str
    days_past_due: int
    as_of: str
    owed: Owed
    schedule: list[ScheduleRowOut]


class LoanSummary(BaseModel):
    loan_id: int
    product_code: str
    borrower_ref: str
    funder: str
    status: str
    principal_minor: int
    start_date: str
    days_past_due: int
    delinquency_bucket: str


class LoanPage(BaseModel):
    items: list[LoanSummary]
    next_cursor: str | None


class EventOut(BaseModel):
    kind: str
    business_date: str
    amount_minor: int
    key: str
    reverses_key: str | None


class PostingOut(BaseModel):
    entry_id: int
    business_date: str
    kind: str
    account: str
    funder: str
    amount_minor: int


class PayoffOut(BaseModel):
    loan_id: int
    on: str
    total_minor: int
    parts: dict[str, int]


class RepaymentIn(Body):
    amount_minor: int = Amount


class ReversalIn(Body):
    reversed_key: str = Field(min_length=1, max_length=200)


class AuthoriseIn(Body):
    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    amount_minor: int = Amount


class RefundIn(Body):
    amount_minor: int = Amount


class ConvertIn(Body):
    periods: int = Field(ge=2, le=36)


class SelfLimitIn(Body):
    limit_minor: int | None = Field(default=None, ge=0, le=MAX_MINOR)


class LinePlan(BaseModel):
    plan_id: str
    periods: int
    apr_percent: str


class LineOut(BaseModel):
    line_id: int
    product_code: str
    borrower_ref: str
    status: str
    limit_minor: int
    available_minor: int
    held_minor: int
    owed_minor: int
    statement_due_minor: int
    minimum_due_minor: int
    due_on: str | None
    days_past_due: int
    plans: list[LinePlan]


class QuoteRowOut(BaseModel):
    due_date: str
    principal_minor: int
    fee_minor: int
    total_minor: int


class ConversionQuoteOut(BaseModel):
    periods: int
    principal_minor: int
    apr_percent: str
    fee_per_period_minor: int
    total_fee_minor: int
    rows: list[QuoteRowOut]


class EodIn(Body):
    through: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="last business day to close")


class ActivateModelIn(Body):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


Json = dict[str, Any]


class RepaymentOut(BaseModel):
    loan_id: int
    key: str
    amount_minor: int
    allocated_minor: int
    prepaid_principal_minor: int
    credit_minor: int
    recovered_minor: int
    closed: bool


class ReversalOut(BaseModel):
    loan_id: int
    reversed_key: str


class HoldOut(BaseModel):
    order_id: str
    status: str
    amount_minor: int
    expires_on: str
    available_minor: int
    prompts: list[str]
    replayed: bool


class LineResult(BaseModel):
    """The outcome of a line operation (fields depend on the operation)."""

    model_config = ConfigDict(extra="allow")
