"""The offline answer, composed like a tutor would: the sentence that answers first, what
else the course says after it in reading order, the card's example when it is about code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.lexical import HAN
from tutor.qa.evidence import Evidence, ScoredSentence

__all__ = ["Draft", "compose"]

MAX_SENTENCES = 3
MAX_WORDS = 80  # of prose; the example comes on top
MAX_EXAMPLE_LINES = 8
# A sentence that opens by pointing back ("This makes counting easy.") needs the one before.
_POINTS_BACK = re.compile(r"^(this|that|these|those|it|its|they|their|such|so|then|here|"
                          r"there|both|each|the same)\b", re.IGNORECASE)
_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)
_CODE = re.compile(r"`[^`]+`")
# Chinese text ends its sentences with 。 (its list items and lead-ins too, when quoted).
_HAN_END = re.compile(HAN + r"\W*$")


@dataclass(frozen=True)
class Draft:
    text: str
    cited: tuple[int, ...]  # indexes into Evidence.passages


def compose(evidence: Evidence, *, keep_ratio: float, max_passages: int) -> Draft:
    """Deterministic: the same question and course always give the same answer."""
    if not evidence.sentences:
        return Draft("", ())
    best = evidence.sentences[0]
    chosen: list[ScoredSentence] = [best]
    for sentence in evidence.sentences[1:]:
        if len(chosen) == MAX_SENTENCES or sentence.score < keep_ratio * best.score:
            break
        passages = {s.passage for s in chosen} | {sentence.passage}
        if len(passages) <= max_passages and not _repeats(sentence, chosen) and \
                _words([*chosen, sentence]) <= MAX_WORDS:
            chosen.append(sentence)
    chosen = _with_antecedents(evidence, chosen)
    lead = next((s for s in chosen if s.passage == best.passage and
                 not (_POINTS_BACK.match(s.text) and s.position > 0)), best)
    rest = sorted((s for s in chosen if s is not lead),
                  key=lambda s: (s.passage != lead.passage, _order(evidence, s), s.position))
    ordered = [lead, *rest]
    text = " ".join(as_sentence(s.text) for s in ordered)
    example = _example(evidence, lead)
    if example:
        text += f"\n\n```\n{example}\n```"
    return Draft(text, tuple(dict.fromkeys(s.passage for s in ordered)))


def as_sentence(text: str) -> str:
    """List items and lead-ins quoted on their own still read as sentences; a Markdown span
    the split left open (`**Venus` ...) loses its marks rather than running on."""
    if text.count("`") % 2:
        text = text.replace("`", "")
    prose = _CODE.sub("", text)  # marks inside code are code: `*`, `a_b`
    for mark in ("**", "*", "_"):
        if prose.count(mark) % 2:
            text = "".join(part if _CODE.fullmatch(part) else part.replace(mark, "")
                           for part in re.split(r"(`[^`]+`)", text))
            prose = _CODE.sub("", text)
    text = text[:1].upper() + text[1:] if text[:1].islower() else text
    if text.endswith((":", "：")):
        return text[:-1] + ("。" if text.endswith("：") else ".")
    if text[-1:] in ".!?。！？":
        return text
    return text + ("。" if _HAN_END.search(text) else ".")


def _with_antecedents(evidence: Evidence, chosen: list[ScoredSentence]
                      ) -> list[ScoredSentence]:
    """A chosen sentence that points back brings the sentence it points to."""
    by_place = {(s.passage, s.position): s for s in evidence.sentences}
    out = list(chosen)
    for sentence in chosen:
        if _POINTS_BACK.match(sentence.text) and sentence.position > 0:
            before = by_place.get((sentence.passage, sentence.position - 1))
            if before is not None and before not in out:
                out.append(before)
    return out


def _order(evidence: Evidence, sentence: ScoredSentence) -> tuple[str, str, int]:
    """Reading order: the course's own order of cards, then a card's chunks in turn."""
    meta = evidence.passages[sentence.passage].metadata
    position = meta.get("position", 0)
    return (str(meta.get("order", "")), str(meta.get("card", "")),
            position if isinstance(position, int) else 0)


def _example(evidence: Evidence, lead: ScoredSentence) -> str:
    """The first code block of the leading passage, when the answer talks about code."""
    if not _CODE.search(lead.text) and not _CODE.search(evidence.question) and \
            not re.search(r"[=()\[\]%*/+]", evidence.question):
        return ""
    found = _FENCE.search(evidence.passages[lead.passage].text)
    if not found:
        return ""
    lines = found.group(1).strip("\n").splitlines()
    return "\n".join(lines[:MAX_EXAMPLE_LINES])


def _words(sentences: list[ScoredSentence]) -> int:
    return sum(len(s.text.split()) for s in sentences)


def _repeats(candidate: ScoredSentence, chosen: list[ScoredSentence]) -> bool:
    words = set(candidate.text.lower().split())
    return any(len(words & set(c.text.lower().split())) > 0.8 * len(words) for c in chosen)
