"""The offline answer: the best sentences of the retrieved passages, in reading order."""

from __future__ import annotations

from dataclasses import dataclass

from tutor.qa.evidence import Evidence, ScoredSentence

__all__ = ["Draft", "compose"]

MAX_SENTENCES = 3


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
        if len(passages) <= max_passages and not _repeats(sentence, chosen):
            chosen.append(sentence)
    chosen.sort(key=lambda s: (str(evidence.passages[s.passage].metadata.get("order", "")),
                               s.passage, s.position))
    cited = tuple(dict.fromkeys(s.passage for s in chosen))
    return Draft(" ".join(as_sentence(s.text) for s in chosen), cited)


def as_sentence(text: str) -> str:
    """List items and lead-ins quoted on their own still read as sentences."""
    text = text[:1].upper() + text[1:] if text[:1].islower() else text
    if text.endswith(":"):
        return text[:-1] + "."
    return text if text[-1:] in ".!?" else text + "."


def _repeats(candidate: ScoredSentence, chosen: list[ScoredSentence]) -> bool:
    words = set(candidate.text.lower().split())
    return any(len(words & set(c.text.lower().split())) > 0.8 * len(words) for c in chosen)
