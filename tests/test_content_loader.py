from __future__ import annotations

from pathlib import Path

import pytest

from content import (
    MAX_CARD_CHARS,
    CourseFormatError,
    Severity,
    bundled_course_paths,
    load_course,
)
from tests.conftest import MINI_COURSE

COURSE_YAML = """\
id: broken
title: Broken
description: A course full of mistakes.
skills:
  a: Skill A
  b: Skill B
"""

GOOD_LESSON = """\
---
id: good
title: Good lesson
order: 1
skills: [a]
---

# Card

Some text.

```question
id: ok-q
type: true_false
prompt: Fine?
skills: [a, b]
difficulty: 1
answer: true
explanation: Yes.
```
"""


def write_course(tmp_path: Path, lessons: dict[str, str | bytes],
                 course: str = COURSE_YAML) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "course.yaml").write_text(course, encoding="utf-8")
    for name, body in lessons.items():
        target = folder / name
        if isinstance(body, bytes):
            target.write_bytes(body)
        else:
            target.write_text(body, encoding="utf-8")
    return folder


def messages(folder: Path) -> list[tuple[str, int, str, str]]:
    return [(p.path.name, p.line, p.severity.value, p.message)
            for p in load_course(folder).problems]


def test_mini_course_loads_with_cards_split_by_headings_and_rules() -> None:
    course = load_course(MINI_COURSE).unwrap()
    counting = course.lessons[0]
    assert [c.key for c in counting.cards] == ["one-and-two", "one-and-two-2", "three"]
    assert counting.cards[1].body == "Two comes after one."
    assert [q.kind for q in counting.questions] == ["single", "multiple", "short"]
    cloze = course.lessons[1].questions[2]
    assert cloze.answers == ("triangle", "three|3")


def test_question_fences_never_leak_into_cards() -> None:
    course = load_course(MINI_COURSE).unwrap()
    for lesson in course.lessons:
        for card in lesson.cards:
            assert "```question" not in card.body
            assert "explanation:" not in card.body


# The bundled Chinese course is short on purpose (test_chinese_course.py checks it); the
# demo courses cover every kind of question.
FULL_COURSES = [p for p in bundled_course_paths() if p.name != "physics-zh"]


@pytest.mark.parametrize("path", FULL_COURSES, ids=lambda p: p.name)
def test_bundled_courses_are_valid_and_complete(path: Path) -> None:
    result = load_course(path)
    assert result.problems == []
    course = result.unwrap()
    cards = [c for lesson in course.lessons for c in lesson.cards]
    questions = [q for lesson in course.lessons for q in lesson.questions]
    assert len(course.lessons) >= 8
    assert len(cards) >= 40
    assert len(questions) >= 60
    assert len(course.skills) >= 10
    assert {q.kind for q in questions} == {"single", "multiple", "true_false", "short", "cloze"}
    assert any(q.tolerance is not None for q in questions)
    assert all(len(c.body) <= MAX_CARD_CHARS for c in cards)


def test_every_error_is_reported_at_once_with_file_and_line(tmp_path: Path) -> None:
    bad = GOOD_LESSON.replace("id: good", "id: bad").replace("skills: [a]", "skills: [zzz]") \
        .replace("id: ok-q", "id: bad-q").replace("answer: true", "answer: maybe")
    folder = write_course(tmp_path, {"01-good.md": GOOD_LESSON, "02-bad.md": bad})
    found = messages(folder)
    assert ("02-bad.md", 5, "error", "unknown skill 'zzz'; course.yaml declares: a, b") in found
    assert any(name == "02-bad.md" and line == 18 and "true_false" in message
               for name, line, _, message in found)
    assert len([f for f in found if f[2] == "error"]) == 2
    with pytest.raises(CourseFormatError, match="2 error"):
        load_course(folder).unwrap()


def test_duplicate_ids_name_both_places(tmp_path: Path) -> None:
    folder = write_course(tmp_path, {"01-a.md": GOOD_LESSON, "02-b.md": GOOD_LESSON})
    found = messages(folder)
    assert any("duplicate lesson id 'good'" in m for *_, m in found)
    assert any("duplicate question id 'ok-q' (also at 01-a.md:13)" in m for *_, m in found)


def test_question_without_correct_answer(tmp_path: Path) -> None:
    lesson = GOOD_LESSON.replace("""type: true_false
prompt: Fine?""", """type: single
prompt: Pick one
options: [x, y]""").replace("answer: true\n", "")
    found = messages(write_course(tmp_path, {"01.md": lesson}))
    assert ("01.md", 13, "error",
            "question 'ok-q': no correct answer: set `answer:` to the text of an option") in found


def test_answer_not_among_options(tmp_path: Path) -> None:
    lesson = GOOD_LESSON.replace("""type: true_false
prompt: Fine?""", """type: single
prompt: Pick one
options: [x, y]""").replace("answer: true", "answer: z")
    found = messages(write_course(tmp_path, {"01.md": lesson}))
    assert any(line == 19 and "'z' is not one of the options" in m for _, line, _, m in found)


def test_too_many_poll_options_is_a_warning_with_the_fallback(tmp_path: Path) -> None:
    options = ", ".join(f"o{i}" for i in range(11))
    lesson = GOOD_LESSON.replace("""type: true_false
prompt: Fine?""", f"""type: single
prompt: Pick one
options: [{options}]""").replace("answer: true", "answer: o3")
    result = load_course(write_course(tmp_path, {"01.md": lesson}))
    assert result.errors == []
    [warning] = result.warnings
    assert warning.severity is Severity.WARNING
    assert "11 options (poll limit 10)" in warning.message
    assert "buttons instead of a native quiz poll" in warning.message


def test_empty_card_and_long_card(tmp_path: Path) -> None:
    lesson = GOOD_LESSON.replace("# Card\n\nSome text.", "# Empty\n\n# Long\n\n" + "word " * 300)
    found = messages(write_course(tmp_path, {"01.md": lesson}))
    assert ("01.md", 8, "error",
            "the card 'Empty' is empty: give it some text or remove its heading") in found
    assert any(line == 10 and severity == "warning" and "1,499 characters" in m
               for _, line, severity, m in found)


def test_broken_front_matter(tmp_path: Path) -> None:
    no_front = GOOD_LESSON.split("---\n", 2)[2]
    unclosed = "---\nid: x\ntitle: y\n\n# Card\n\ntext\n"
    bad_yaml = GOOD_LESSON.replace("skills: [a]", "skills: [a")
    folder = write_course(tmp_path, {"01.md": no_front, "02.md": unclosed, "03.md": bad_yaml})
    found = messages(folder)
    assert any(n == "01.md" and line == 1 and "must start with front matter" in m
               for n, line, _, m in found)
    assert any(n == "02.md" and "front matter" in m for n, _, _, m in found)
    assert any(n == "03.md" and "not valid YAML" in m for n, _, _, m in found)


def test_unknown_and_missing_fields(tmp_path: Path) -> None:
    lesson = GOOD_LESSON.replace("difficulty: 1", "dificulty: 1")
    found = messages(write_course(tmp_path, {"01.md": lesson}))
    assert ("01.md", 17, "error",
            "dificulty: unknown field (check the spelling; see content/README.md)") in found
    assert ("01.md", 13, "error", "difficulty: required field is missing") in found


def test_non_utf8_file(tmp_path: Path) -> None:
    raw = GOOD_LESSON.encode().replace(b"Some text.", b"Caf\xe9 au lait.")
    found = messages(write_course(tmp_path, {"01.md": raw}))
    assert found == [("01.md", 10, "error",
                      "the file is not UTF-8 (byte 0xe9 cannot be decoded); save it as UTF-8")]


def test_missing_course_yaml_and_no_lessons(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    found = messages(folder)
    assert any("missing course.yaml" in m for *_, m in found)
    assert any("the course has no lessons" in m for *_, m in found)
    assert messages(tmp_path / "nowhere")[0][3] == "no such course folder"


def test_cloze_needs_a_blank(tmp_path: Path) -> None:
    lesson = GOOD_LESSON.replace("type: true_false", "type: cloze").replace("answer: true\n", "")
    found = messages(write_course(tmp_path, {"01.md": lesson}))
    assert any("a cloze prompt needs at least one blank" in m for *_, m in found)


def test_unused_skill_warns_at_its_line(tmp_path: Path) -> None:
    lesson = GOOD_LESSON.replace("skills: [a, b]", "skills: [a]")
    result = load_course(write_course(tmp_path, {"01.md": lesson}))
    assert [(w.path.name, w.line) for w in result.warnings] == [("course.yaml", 6)]


def test_prerequisites_name_declared_skills_and_never_go_round(tmp_path: Path) -> None:
    course = COURSE_YAML + "requires:\n  b: [a]\n  a: [b]\n  zz: [a]\n"
    folder = write_course(tmp_path, {"01-good.md": GOOD_LESSON}, course)
    found = [f for f in messages(folder) if f[2] == "error"]
    line = COURSE_YAML.count("\n") + 2  # `b: [a]`, the first skill of the cycle
    assert ("course.yaml", line, "error",
            "requires: a skill cannot build on itself: b -> a -> b") in found
    assert any(f[1] == line + 2 and "unknown skill 'zz'" in f[3] for f in found)
    assert len(found) == 2
    (tmp_path / "ok").mkdir()
    good = write_course(tmp_path / "ok", {"01-good.md": GOOD_LESSON},
                        COURSE_YAML + "requires:\n  b: [a]\n")
    assert load_course(good).unwrap().requires == {"b": ("a",)}


def test_bundled_courses_declare_their_prerequisites() -> None:
    for path in bundled_course_paths():
        course = load_course(path).unwrap()
        assert len(course.requires) >= (6 if path in FULL_COURSES else 2), path.name
