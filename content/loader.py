"""Read a course folder, report every problem with file and line, build a `Course`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from content import formulas
from content.markdown import RawCard, slugify, split_body
from content.model import Card, Course, CourseMeta, Lesson, LessonMeta, Question, QuestionSpec
from content.problems import CourseFormatError, Problem, Severity
from content.questions import build_question
from content.yaml_lines import YamlDoc, parse_yaml

__all__ = ["MAX_CARD_CHARS", "REFERENCE_DIR", "LoadResult", "front_matter", "load_course",
           "split_front_matter"]

# About one phone screen of text at a comfortable size.
MAX_CARD_CHARS = 900
COURSE_FILE = "course.yaml"
REFERENCE_DIR = "reference"  # reference lessons made from documents (content.reference)
M = TypeVar("M", bound=BaseModel)


@dataclass
class LoadResult:
    course: Course | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def unwrap(self) -> Course:
        """The course, or `CourseFormatError` listing every error."""
        if self.course is None or self.errors:
            raise CourseFormatError(self.problems)
        return self.course


class _Report:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, Severity.ERROR, message))

    def warn(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, Severity.WARNING, message))


def load_course(folder: Path | str) -> LoadResult:
    """Read and validate the course in `folder`; never raises for bad content."""
    folder = Path(folder)
    report = _Report()
    if not folder.is_dir():
        report.error(folder, 0, "no such course folder")
        return LoadResult(None, report.problems)
    meta, meta_doc = _read_course_meta(folder / COURSE_FILE, report)
    lesson_paths = sorted(p for p in [*folder.glob("*.md"), *folder.glob(f"{REFERENCE_DIR}/*.md")]
                          if p.name.lower() != "readme.md")
    if not lesson_paths:
        report.error(folder, 0, "the course has no lessons (no .md files beside course.yaml)")
    skills = set(meta.skills) if meta else None
    lessons = [lesson for p in lesson_paths if (lesson := _read_lesson(p, skills, report))]
    _check_ids(lessons, report)
    if meta is not None and meta_doc is not None:
        _check_requires(folder / COURSE_FILE, meta, meta_doc, report)
    if meta is not None and meta_doc is not None and len(lessons) == len(lesson_paths):
        _check_unused_skills(folder / COURSE_FILE, meta, meta_doc, lessons, report)
    course = None
    if meta is not None and not any(p.severity is Severity.ERROR for p in report.problems):
        course = Course(
            id=meta.id, title=meta.title, description=meta.description, language=meta.language,
            version=str(meta.version), skills=meta.skills, target_success=meta.target_success,
            lessons=tuple(sorted(lessons, key=lambda lesson: (lesson.order, lesson.id))),
            path=folder.resolve(), alert_at=meta.alert_at,
            requires={skill: tuple(needs) for skill, needs in meta.requires.items() if needs},
        )
    return LoadResult(course, sorted(report.problems))


def _read_text(path: Path, report: _Report) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report.error(path, 0, f"cannot read the file: {exc.strerror}")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.error(path, line, f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x} cannot be "
                                 "decoded); save it as UTF-8")
        return None


def _parse_model(
    model: type[M], text: str, first_line: int, path: Path, what: str, report: _Report
) -> tuple[M | None, YamlDoc | None]:
    try:
        doc = parse_yaml(text, first_line)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        report.error(path, line, f"{what} is not valid YAML: {getattr(exc, 'problem', exc)}")
        return None, None
    if not isinstance(doc.data, dict):
        report.error(path, first_line, f"{what} must be a YAML mapping of `key: value` lines")
        return None, doc
    try:
        return model.model_validate(doc.data), doc
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            where = ".".join(str(part) for part in loc) or what
            report.error(path, doc.line_of(loc), f"{where}: {_plain(err)}")
        return None, doc


def _plain(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see content/README.md)"
    if err["type"] == "missing":
        return "required field is missing"
    return str(err["msg"])


def _read_course_meta(path: Path, report: _Report) -> tuple[CourseMeta | None, YamlDoc | None]:
    if not path.is_file():
        report.error(path, 0, "missing course.yaml (id, title, description, skills)")
        return None, None
    text = _read_text(path, report)
    if text is None:
        return None, None
    return _parse_model(CourseMeta, text, 1, path, "course.yaml", report)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, file line of the body's first line) or None when absent."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def front_matter(text: str) -> dict[str, object]:
    """A lesson file's front matter as a mapping ({} when it has none that reads)."""
    parts = split_front_matter(text)
    try:
        data = yaml.safe_load(parts[0]) if parts else None
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _read_lesson(path: Path, skills: set[str] | None, report: _Report) -> Lesson | None:
    text = _read_text(path, report)
    if text is None:
        return None
    parts = split_front_matter(text)
    if parts is None:
        report.error(path, 1, "the lesson must start with front matter between two `---` lines "
                              "(id, title, order, skills)")
        return None
    front, body, body_line = parts
    meta, doc = _parse_model(LessonMeta, front, 2, path, "the front matter", report)
    _check_formulas(path, body, body_line, report)
    raw_cards, blocks = split_body(body, body_line)
    cards = _build_cards(path, meta.title if meta else path.stem, raw_cards, report)
    questions = [q for block in blocks if (q := _read_question(path, block.text, block.line,
                                                               skills, report))]
    if meta is None or doc is None:
        return None
    _check_skills(path, meta.skills, skills, lambda i: doc.line_of(("skills", i)), report)
    if not cards:
        report.error(path, body_line, "the lesson has no cards (no text outside question blocks)")
    reference = meta.reference or path.parent.name == REFERENCE_DIR
    if reference and questions:
        report.error(path, questions[0].line, "a reference lesson has no quiz: move the "
                                              "question into a lesson")
    return Lesson(id=meta.id, title=meta.title, order=meta.order, skills=tuple(meta.skills),
                  path=path, cards=tuple(cards), questions=tuple(questions),
                  reference=reference, source=meta.source)


def _build_cards(path: Path, lesson_title: str, raw: list[RawCard], report: _Report) -> list[Card]:
    cards: list[Card] = []
    keys: Counter[str] = Counter()
    title = lesson_title
    for card in raw:
        title = card.title or title
        if not card.body:
            report.error(path, card.line, f"the card {title!r} is empty: give it some text or "
                                          "remove its heading")
            continue
        if len(card.body) > MAX_CARD_CHARS:
            report.warn(path, card.line, f"the card {title!r} is {len(card.body):,} characters; "
                                         f"one phone screen holds about {MAX_CARD_CHARS}: split "
                                         "it with a heading or a `---` line")
        base = slugify(title)
        keys[base] += 1
        key = base if keys[base] == 1 else f"{base}-{keys[base]}"
        cards.append(Card(key=key, title=title, body=card.body, line=card.line))
    return cards


def _read_question(
    path: Path, text: str, line: int, skills: set[str] | None, report: _Report
) -> Question | None:
    spec, doc = _parse_model(QuestionSpec, text, line, path, "the question block", report)
    if spec is None or doc is None:
        return None
    _check_skills(path, spec.skills, skills, lambda i: doc.line_of(("skills", i)), report)
    for text in (spec.prompt, spec.explanation, *spec.hints, *(spec.options or ())):
        _check_formulas(path, text, line, report, f"question {spec.id!r}: ")
    question, findings = build_question(spec, line)
    for finding in findings:
        at = doc.line_of((finding.field,))
        message = f"question {spec.id!r}: {finding.message}"
        if finding.severity is Severity.ERROR:
            report.error(path, at, message)
        else:
            report.warn(path, at, message)
    return question


def _check_formulas(path: Path, text: str, first_line: int, report: _Report,
                    where: str = "") -> None:
    """Every `$...$` and `$$...$$` formula must be one mathtext can draw."""
    for formula in formulas.find(text):
        reason = formulas.problem(formula.tex)
        if reason is not None:
            line = first_line + text[:formula.start].count("\n")
            report.error(path, line, f"{where}the formula ${formula.tex}$ cannot be read: "
                                     f"{reason} (see content/README.md, Formulas)")


def _check_skills(
    path: Path, used: list[str], known: set[str] | None, line_of: Any, report: _Report
) -> None:
    if known is None:
        return
    for index, skill in enumerate(used):
        if skill not in known:
            report.error(path, line_of(index), f"unknown skill {skill!r}; course.yaml declares: "
                                               f"{', '.join(sorted(known))}")


def _check_ids(lessons: list[Lesson], report: _Report) -> None:
    seen_lessons: dict[str, Path] = {}
    seen_questions: dict[str, tuple[Path, int]] = {}
    for lesson in lessons:
        if lesson.id in seen_lessons:
            report.error(lesson.path, 2, f"duplicate lesson id {lesson.id!r} (also in "
                                         f"{seen_lessons[lesson.id].name})")
        seen_lessons[lesson.id] = lesson.path
        for question in lesson.questions:
            if question.id in seen_questions:
                other, other_line = seen_questions[question.id]
                report.error(lesson.path, question.line, f"duplicate question id {question.id!r} "
                                                         f"(also at {other.name}:{other_line})")
            seen_questions[question.id] = (lesson.path, question.line)


def _check_requires(path: Path, meta: CourseMeta, doc: YamlDoc, report: _Report) -> None:
    """`requires:` names declared skills only, and no skill builds on itself, however far
    round: a cycle is reported once, at the line of its first skill."""
    known = set(meta.skills)
    for skill, needs in meta.requires.items():
        if skill not in known:
            report.error(path, doc.line_of(("requires", skill)),
                         f"requires: unknown skill {skill!r}; course.yaml declares: "
                         f"{', '.join(sorted(known))}")
        for index, need in enumerate(needs):
            if need not in known:
                report.error(path, doc.line_of(("requires", skill, index)),
                             f"requires: {skill} builds on unknown skill {need!r}")
    graph = {s: [n for n in needs if n in known] for s, needs in meta.requires.items()
             if s in known}
    for cycle in _cycles(graph):
        report.error(path, doc.line_of(("requires", cycle[0])),
                     "requires: a skill cannot build on itself: " + " -> ".join(
                         [*cycle, cycle[0]]))


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of the graph once (depth-first, skills in their written order)."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycle = path[path.index(node):]
            if not any(set(cycle) == set(c) for c in found):
                found.append(cycle)
            return
        if node in done:
            return
        for need in graph.get(node, []):
            visit(need, [*path, node])
        done.add(node)

    for node in graph:
        visit(node, [])
    return found


def _check_unused_skills(path: Path, meta: CourseMeta, doc: YamlDoc, lessons: list[Lesson],
                         report: _Report) -> None:
    used = {s for lesson in lessons for s in lesson.skills}
    used |= {s for lesson in lessons for q in lesson.questions for s in q.skills}
    for skill in sorted(set(meta.skills) - used):
        report.warn(path, doc.line_of(("skills", skill)),
                    f"the skill {skill!r} is declared but no lesson or question uses it")
