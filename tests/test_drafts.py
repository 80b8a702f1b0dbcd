"""Draft questions from reference documents: offline cloze drafts and LLM drafts checked
against their passage (a local OpenAI-compatible stub), none reaching learners until a
teacher moves it into a lesson."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from content import load_course
from tests.openai_stub import StubReply, openai_stub
from tests.test_documents import FORCES, command_line_home, write_pdf
from tutor import Database
from tutor.drafting import draft_questions
from tutor.library import import_documents_into
from tutor.qa.drafting import write_drafts
from tutor.qa.llm import build_chat_model

FRICTION = ("Friction is a force that opposes sliding between two surfaces in contact. "
            "Rough surfaces such as sandpaper produce more friction than smooth ice. "
            "Engineers add lubricants like oil to reduce friction in engines.")
GRAVITY = ("Gravity pulls every mass towards every other mass. Near the surface of the Earth "
           "it accelerates falling objects at about nine point eight metres per second "
           "squared. Isaac Newton described gravity in his law of universal gravitation.")


@pytest.fixture
def physics(sqlite_db: Database, tmp_path: Path) -> Path:
    course = tmp_path / "physics"
    course.mkdir()
    (course / "course.yaml").write_text(
        "id: physics\ntitle: Physics\ndescription: Forces.\nskills:\n  forces: Forces\n",
        encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    write_pdf(docs / "forces.pdf", [("Inertia", FORCES * 2), ("Friction", FRICTION),
                                    ("Gravity", GRAVITY)], title="Forces")
    done = import_documents_into(sqlite_db, "physics", [docs], tmp_path)
    assert done.library.imported and not done.documents.failed
    return course


def test_offline_drafts_are_clozes_from_the_documents_that_validate_once_moved(
        sqlite_db: Database, physics: Path, tmp_path: Path) -> None:
    report = draft_questions(sqlite_db, "physics")
    assert [f.name for f in report.files] == ["forces.md"]
    assert report.drafts["cloze"] >= 3 and report.dropped == 0
    assert load_course(physics).unwrap().lessons[0].questions == ()  # drafts/ is not read
    trial = tmp_path / "trial"
    shutil.copytree(physics, trial)
    shutil.move(trial / "drafts" / "forces.md", trial / "90-drafts.md")
    moved = load_course(trial)
    assert not moved.errors, moved.errors
    [lesson] = [x for x in moved.unwrap().lessons if x.questions]
    assert len(lesson.questions) == report.drafts["cloze"]
    for question in lesson.questions:
        assert question.kind == "cloze" and question.skills == ("forces",)
        [blank] = question.answers
        sentence = question.prompt.replace("{{" + blank + "}}", blank)
        assert sentence in question.explanation  # the blank is the source's own word
        assert "Reference: Forces" in question.explanation and "(p. 1)" in question.explanation
    again = draft_questions(sqlite_db, "physics")
    assert again.files[0].read_text(encoding="utf-8") == \
        (trial / "90-drafts.md").read_text(encoding="utf-8")  # same sentence, same id


def test_drafting_says_what_is_missing(sqlite_db: Database, physics: Path) -> None:
    with pytest.raises(ValueError, match="no reference document 'notes'"):
        draft_questions(sqlite_db, "physics", source="notes")
    with pytest.raises(ValueError, match="unknown skill 'waves'"):
        draft_questions(sqlite_db, "physics", skill="waves")
    with pytest.raises(ValueError, match="no course 'chemistry'"):
        draft_questions(sqlite_db, "chemistry")
    assert draft_questions(sqlite_db, "physics", source="forces.pdf").files


def test_llm_drafts_are_kept_only_when_their_passage_supports_them(
        sqlite_db: Database, physics: Path) -> None:
    def script(body: dict[str, Any]) -> StubReply:
        passage = body["messages"][-1]["content"]
        if "Friction" not in passage:
            return StubReply("I cannot help with that.")  # not the JSON asked for
        return StubReply(json.dumps({"questions": [
            {"type": "single", "prompt": "What do engineers add to reduce friction?",
             "options": ["Lubricants", "Sand", "Magnets", "Water"], "answer": "Lubricants",
             "explanation": "Lubricants such as oil reduce friction.",
             "evidence": "Engineers add lubricants like oil to reduce friction in engines."},
            {"type": "short", "prompt": "Who discovered friction?", "answer": "Leonardo",
             "explanation": "Invented.", "evidence": "Leonardo da Vinci studied friction."},
            {"type": "short", "prompt": "Which surface gives more friction, sandpaper or ice?",
             "answer": "sandpaper", "explanation": "Rough surfaces grip.",
             "evidence": "Rough surfaces such as sandpaper produce more friction than "
                         "smooth ice."}]}))

    with openai_stub(script) as stub:
        model = build_chat_model("openai", "stub-model", base_url=stub.url,
                                 api_key="test-key", timeout=5)
        report = draft_questions(sqlite_db, "physics",
                                 writer=lambda found: write_drafts(model, found))
        assert all("<passage>" in prompt for prompt in stub.user_prompts())
    assert report.drafts == {"single": 1, "short": 1}
    assert report.dropped >= 3  # the invented one, and two per passage without JSON
    text = report.files[0].read_text(encoding="utf-8")
    assert "Leonardo" not in text
    assert "answer: Lubricants" in text and "answer: sandpaper" in text
    trial = physics / "90-drafts.md"
    shutil.move(report.files[0], trial)
    assert not load_course(physics).errors


def test_the_command_line_drafts_offline_and_with_the_configured_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    docs = command_line_home(tmp_path, monkeypatch)
    write_pdf(docs / "forces.pdf", [("Friction", FRICTION), ("Gravity", GRAVITY)],
              title="Forces")
    runner = CliRunner()
    made = runner.invoke(app, ["content", "import-docs", str(docs), "--course", "physics"])
    assert made.exit_code == 0, made.output
    no_skill = runner.invoke(app, ["content", "draft-questions", "--course", "physics"])
    assert no_skill.exit_code == 2 and "declare one in course.yaml" in no_skill.output
    course_yaml = tmp_path / "data" / "courses" / "physics" / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8")
                           + "skills:\n  forces: Forces\n", encoding="utf-8")
    offline = runner.invoke(app, ["content", "draft-questions", "--course", "physics"])
    assert offline.exit_code == 0, offline.output
    assert "Drafts: 2 cloze" in offline.output and "drafts/forces.md" in offline.output

    def script(body: dict[str, Any]) -> StubReply:
        return StubReply(json.dumps({"questions": [
            {"type": "short", "prompt": "What pulls every mass towards every other mass?",
             "answer": "Gravity", "explanation": "Gravity attracts masses.",
             "evidence": "Gravity pulls every mass towards every other mass."}]}))

    with openai_stub(script) as stub:
        monkeypatch.setenv("LLM_MODEL", "stub-model")
        monkeypatch.setenv("LLM_BASE_URL", stub.url)
        monkeypatch.setenv("LLM_API_KEY", "test-key")
        llm = runner.invoke(app, ["content", "draft-questions", "--course", "physics",
                                  "--from", "forces.pdf"])
        assert stub.requests, "the configured model was not asked"
    assert llm.exit_code == 0, llm.output
    assert "Drafts: 1 short" in llm.output  # the Friction passage's draft is unsupported
    assert "dropped (their passage does not support the answer)" in llm.output
