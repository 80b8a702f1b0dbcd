"""the teachers' dashboard: one-time sign-in links and who teaches which course

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("teacher", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_links_token_hash")),
    )
    op.create_index(op.f("ix_login_links_teacher"), "login_links", ["teacher"])
    op.create_table(
        "course_teachers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("teacher", sa.String(length=160), nullable=False),
        sa.Column("added_by", sa.String(length=160), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"],
                                name=op.f("fk_course_teachers_course_id_courses"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_teachers")),
        sa.UniqueConstraint("course_id", "teacher", name=op.f("uq_course_teachers_course_id")),
    )
    op.create_index(op.f("ix_course_teachers_teacher"), "course_teachers", ["teacher"])


def downgrade() -> None:
    op.drop_index(op.f("ix_course_teachers_teacher"), "course_teachers")
    op.drop_table("course_teachers")
    op.drop_index(op.f("ix_login_links_teacher"), "login_links")
    op.drop_table("login_links")
