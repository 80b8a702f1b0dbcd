"""Draft questions from a course's reference documents, for a teacher to review.

Offline drafts are cloze questions: from each section of a document, its key sentence
(the one carrying the section's most distinctive terms, by TF-IDF over every sentence of
the course's references) with its key term blanked. Drafts are written as a lesson file in
the course folder's `drafts/` folder, which the loader never reads: none reaches learners
until a teacher moves the questions (or the whole file) into the course. Each draft cites
where its sentence comes from, and its id is stable for the same sentence, so drafting
again never duplicates one a teacher already moved.

LLM drafts (multiple choice and short answer, checked against their passage) are written
by `tutor.qa.drafting` into the same format (`draft_file`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from content.model import Course, Lesson

__all__ = ["DRAFTS_DIR", "Draft", "Passage", "cloze_drafts", "draft_file", "passages"]

DRAFTS_DIR = "drafts"
DRAFTS_ORDER = 999
PER_DOCUMENT = 10
KEY_TERMS = 3  # a section's best terms tried, in order, for a sentence to blank
MIN_WORDS, MAX_WORDS = 8, 40
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
_ABBREVIATION = re.compile(r"(?:^|\s)(?:St|Mr|Mrs|Ms|Dr|Jr|Sr|Prof|vs|etc|e\.g|i\.e|[A-Z])\.$")
_TERM = re.compile(r"[A-Za-z][A-Za-z'-]{3,}|\d{3,4}")


@dataclass(frozen=True)
class Passage:
    """A section of a reference document: the card's text and where it is."""

    lesson: Lesson
    title: str  # the card's title, with its page or slide
    text: str


@dataclass(frozen=True)
class Draft:
    kind: str  # "cloze", "single", "short"
    prompt: str
    explanation: str
    document: str  # the reference lesson's id
    options: tuple[str, ...] = ()
    answer: str | None = None  # single: the right option; short: the accepted answer

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.kind}|{self.prompt}".encode()).hexdigest()[:8]


def passages(course: Course, source: str | None = None) -> list[Passage]:
    """The reference documents' sections; `source` narrows to one document (its file name,
    with or without the extension, or its lesson id)."""
    found = []
    for lesson in course.lessons:
        if not lesson.reference:
            continue
        if source is not None and source not in _names(lesson):
            continue
        found += [Passage(lesson, card.title, _unescape(card.body)) for card in lesson.cards]
    return found


def _names(lesson: Lesson) -> set[str]:
    names = {lesson.id, lesson.path.stem}
    if lesson.source:
        names |= {Path(lesson.source).name, Path(lesson.source).stem}
    return names


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\`*_\[\]()#<>&~|!=+-])", r"\1", text)


def _sentences(text: str) -> list[str]:
    found = []
    for paragraph in text.split("\n\n"):
        pieces: list[str] = []
        for piece in _SENTENCE.split(" ".join(paragraph.split())):
            if pieces and _ABBREVIATION.search(pieces[-1]):
                pieces[-1] += " " + piece  # "St. Paul's" is one sentence
            else:
                pieces.append(piece)
        for sentence in pieces:
            if MIN_WORDS <= len(sentence.split()) <= MAX_WORDS and sentence[-1:] in ".!" \
                    and "{" not in sentence and "}" not in sentence:
                found.append(sentence)
    return found


def cloze_drafts(found: Sequence[Passage], per_document: int = PER_DOCUMENT) -> list[Draft]:
    """At most one cloze per section: the section's key term (the highest TF-IDF weight,
    sections as documents: what this section says often and others rarely) blanked in
    the first sentence that uses it once; the best `per_document` of each document, in
    the document's order."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not found:
        return []
    vectorizer = TfidfVectorizer(stop_words="english", token_pattern=_TERM.pattern,
                                 sublinear_tf=True)
    try:
        weights = vectorizer.fit_transform([p.text for p in found])
    except ValueError:  # nothing but stop words
        return []
    vocabulary = vectorizer.get_feature_names_out()
    chosen: list[tuple[float, int, Draft]] = []
    for row, passage in enumerate(found):
        scores = weights.getrow(row)
        ranked = sorted(zip(scores.data, scores.indices, strict=True), reverse=True)
        draft = next((d for score, column in ranked[:KEY_TERMS]
                      if (d := _cloze(passage, str(vocabulary[column]))) is not None), None)
        if draft is not None:
            chosen.append((float(ranked[0][0]), row, draft))
    drafts: list[Draft] = []
    for lesson in dict.fromkeys(p.lesson.id for p in found):
        mine = sorted((c for c in chosen if c[2].document == lesson), key=lambda c: -c[0])
        drafts += [draft for _, _, draft in sorted(mine[:per_document], key=lambda c: c[1])]
    return drafts


def _cloze(passage: Passage, term: str) -> Draft | None:
    repeated = len(re.findall(rf"(?<![\w-]){re.escape(term)}(?![\w-])", passage.text,
                              re.I)) > 1
    for sentence in _sentences(passage.text):
        matches = list(re.finditer(rf"(?<![\w-]){re.escape(term)}(?![\w-])", sentence, re.I))
        if len(matches) != 1 or not _worth_asking(matches[0], sentence, repeated):
            continue
        start, end = matches[0].span()
        return Draft("cloze", f"{sentence[:start]}{{{{{sentence[start:end]}}}}}{sentence[end:]}",
                     f"{passage.lesson.title}, {passage.title}: “{sentence}”",
                     passage.lesson.id)
    return None


def _worth_asking(match: re.Match[str], sentence: str, repeated: bool) -> bool:
    """A term worth recalling: a name (capitalised inside the sentence), a number or year,
    or a word the section keeps using; never an inflected verb or an adverb on its own,
    which a cloze turns into a grammar guess."""
    word = match.group(0)
    if word.isdigit():
        return True
    if word[0].isupper():
        return match.start() > 0 or repeated
    return repeated and not word.lower().endswith(("ed", "ing", "ly"))


def draft_file(lesson: Lesson, drafts: Sequence[Draft], skill: str) -> str:
    """A lesson file holding the drafts, valid as it stands once moved into the course."""
    slug = lesson.id.removeprefix("ref-")[:36]
    front = {"id": f"drafts-{slug}", "title": f"Draft questions: {lesson.title}"[:120],
             "order": DRAFTS_ORDER, "skills": [skill]}
    out = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip(), "---",
           "", f"# Questions on {lesson.title.removeprefix('Reference: ')}", "",
           "Drafted from the document: check each question, its answer and explanation, "
           "then move the ones you keep into a lesson beside course.yaml.", ""]
    for draft in drafts:
        block: dict[str, object] = {"id": f"d-{slug[:30]}-{draft.key}", "type": draft.kind,
                                    "prompt": draft.prompt, "skills": [skill],
                                    "difficulty": 2}
        if draft.options:
            block["options"] = list(draft.options)
        if draft.answer is not None:
            block["answer"] = draft.answer
        block["explanation"] = draft.explanation
        out += ["```question", yaml.safe_dump(block, allow_unicode=True, sort_keys=False,
                                              width=1000).strip(), "```", ""]
    return "\n".join(out)
