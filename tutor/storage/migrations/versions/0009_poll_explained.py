"""polls remember whether they show the explanation themselves

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("polls") as batch:
        batch.add_column(sa.Column("explained", sa.Boolean(), server_default="0",
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("polls") as batch:
        batch.drop_column("explained")
