"""each campaign variant's record, counted once as each nudge's day ends

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("campaign_arm_tallies",
                    sa.Column("campaign_id", sa.Integer(), nullable=False),
                    sa.Column("variant", sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column("sent", sa.Integer(), nullable=False),
                    sa.Column("came_back", sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(
                        ["campaign_id"], ["campaigns.id"],
                        name=op.f("fk_campaign_arm_tallies_campaign_id_campaigns"),
                        ondelete="CASCADE"),
                    sa.PrimaryKeyConstraint("campaign_id", "variant",
                                            name=op.f("pk_campaign_arm_tallies")))


def downgrade() -> None:
    op.drop_table("campaign_arm_tallies")
