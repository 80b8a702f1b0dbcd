"""group quizzes live in the database; polls know their quiz and whom they were for;
a teacher's campaign draft lives in their conversation row

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_quizzes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("asked", sa.JSON(), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"],
                                name=op.f("fk_group_quizzes_course_id_courses"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"],
                                name=op.f("fk_group_quizzes_question_id_questions"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_quizzes")),
    )
    op.create_index(op.f("ix_group_quizzes_closes_at"), "group_quizzes", ["closes_at"])
    with op.batch_alter_table("polls") as batch:
        batch.add_column(sa.Column("user_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("quiz_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_polls_quiz_id_group_quizzes"), "group_quizzes",
                                 ["quiz_id"], ["id"], ondelete="CASCADE")
        batch.create_index(op.f("ix_polls_quiz_id"), ["quiz_id"])
    with op.batch_alter_table("conversation_states") as batch:
        batch.add_column(sa.Column("draft", sa.JSON(), server_default="{}", nullable=False))
    # Private polls sent before: their chat is their learner's (Telegram's private chats).
    op.execute("UPDATE polls SET user_id = chat_id WHERE is_group = false")


def downgrade() -> None:
    with op.batch_alter_table("conversation_states") as batch:
        batch.drop_column("draft")
    with op.batch_alter_table("polls") as batch:
        batch.drop_index(op.f("ix_polls_quiz_id"))
        batch.drop_constraint(op.f("fk_polls_quiz_id_group_quizzes"), type_="foreignkey")
        batch.drop_column("quiz_id")
        batch.drop_column("user_id")
    op.drop_index(op.f("ix_group_quizzes_closes_at"), "group_quizzes")
    op.drop_table("group_quizzes")
