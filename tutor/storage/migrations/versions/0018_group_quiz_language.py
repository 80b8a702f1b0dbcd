"""a group quiz remembers the language it was started in, for the results posted later

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_quizzes") as batch:
        batch.add_column(sa.Column("language", sa.String(16), nullable=False,
                                   server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("group_quizzes") as batch:
        batch.drop_column("language")
