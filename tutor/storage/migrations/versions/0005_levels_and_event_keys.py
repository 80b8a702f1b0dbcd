"""levels, challenge, attempt event keys

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrollments") as batch:
        batch.add_column(sa.Column("level", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("challenge", sa.Integer(), server_default="0",
                                   nullable=False))
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("event_key", sa.String(length=96), nullable=True))
        batch.create_unique_constraint(op.f("uq_attempts_learner_id"),
                                       ["learner_id", "event_key"])


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_constraint(op.f("uq_attempts_learner_id"), type_="unique")
        batch.drop_column("event_key")
    with op.batch_alter_table("enrollments") as batch:
        batch.drop_column("challenge")
        batch.drop_column("level")
