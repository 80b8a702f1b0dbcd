"""asked questions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 13:53:54.742022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asked_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("closest", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_asked_questions_course_id_courses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name=op.f("fk_asked_questions_learner_id_learners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asked_questions")),
    )
    with op.batch_alter_table("asked_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asked_questions_asked_at"), ["asked_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_asked_questions_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_asked_questions_learner_id"), ["learner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("asked_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asked_questions_learner_id"))
        batch_op.drop_index(batch_op.f("ix_asked_questions_course_id"))
        batch_op.drop_index(batch_op.f("ix_asked_questions_asked_at"))

    op.drop_table("asked_questions")
