"""Formulas in course text: `$...$` inline, `$$...$$` on a line of their own (display).

Checked with matplotlib's mathtext parser (what a broken formula is, the validator says
with the file and line); read as Unicode text (`\\frac{1}{2} m v^2` -> `(1)/(2) m v²`) for
chat platforms, search and answers; drawn as an image for display formulas, which text
cannot carry. Dollars in prose stay prose: an inline formula starts with `$` followed by
a non-space and ends with a non-space followed by `$` that is not followed by a digit
(pandoc's rule), so "$5 and $10" is money, and `\\$` is always a dollar.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["Formula", "draw", "find", "problem", "to_text", "with_text"]

_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]*?\S)\$(?![\d$])")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_GROUP = re.compile(r"([_^])(\{([^{}]*)\}|\\[A-Za-z]+|[^\s{\\])")


@dataclass(frozen=True)
class Formula:
    tex: str
    display: bool
    start: int  # offset of its opening `$` in the text
    end: int


def find(text: str) -> Iterator[Formula]:
    """The formulas of `text`, outside code, in order."""
    code = [m.span() for m in _CODE.finditer(text)]

    def in_code(at: int) -> bool:
        return any(a <= at < b for a, b in code)

    taken: list[tuple[int, int]] = []
    for match in _DISPLAY.finditer(text):
        if not in_code(match.start()):
            taken.append(match.span())
            yield Formula(match.group(1).strip(), True, *match.span())
    for match in _INLINE.finditer(text):
        if not in_code(match.start()) and not any(a <= match.start() < b for a, b in taken):
            yield Formula(match.group(1), False, *match.span())


def problem(tex: str) -> str | None:
    """Why matplotlib's mathtext cannot read the formula, in a phrase; None when it can."""
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(f"${tex}$")
    except ValueError as exc:
        reason = str(exc).strip().splitlines()[-1]
        reason = re.sub(r"^\w+Exception: ", "", reason)
        return re.sub(r"\s*\(at char \d+\), \(line:\d+, col:\d+\)$", "", reason)
    return None


def _script(match: re.Match[str]) -> str:
    """`^{n+1}` as ⁿ⁺¹ when Unicode has every character raised (or lowered), else ^(n+1)."""
    import unicodeit

    mark, body = match.group(1), match.group(3) if match.group(3) is not None \
        else match.group(2)
    raised = unicodeit.replace(f"{mark}{{{body}}}")
    if "{" not in raised and mark not in raised:
        return "{}" + str(raised)  # `\\alpha{}ᵢ`: the macro's name ends before the script
    return f"{mark}({body})" if len(body) > 1 else f"{mark}{body}"


def _fraction(node: Any, l2tobj: Any) -> str:
    """`\\frac{G m₁ m₂}{r²}` as (G m₁ m₂)/r²: pylatexenc's own a/b loses the grouping."""
    parts = [l2tobj.nodelist_to_text([a]).strip() if a is not None else ""
             for a in node.nodeargd.argnlist]

    def grouped(text: str) -> str:
        return text if re.fullmatch(r"[\w.]+", text) else f"({text})"

    return f"{grouped(parts[-2])}/{grouped(parts[-1])}"


@cache
def _reader() -> Any:
    from pylatexenc.latex2text import (
        LatexNodes2Text,
        MacroTextSpec,
        get_default_latex_context_db,
    )

    context = get_default_latex_context_db()
    context.add_context_category("tutorbot", prepend=True, macros=[
        MacroTextSpec(name, simplify_repl=_fraction) for name in ("frac", "dfrac", "tfrac")])
    return LatexNodes2Text(latex_context=context, math_mode="text")


def to_text(tex: str) -> str:
    """The formula as Unicode text."""
    text = _reader().latex_to_text(_GROUP.sub(_script, tex))
    return re.sub(r"\s+", " ", str(text)).strip()


def with_text(text: str) -> str:
    """`text` with every formula written as Unicode text (display formulas on their own
    line), for platforms, search and answers."""
    out, at = [], 0
    for formula in sorted(find(text), key=lambda f: f.start):
        out.append(text[at:formula.start])
        out.append(to_text(formula.tex))
        at = formula.end
    out.append(text[at:])
    return "".join(out).replace("\\$", "$")


def draw(tex: str, folder: Path) -> Path:
    """A display formula drawn as a PNG (matplotlib mathtext), cached by its text."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import math_to_image

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"formula-{hashlib.sha256(tex.encode()).hexdigest()[:16]}.png"
    if not path.exists():
        temporary = path.with_suffix(".tmp.png")
        # Large and on white: a phone shows it at its width, in light and dark themes.
        math_to_image(f"${tex}$", str(temporary), prop=FontProperties(size=40), dpi=150,
                      format="png", color="black")
        temporary.replace(path)  # whole or not at all, when two turns draw it at once
    return path
