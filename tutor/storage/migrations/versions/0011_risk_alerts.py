"""teachers hear about learners whose risk of dropping out crosses the alert line

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("handled_by", sa.String(length=160), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"],
                                name=op.f("fk_risk_alerts_course_id_courses"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"],
                                name=op.f("fk_risk_alerts_learner_id_learners"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_alerts")),
    )
    for column in ("course_id", "learner_id", "status"):
        op.create_index(op.f(f"ix_risk_alerts_{column}"), "risk_alerts", [column])


def downgrade() -> None:
    for column in ("course_id", "learner_id", "status"):
        op.drop_index(op.f(f"ix_risk_alerts_{column}"), "risk_alerts")
    op.drop_table("risk_alerts")
