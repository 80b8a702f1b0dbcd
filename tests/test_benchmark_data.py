"""The benchmark's fixed question sets stay usable: every gold card exists in the courses."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from tutor import Database
from tutor.storage.models import CardRow, CourseRow, LessonRow

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"


def test_the_beginner_questions_point_at_real_cards(bundled_db: Database) -> None:
    questions = yaml.safe_load((DATA / "beginner_questions.yaml").read_text(encoding="utf-8"))
    gold = questions["questions"]
    assert sum(len(asked) for asked in gold.values()) >= 30
    with bundled_db.session() as session:
        cards = {f"{course.slug}/{lesson.slug}/{card.key}" for card, lesson, course in
                 session.execute(select(CardRow, LessonRow, CourseRow)
                                 .join(LessonRow, CardRow.lesson_id == LessonRow.id)
                                 .join(CourseRow, LessonRow.course_id == CourseRow.id))}
    assert set(gold) <= cards, set(gold) - cards


def test_the_cs1qa_labels_cover_exactly_their_seeded_sample() -> None:
    source = Path(__file__).resolve().parents[2] / "shared" / "eval" / "cs1qa" / \
        "questions_dev.jsonl"
    if not source.is_file():
        pytest.skip(f"the CS1QA dev questions are not at {source}")
    labels = yaml.safe_load((DATA / "cs1qa_labels.yaml").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    sample = random.Random(labels["sample_seed"]).sample(rows, labels["sample_size"])
    assert {row["id"] for row in sample} == set(labels["labels"])
    assert set(labels["labels"].values()) <= {"own_work", "answerable", "not_covered"}
