"""how far the nudge planner has planned each campaign and automatic rule

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 01:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("plan_marks",
                    sa.Column("name", sa.String(64), nullable=False),
                    sa.Column("planned_through", sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint("name", name=op.f("pk_plan_marks")))


def downgrade() -> None:
    op.drop_table("plan_marks")
