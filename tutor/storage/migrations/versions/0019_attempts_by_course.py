"""attempts indexed by course and time: a course's first answers (online item calibration,
counted on every quiz turn) and its whole log (fitting), without scanning every course's
attempts

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 00:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attempts_course_id_answered_at", "attempts",
                    ["course_id", "answered_at"])


def downgrade() -> None:
    op.drop_index("ix_attempts_course_id_answered_at", "attempts")
