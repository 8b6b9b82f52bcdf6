"""People, access and consent: staff sign-ins, channel API keys, customers with sealed personal
data, consent records, the personal-data access log (append-only) and HTTP idempotency records.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from puhui.storage.append_only import append_only_statements_for

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("funder", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_digest", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(500), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    op.create_table(
        "customers",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name_sealed", sa.Text, nullable=False),
        sa.Column("id_number_sealed", sa.Text, nullable=False),
        sa.Column("phone_sealed", sa.Text, nullable=False),
        sa.Column("bank_card_sealed", sa.Text, nullable=False),
        sa.Column("address_sealed", sa.Text, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("login", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("login", name=op.f("uq_customers_login")),
    )
    op.create_index("ix_customers_key_id", "customers", ["key_id"])
    op.create_table(
        "consents",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("granted_at", sa.DateTime, nullable=False),
        sa.Column("withdrawn_at", sa.DateTime, nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_consents_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index("ix_consents_customer_id", "consents", ["customer_id"])
    op.create_table(
        "personal_data_reads",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("customer_id", sa.BigInteger, nullable=False),
        sa.Column("reader", sa.String(100), nullable=False),
        sa.Column("fields", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("read_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_reads")),
    )
    op.create_index("ix_personal_data_reads_customer_id", "personal_data_reads", ["customer_id"])
    op.create_table(
        "idempotency_records",
        sa.Column("principal", sa.String(100), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("principal", "key", name=op.f("pk_idempotency_records")),
    )
    for statement in append_only_statements_for(
        op.get_bind().dialect.name, ("personal_data_reads",)
    ):
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "idempotency_records",
        "personal_data_reads",
        "consents",
        "customers",
        "api_keys",
        "staff_users",
    ):
        op.drop_table(table)
