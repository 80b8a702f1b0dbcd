"""User data is text: a name never becomes bold, a link or an entity in any reply."""

from __future__ import annotations

from bot.telegram.render import to_html
from nudges.audience import Recipient
from nudges.planner import render
from tutor.markup import plain

HOSTILE = "**Bold** [prize](https://evil.example) &amp; <b>x</b> _y_ `z` # ~w~ |s|"


def test_plain_text_renders_exactly_as_typed() -> None:
    html = to_html(plain(HOSTILE))
    assert "<b>" not in html and "<a" not in html and "<i>" not in html
    assert "<code>" not in html and "<s>" not in html
    assert html == ("**Bold** [prize](https://evil.example) &amp;amp; &lt;b&gt;x&lt;/b&gt; "
                    "_y_ `z` # ~w~ |s|")


def test_a_nudge_names_the_learner_as_text() -> None:
    who = Recipient(1, HOSTILE, "UTC", (22, 8), "telegram", "1", 2, 0, None, "Loops", None, {})
    text = render("Hi {name}, {due} reviews of {course}", who, "**Python**")
    html = to_html(text)
    assert "<b>Python</b>" in html  # the author's markup stays markup
    assert "<b>Bold</b>" not in html and "<a" not in html
