"""Split lesson Markdown into plain sentences an answer can quote."""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_FENCE = re.compile(r"```.*?```", re.DOTALL)
_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`*\"'(])|\n\s*\n|\n(?=\s*(?:[-*+]\s|\d+\.\s|\|))")
_MARKS = re.compile(r"^\s*(?:[-*+]|\d+\.|#+|\|)\s*")
MIN_WORDS = 4


def split_sentences(markdown: str) -> list[str]:
    """Sentences and list items, without code blocks (half a code block quotes badly)."""
    text = _FENCE.sub("\n\n", markdown)
    sentences = []
    for piece in _BREAK.split(text):
        line = " ".join(_MARKS.sub("", piece).replace(" | ", ": ").strip(" |").split())
        if set(line) <= set("-|: ") or len(line.split()) < MIN_WORDS:
            continue
        sentences.append(line)
    return sentences
