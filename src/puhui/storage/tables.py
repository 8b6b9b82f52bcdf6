"""The database schema as SQLAlchemy Core tables (the Alembic migrations create the same).

Money is BigInteger minor units, never float or Decimal columns. The journal, its postings and
loan events are append-only: triggers (see `append_only.py`) refuse UPDATE and DELETE on them.
"""

from __future__ import annotations

import sqlalchemy as sa

from puhui.storage.types import EpochDay

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

Money = sa.BigInteger


# Conditions of the partial indexes; queries must repeat them verbatim for the planner to use them.
def live_loan(alias: str = "") -> str:
    """A loan that accrues (active or overdue); `alias` qualifies the columns (e.g. "l.")."""
    return f"{alias}status IN ('active', 'overdue')"


def loan_in_arrears(alias: str = "") -> str:
    """A live loan with something billed and unpaid (or an oldest unpaid due date)."""
    return (
        f"{live_loan(alias)} AND ({alias}oldest_unpaid_due_date IS NOT NULL "
        f"OR {alias}billed_principal_minor + {alias}billed_interest_minor "
        f"+ {alias}billed_fee_minor > 0)"
    )


LIVE = live_loan()
IN_ARREARS = loan_in_arrears()

system_state = sa.Table(
    "system_state",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=True),
)

funders = sa.Table(
    "funders",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
    sa.UniqueConstraint("code", "version"),
)

facilities = sa.Table(
    "facilities",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("borrower_ref", sa.String(64), nullable=False),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), nullable=False),
    sa.Column("funder", sa.String(64), nullable=False),
    sa.Column("approved_minor", Money, nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("draw_deadline", sa.Date, nullable=False),
    sa.Column("maturity_date", sa.Date, nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
)

loans = sa.Table(
    "loans",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), nullable=False),
    sa.Column("funder", sa.String(64), sa.ForeignKey("funders.code"), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("borrower_ref", sa.String(64), nullable=False, index=True),
    sa.Column("facility_id", sa.Integer, sa.ForeignKey("facilities.id"), nullable=True),
    sa.Column("terms", sa.Text, nullable=False),
    sa.Column("principal_minor", Money, nullable=False),
    sa.Column("start_date", EpochDay, nullable=False),
    # Fixed at booking from the terms, so end-of-day needs no per-loan JSON parsing.
    sa.Column("rounding", sa.String(16), nullable=False),
    sa.Column("penalty_rate_numerator", sa.BigInteger, nullable=False),
    sa.Column("penalty_rate_denominator", sa.BigInteger, nullable=False),
    sa.Column("penalty_basis_days", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("billed_count", sa.Integer, nullable=False),
    sa.Column("opened_through", EpochDay, nullable=False),
    sa.Column("credit_balance_minor", Money, nullable=False, default=0),
    sa.Column("oldest_unpaid_due_date", EpochDay, nullable=True),
    sa.Column("days_past_due", sa.Integer, nullable=False, default=0),
    sa.Column("delinquency_bucket", sa.String(16), nullable=False, default="current"),
    sa.Column("classification", sa.String(16), nullable=False, default="normal"),
    sa.Column("interest_income_closed_minor", Money, nullable=False, default=0),
    sa.Column("fee_income_minor", Money, nullable=False, default=0),
    sa.Column("disbursed_minor", Money, nullable=False, default=0),
    sa.Column("received_minor", Money, nullable=False, default=0),
    sa.Column("paid_out_minor", Money, nullable=False, default=0),
    sa.Column("written_off_minor", Money, nullable=False, default=0),
    sa.Column("recovered_minor", Money, nullable=False, default=0),
    sa.Column("refunded_minor", Money, nullable=False, default=0),
    sa.Column("charged_off_on", EpochDay, nullable=True),
    sa.Column("penalty_anchor_date", EpochDay, nullable=False),
    sa.Column("penalty_anchor_unpaid_minor", Money, nullable=False, default=0),
    sa.Column("penalty_base_minor", Money, nullable=False, default=0),
    sa.Column("penalty_threshold_date", EpochDay, nullable=True),
    sa.Column("penalty_income_closed_minor", Money, nullable=False, default=0),
    # Denormalised from the instalments so end-of-day reads one table (kept in step on save).
    sa.Column("next_due_date", EpochDay, nullable=True),
    sa.Column("next_accrual_start", EpochDay, nullable=True),
    sa.Column("next_accrual_anchor_minor", Money, nullable=False, default=0),
    sa.Column("next_principal_minor", Money, nullable=False, default=0),
    sa.Column("next_interest_minor", Money, nullable=False, default=0),
    sa.Column("next_fee_minor", Money, nullable=False, default=0),
    sa.Column("billed_principal_minor", Money, nullable=False, default=0),
    sa.Column("billed_interest_minor", Money, nullable=False, default=0),
    sa.Column("billed_fee_minor", Money, nullable=False, default=0),
    sa.Column("principal_outstanding_minor", Money, nullable=False, default=0),
    sa.Column("row_count", sa.Integer, nullable=False, default=0),
    sa.Index("ix_loans_status", "status"),
    # End-of-day reads only loans with something to do; these partial indexes find them.
    sa.Index(
        "ix_loans_live_next_due",
        "next_due_date",
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    ),
    sa.Index(
        "ix_loans_in_arrears",
        "id",
        sqlite_where=sa.text(IN_ARREARS),
        postgresql_where=sa.text(IN_ARREARS),
    ),
)

instalments = sa.Table(
    "instalments",
    metadata,
    sa.Column(
        "loan_id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("loans.id"),
        primary_key=True,
    ),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("due_date", EpochDay, nullable=False),
    sa.Column("accrual_start", EpochDay, nullable=False),
    sa.Column("principal_minor", Money, nullable=False),
    sa.Column("interest_minor", Money, nullable=False),
    sa.Column("fee_minor", Money, nullable=False),
    sa.Column("accrual_anchor_minor", Money, nullable=False, default=0),
    sa.Column("late_fee_minor", Money, nullable=False, default=0),
    sa.Column("paid_principal_minor", Money, nullable=False, default=0),
    sa.Column("paid_interest_minor", Money, nullable=False, default=0),
    sa.Column("paid_fee_minor", Money, nullable=False, default=0),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Index("ix_instalments_due_date", "due_date"),
)

loan_events = sa.Table(
    "loan_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "loan_id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("loans.id"),
        nullable=False,
    ),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("amount_minor", Money, nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("reverses_key", sa.String(200), nullable=True),
    # Hash of the rest of the request (a booking's terms), compared when a key is reused.
    sa.Column("request_hash", sa.String(64), nullable=False, server_default=""),
    sa.Column("entry_id", sa.BigInteger, nullable=True),
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
    sa.Index("ix_loan_events_loan_id", "loan_id"),
)

journal_entries = sa.Table(
    "journal_entries",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("loan_id", sa.BigInteger, nullable=True),
    sa.Column("reverses_key", sa.String(200), nullable=True),
    sa.Column("description", sa.String(500), nullable=False, default=""),
    sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
    sa.Index("ix_journal_entries_loan_id", "loan_id"),
)

postings = sa.Table(
    "postings",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("entry_id", sa.BigInteger, sa.ForeignKey("journal_entries.id"), nullable=False),
    sa.Column("account", sa.String(64), nullable=False),
    sa.Column("funder", sa.String(64), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount_minor", Money, nullable=False),
    sa.Column("loan_id", sa.BigInteger, nullable=True),
    sa.CheckConstraint("amount_minor <> 0", name="non_zero"),
    sa.Index("ix_postings_entry_id", "entry_id"),
    sa.Index("ix_postings_account_funder", "account", "funder"),
    sa.Index("ix_postings_loan_id", "loan_id"),
)

eod_runs = sa.Table(
    "eod_runs",
    metadata,
    sa.Column("business_date", sa.Date, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("chunk_size", sa.BigInteger, nullable=False),
    sa.Column("started_at", sa.DateTime, server_default=sa.func.current_timestamp()),
    sa.Column("finished_at", sa.DateTime, nullable=True),
)

eod_chunks = sa.Table(
    "eod_chunks",
    metadata,
    sa.Column("business_date", sa.Date, primary_key=True),
    sa.Column("first_loan_id", sa.BigInteger, primary_key=True),
    sa.Column("loans_processed", sa.BigInteger, nullable=False),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("application_id", sa.String(64), nullable=False, unique=True),
    sa.Column("applicant_id", sa.BigInteger, nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("application_hash", sa.String(64), nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("application", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
    sa.Index("ix_decisions_applicant_id", "applicant_id"),
)

line_products = sa.Table(
    "line_products",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition", sa.Text, nullable=False),
    sa.UniqueConstraint("code", "version"),
)

_LINE_MONEY = (
    "purchase",
    "cash",
    "converted",
    "interest",
    "fee",
    "credit",
    "interest_income",
    "fee_income",
    "lent",
    "received",
    "refunds_in",
    "paid_out",
)
"""The line's sub-ledger columns (`<name>_minor`), in `LineBalances` order."""

credit_lines = sa.Table(
    "credit_lines",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("borrower_ref", sa.String(64), nullable=False, index=True),
    sa.Column("line_product_id", sa.Integer, sa.ForeignKey("line_products.id"), nullable=False),
    sa.Column("funder", sa.String(64), sa.ForeignKey("funders.code"), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("statement_day", sa.Integer, nullable=False),
    sa.Column("granted_limit_minor", Money, nullable=False),
    sa.Column("monthly_income_minor", Money, nullable=False),
    sa.Column("self_set_limit_minor", Money, nullable=True),
    sa.Column("temporary_limit_minor", Money, nullable=True),
    sa.Column("temporary_until", sa.Date, nullable=True),
    sa.Column("spending_cap_minor", Money, nullable=True),
    sa.Column("cooling_off_until", sa.Date, nullable=True),
    *(sa.Column(f"{name}_minor", Money, nullable=False, default=0) for name in _LINE_MONEY),
    sa.Column("held_minor", Money, nullable=False, default=0),
    sa.Column("accrued_through", sa.Date, nullable=False),
    sa.Column("revolving", sa.Boolean, nullable=False, default=False),
    sa.Column("last_statement_on", sa.Date, nullable=True),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("due_judged", sa.Boolean, nullable=False, default=True),
    sa.Column("statement_due_minor", Money, nullable=False, default=0),
    sa.Column("minimum_due_minor", Money, nullable=False, default=0),
    sa.Column("overdue_since", sa.Date, nullable=True),
    sa.Column("plans", sa.Text, nullable=False, default="[]"),
    sa.Column("behaviour_score", sa.Integer, nullable=True),
    # Added by migration 0005.
    sa.Column("stretch_start", sa.Date, nullable=True),
    sa.Column("stretch_cash_minor", Money, nullable=False, server_default="0"),
    sa.Column("stretch_purchase_minor", Money, nullable=False, server_default="0"),
    sa.Column("stretch_interest_minor", Money, nullable=False, server_default="0"),
    sa.Column("minimum_charges_minor", Money, nullable=False, server_default="0"),
    sa.Column("statement_charges_minor", Money, nullable=False, server_default="0"),
    sa.Column("last_reviewed_on", sa.Date, nullable=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    # The statement run walks one statement day in id order, chunk by chunk (migration 0005).
    sa.Index("ix_credit_lines_statement_day_id", "statement_day", "id"),
)

line_orders = sa.Table(
    "line_orders",
    metadata,
    sa.Column(
        "line_id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        sa.ForeignKey("credit_lines.id"),
        primary_key=True,
    ),
    sa.Column("order_id", sa.String(100), primary_key=True),
    sa.Column("amount_minor", Money, nullable=False),
    sa.Column("authorised_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("captured_minor", Money, nullable=False, default=0),
    sa.Column("refunded_minor", Money, nullable=False, default=0),
    sa.Column("plan_id", sa.String(120), nullable=True),
    sa.Column("captured_on", sa.Date, nullable=True),  # migration 0005
    sa.Index("ix_line_orders_open", "line_id", "status", "authorised_on"),
)

line_operations = sa.Table(
    "line_operations",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("line_id", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("entry_id", sa.BigInteger, nullable=True),
)

line_events = sa.Table(
    "line_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("line_id", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("amount_minor", Money, nullable=False),
    sa.Column("reason_code", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("ix_line_events_line_id", "line_id", "business_date"),
)

line_statements = sa.Table(
    "line_statements",
    metadata,
    sa.Column("line_id", sa.BigInteger, primary_key=True),
    sa.Column("statement_date", sa.Date, primary_key=True),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("statement_balance_minor", Money, nullable=False),
    sa.Column("minimum_payment_minor", Money, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("borrower_ref", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(100), nullable=False),  # "line:12", "loan:7"
    sa.Column("kind", sa.String(16), nullable=False),  # reminder | collection
    sa.Column("plan_day", sa.Date, nullable=False),  # the business day it was planned for
    sa.Column("planned_at", sa.DateTime, nullable=False),  # borrower's local wall-clock time
    sa.Column("status", sa.String(16), nullable=False),  # planned | made | failed
    sa.Column("outcome", sa.String(200), nullable=False, default=""),
    sa.UniqueConstraint("subject", "kind", "plan_day"),
    sa.Index("ix_contacts_borrower_ref_planned_at", "borrower_ref", "planned_at"),
)

review_requests = sa.Table(
    "review_requests",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("borrower_ref", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(100), nullable=False),  # "decision:A-1", "line:12"
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("requested_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # open | decided
    sa.Column("outcome", sa.String(32), nullable=True),  # upheld | overturned
    sa.Column("reviewer", sa.String(64), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Index("ix_review_requests_status", "status"),
)

delinquency_snapshots = sa.Table(
    "delinquency_snapshots",
    metadata,
    sa.Column("month_end", EpochDay, primary_key=True),
    sa.Column("loan_id", sa.BigInteger, primary_key=True),
    # the delinquency bucket of a live loan, or "charged_off" for one charged off that month
    sa.Column("bucket", sa.String(16), nullable=False),
)

# --- people, access and consent (issue 5) ---

staff_users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),  # argon2id
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("funder", sa.String(64), nullable=True),  # partner bank: its funder code
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("secret_digest", sa.String(64), nullable=False),  # SHA-256 of the secret
    sa.Column("scopes", sa.String(500), nullable=False),  # space-separated
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # consumer | merchant
    # personal data, each sealed with AES-GCM as "<key id>:<base64>" (security/personal_data.py)
    sa.Column("name_sealed", sa.Text, nullable=False),
    sa.Column("id_number_sealed", sa.Text, nullable=False),
    sa.Column("phone_sealed", sa.Text, nullable=False),
    sa.Column("bank_card_sealed", sa.Text, nullable=False),
    sa.Column("address_sealed", sa.Text, nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),  # the key all five are sealed with
    sa.Column("password_hash", sa.String(200), nullable=True),  # applicant sign-in (argon2id)
    sa.Column("login", sa.String(64), nullable=True, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_customers_key_id", "key_id"),
)

consents = sa.Table(
    "consents",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("customer_id", sa.BigInteger, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("scope", sa.String(200), nullable=False),
    sa.Column("granted_at", sa.DateTime, nullable=False),
    sa.Column("withdrawn_at", sa.DateTime, nullable=True),
    sa.Index("ix_consents_customer_id", "customer_id"),
)

personal_data_reads = sa.Table(
    "personal_data_reads",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("customer_id", sa.BigInteger, nullable=False),
    sa.Column("reader", sa.String(100), nullable=False),  # the principal's subject
    sa.Column("fields", sa.String(200), nullable=False),
    sa.Column("purpose", sa.String(100), nullable=False),  # the route that read it
    sa.Column("read_at", sa.DateTime, nullable=False),
    sa.Index("ix_personal_data_reads_customer_id", "customer_id"),
)

idempotency_records = sa.Table(
    "idempotency_records",
    metadata,
    sa.Column("principal", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # in_flight | done
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("response", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

APPEND_ONLY_TABLES = (
    "journal_entries",
    "postings",
    "loan_events",
    "decisions",
    "line_events",
    "line_statements",
    "personal_data_reads",
)
