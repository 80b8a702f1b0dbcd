"""platform updates kept until handled, so several processes can serve one bot

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 03:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("inbox_events",
                    sa.Column("platform", sa.String(16), nullable=False),
                    sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
                    sa.Column("sender", sa.BigInteger(), nullable=False),
                    sa.Column("payload", sa.Text(), nullable=False),
                    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
                    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
                    sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint("platform", "seq", name=op.f("pk_inbox_events")))
    op.create_index("ix_inbox_events_waiting", "inbox_events",
                    ["platform", "done_at", "sender", "seq"])


def downgrade() -> None:
    op.drop_index("ix_inbox_events_waiting", table_name="inbox_events")
    op.drop_table("inbox_events")
