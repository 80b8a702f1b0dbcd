"""learning paths: the skills a skill builds on, and what a placement check found known

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("skills") as batch:
        batch.add_column(sa.Column("requires", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("enrollments") as batch:
        batch.add_column(sa.Column("known_skills", sa.JSON(), nullable=False,
                                   server_default="[]"))
        batch.add_column(sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrollments") as batch:
        batch.drop_column("placed_at")
        batch.drop_column("known_skills")
    with op.batch_alter_table("skills") as batch:
        batch.drop_column("requires")
