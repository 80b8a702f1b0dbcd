"""Sections in, chunks out: pieces small enough for the embedding model, never mixed.

A section is one unit of the source structure (for a course: one card). A chunk never
spans two sections, so it never spans two lessons either.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["ABBREVIATIONS", "Chunk", "Section", "chunk_sections", "join_abbreviations",
           "rough_token_count"]

# all-MiniLM-L6-v2 truncates at 256 word pieces; leave room for the heading path.
DEFAULT_MAX_TOKENS = 200
_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# A full stop that ends no sentence ("e.g. Venus"): a split after one is undone. ("etc." is
# left out: it ends sentences as often as not.)
ABBREVIATIONS = frozenset({"e.g.", "i.e.", "cf.", "vs.", "approx.", "ca.", "dr.", "mr.",
                           "mrs.", "ms.", "st.", "no.", "fig.", "al."})


def join_abbreviations(pieces: list[str]) -> list[str]:
    """Sentences split at a period: put back together where the period was an
    abbreviation's."""
    out: list[str] = []
    for piece in pieces:
        words = out[-1].split() if out else []
        if words and words[-1].lower().lstrip("(") in ABBREVIATIONS:
            out[-1] = f"{out[-1]} {piece.lstrip()}"
        else:
            out.append(piece)
    return out


@dataclass(frozen=True)
class Section:
    key: str  # stable address of the section, e.g. "course/lesson/card"
    path: tuple[str, ...]  # heading path, outermost first
    text: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    id: str  # from section key, position, path, metadata and text: stable while they are
    section: str
    position: int
    path: tuple[str, ...]
    text: str
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def embed_text(self) -> str:
        """What the model sees: the heading path gives short chunks their context."""
        return f"{' > '.join(self.path)}: {self.text}" if self.path else self.text


def rough_token_count(text: str) -> int:
    """Word pieces, estimated: about 1.3 per word for English prose, more for code."""
    return int(len(re.findall(r"\w+|[^\w\s]", text)) * 1.15) + 1


def chunk_sections(
    sections: Iterable[Section],
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    count_tokens: Callable[[str], int] = rough_token_count,
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        budget = max(32, max_tokens - count_tokens(" > ".join(section.path)))
        # Path and metadata count too: a renamed lesson must not leave stale titles behind.
        context = json.dumps([section.path, dict(section.metadata)], sort_keys=True)
        for position, text in enumerate(_split(section.text, budget, count_tokens)):
            digest = hashlib.sha256(
                f"{section.key}\0{position}\0{context}\0{text}".encode()).hexdigest()
            chunks.append(Chunk(id=digest[:20], section=section.key, position=position,
                                path=section.path, text=text, metadata=dict(section.metadata)))
    return chunks


def _split(text: str, budget: int, count: Callable[[str], int]) -> list[str]:
    """Greedy packing of paragraphs, then sentences, then words, up to `budget` tokens."""
    text = text.strip()
    if not text:
        return []
    if count(text) <= budget:
        return [text]
    pieces: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        if count(paragraph) <= budget:
            pieces.append(paragraph.strip())
            continue
        for sentence in join_abbreviations(_SENTENCE.split(paragraph)):
            pieces.extend(_words(sentence, budget, count))
    return _pack([p for p in pieces if p], budget, count)


def _words(sentence: str, budget: int, count: Callable[[str], int]) -> list[str]:
    if count(sentence) <= budget:
        return [sentence]
    words, out, current = sentence.split(), [], list[str]()
    for word in words:
        if current and count(" ".join([*current, word])) > budget:
            out.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        out.append(" ".join(current))
    return out


def _pack(pieces: list[str], budget: int, count: Callable[[str], int]) -> list[str]:
    packed: list[str] = []
    for piece in pieces:
        if packed and count(f"{packed[-1]}\n\n{piece}") <= budget:
            packed[-1] = f"{packed[-1]}\n\n{piece}"
        else:
            packed.append(piece)
    return packed
