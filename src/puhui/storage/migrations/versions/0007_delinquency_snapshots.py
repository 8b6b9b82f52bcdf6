"""Month-end delinquency snapshots (the roll rates' source): each live loan's bucket, and the
loans charged off that month, written by end-of-day on the last day of a month.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 03:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delinquency_snapshots",
        sa.Column("month_end", sa.Integer, nullable=False),
        sa.Column("loan_id", sa.BigInteger, nullable=False),
        sa.Column("bucket", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("month_end", "loan_id", name=op.f("pk_delinquency_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("delinquency_snapshots")
