"""Split lesson Markdown into plain sentences an answer can quote."""

from __future__ import annotations

import re

from retrieval.chunks import join_abbreviations
from retrieval.lexical import HAN

__all__ = ["split_sentences"]

_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)
# Chinese ends a sentence with 。！？ and no space after it.
_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`*\"'(])|(?<=[。！？])\s*|\n\s*\n"
                    r"|\n(?=\s*(?:[-*+]\s|\d+\.\s|\|))")
_HAN = re.compile(HAN)
_MARKS = re.compile(r"^\s*(?:[-*+]|\d+\.|#+|\|)\s*")
_COMMENTED = re.compile(r"^\s*(?P<code>[^#`]*\S)\s+(?:#|//)\s*(?P<comment>\S.*)$")
MIN_WORDS = 4


def split_sentences(markdown: str) -> list[str]:
    """Sentences and list items, in reading order; from code blocks, only commented lines.

    Half a code block quotes badly, but `del ages["Alan"]  # remove a key` is often the
    very answer in a programming course, so it becomes "`del ages["Alan"]`: remove a key".
    """
    sentences: list[str] = []
    position = 0
    for block in _FENCE.finditer(markdown):
        sentences += _prose(markdown[position:block.start()])
        sentences += [_code_line(found) for line in block.group(1).splitlines()
                      if (found := _COMMENTED.match(line))]
        position = block.end()
    return sentences + _prose(markdown[position:])


def _prose(text: str) -> list[str]:
    sentences = []
    for piece in join_abbreviations(_BREAK.split(text)):
        line = " ".join(_MARKS.sub("", piece.strip()).replace(" | ", ": ").strip(" |").split())
        if set(line) <= set("-|: ") or _words(line) < MIN_WORDS:
            continue
        sentences.append(line)
    return sentences


def _words(line: str) -> int:
    """Words in the line; Chinese, written without spaces, at about two characters a
    word."""
    han = len(_HAN.findall(line))
    return len(_HAN.sub("", line).split()) + (han + 1) // 2


def _code_line(found: re.Match[str]) -> str:
    return f"`{found['code'].strip()}`: {found['comment'].strip()}"
