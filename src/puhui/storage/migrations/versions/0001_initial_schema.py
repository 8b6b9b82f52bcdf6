"""Initial schema: funders, products, loans, instalments, events, journal, EOD bookkeeping.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 21:09:01.655757
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from puhui.storage.append_only import append_only_statements
from puhui.storage.types import EpochDay

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eod_chunks",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("first_loan_id", sa.BigInteger(), nullable=False),
        sa.Column("loans_processed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", "first_loan_id", name=op.f("pk_eod_chunks")),
    )
    op.create_table(
        "eod_runs",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("chunk_size", sa.BigInteger(), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=True,
        ),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("business_date", name=op.f("pk_eod_runs")),
    )
    op.create_table(
        "funders",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_funders")),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=True),
        sa.Column("reverses_key", sa.String(length=200), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_journal_entries_idempotency_key")),
    )
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index("ix_journal_entries_loan_id", ["loan_id"], unique=False)

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_products_code_version")),
    )
    op.create_table(
        "system_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_system_state")),
    )
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_ref", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("funder", sa.String(length=64), nullable=False),
        sa.Column("approved_minor", sa.BigInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("draw_deadline", sa.Date(), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_facilities_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_facilities_idempotency_key")),
    )
    op.create_table(
        "postings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("funder", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("amount_minor <> 0", name=op.f("ck_postings_non_zero")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_postings_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
    )
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.create_index("ix_postings_account_funder", ["account", "funder"], unique=False)
        batch_op.create_index("ix_postings_entry_id", ["entry_id"], unique=False)
        batch_op.create_index("ix_postings_loan_id", ["loan_id"], unique=False)

    op.create_table(
        "loans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("funder", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("borrower_ref", sa.String(length=64), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("start_date", EpochDay(), nullable=False),
        sa.Column("rounding", sa.String(length=16), nullable=False),
        sa.Column("penalty_rate_numerator", sa.BigInteger(), nullable=False),
        sa.Column("penalty_rate_denominator", sa.BigInteger(), nullable=False),
        sa.Column("penalty_basis_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("billed_count", sa.Integer(), nullable=False),
        sa.Column("opened_through", EpochDay(), nullable=False),
        sa.Column("credit_balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("oldest_unpaid_due_date", EpochDay(), nullable=True),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("delinquency_bucket", sa.String(length=16), nullable=False),
        sa.Column("classification", sa.String(length=16), nullable=False),
        sa.Column("interest_income_closed_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_income_minor", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_minor", sa.BigInteger(), nullable=False),
        sa.Column("received_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_out_minor", sa.BigInteger(), nullable=False),
        sa.Column("written_off_minor", sa.BigInteger(), nullable=False),
        sa.Column("recovered_minor", sa.BigInteger(), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), nullable=False),
        sa.Column("charged_off_on", EpochDay(), nullable=True),
        sa.Column("penalty_anchor_date", EpochDay(), nullable=False),
        sa.Column("penalty_anchor_unpaid_minor", sa.BigInteger(), nullable=False),
        sa.Column("penalty_base_minor", sa.BigInteger(), nullable=False),
        sa.Column("penalty_threshold_date", EpochDay(), nullable=True),
        sa.Column("penalty_income_closed_minor", sa.BigInteger(), nullable=False),
        sa.Column("next_due_date", EpochDay(), nullable=True),
        sa.Column("next_accrual_start", EpochDay(), nullable=True),
        sa.Column("next_accrual_anchor_minor", sa.BigInteger(), nullable=False),
        sa.Column("next_principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("next_interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("next_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("billed_principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("billed_interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("billed_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("principal_outstanding_minor", sa.BigInteger(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_loans_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(["funder"], ["funders.code"], name=op.f("fk_loans_funder_funders")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_loans_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loans_in_arrears",
            ["id"],
            unique=False,
            sqlite_where=sa.text(
                "status IN ('active', 'overdue') AND (oldest_unpaid_due_date IS NOT NULL OR billed_principal_minor + billed_interest_minor + billed_fee_minor > 0)"
            ),
            postgresql_where=sa.text(
                "status IN ('active', 'overdue') AND (oldest_unpaid_due_date IS NOT NULL OR billed_principal_minor + billed_interest_minor + billed_fee_minor > 0)"
            ),
        )
        batch_op.create_index(
            "ix_loans_live_next_due",
            ["next_due_date"],
            unique=False,
            sqlite_where=sa.text("status IN ('active', 'overdue')"),
            postgresql_where=sa.text("status IN ('active', 'overdue')"),
        )
        batch_op.create_index("ix_loans_status", ["status"], unique=False)

    op.create_table(
        "instalments",
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", EpochDay(), nullable=False),
        sa.Column("accrual_start", EpochDay(), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("accrual_anchor_minor", sa.BigInteger(), nullable=False),
        sa.Column("late_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_instalments_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("loan_id", "seq", name=op.f("pk_instalments")),
    )
    with op.batch_alter_table("instalments", schema=None) as batch_op:
        batch_op.create_index("ix_instalments_due_date", ["due_date"], unique=False)

    op.create_table(
        "loan_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("reverses_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), server_default="", nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_events_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_events")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_loan_events_idempotency_key")),
    )
    with op.batch_alter_table("loan_events", schema=None) as batch_op:
        batch_op.create_index("ix_loan_events_loan_id", ["loan_id"], unique=False)

    for statement in append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("loan_events", schema=None) as batch_op:
        batch_op.drop_index("ix_loan_events_loan_id")

    op.drop_table("loan_events")
    with op.batch_alter_table("instalments", schema=None) as batch_op:
        batch_op.drop_index("ix_instalments_due_date")

    op.drop_table("instalments")
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_index("ix_loans_status")
        batch_op.drop_index(
            "ix_loans_live_next_due",
            sqlite_where=sa.text("status IN ('active', 'overdue')"),
            postgresql_where=sa.text("status IN ('active', 'overdue')"),
        )
        batch_op.drop_index(
            "ix_loans_in_arrears",
            sqlite_where=sa.text(
                "status IN ('active', 'overdue') AND (oldest_unpaid_due_date IS NOT NULL OR billed_principal_minor + billed_interest_minor + billed_fee_minor > 0)"
            ),
            postgresql_where=sa.text(
                "status IN ('active', 'overdue') AND (oldest_unpaid_due_date IS NOT NULL OR billed_principal_minor + billed_interest_minor + billed_fee_minor > 0)"
            ),
        )

    op.drop_table("loans")
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_index("ix_postings_loan_id")
        batch_op.drop_index("ix_postings_entry_id")
        batch_op.drop_index("ix_postings_account_funder")

    op.drop_table("postings")
    op.drop_table("facilities")
    op.drop_table("system_state")
    op.drop_table("products")
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_entries_loan_id")

    op.drop_table("journal_entries")
    op.drop_table("funders")
    op.drop_table("eod_runs")
    op.drop_table("eod_chunks")
