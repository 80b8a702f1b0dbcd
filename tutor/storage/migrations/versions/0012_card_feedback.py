"""learners say whether a card or a lesson was clear or confusing

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "card_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"],
                                name=op.f("fk_card_feedback_learner_id_learners"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lesson_id"], ["lessons.id"],
                                name=op.f("fk_card_feedback_lesson_id_lessons"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"],
                                name=op.f("fk_card_feedback_card_id_cards"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_feedback")),
    )
    for column in ("learner_id", "lesson_id"):
        op.create_index(op.f(f"ix_card_feedback_{column}"), "card_feedback", [column])


def downgrade() -> None:
    for column in ("learner_id", "lesson_id"):
        op.drop_index(op.f(f"ix_card_feedback_{column}"), "card_feedback")
    op.drop_table("card_feedback")
