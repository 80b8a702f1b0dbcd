"""The core's small markup, and keeping user data out of it.

A learner's name, a typed answer shown back, anything a person wrote: text, never markup.
`plain` escapes what the markup (Markdown, as each adapter renders it) would read as
formatting, a link or an HTML entity, so `**Bold** [prize](https://evil.example)` and
`&amp;` arrive exactly as typed.
"""

from __future__ import annotations

import re

__all__ = ["plain"]

# CommonMark lets a backslash escape any ASCII punctuation; these are the ones that can
# start formatting, a link, an entity or raw HTML (Discord honours the same escapes).
_SPECIAL = re.compile(r"([\\`*_\[\]()#<>&~|!])")


def plain(text: str) -> str:
    """`text` as it reads, safe inside the core's markup (newlines folded to spaces)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))
