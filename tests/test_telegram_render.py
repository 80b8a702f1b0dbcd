from __future__ import annotations

from bot.telegram.render import MAX_CHARS, keyboard, question_text, split, to_html
from tutor import QuestionReply
from tutor.actions import Screen
from tutor.messages import Button


def test_markup_becomes_telegram_html_with_everything_escaped() -> None:
    html = to_html("**Bold** *it* `a<b` & <b>raw</b>\n\n- one\n- two\n\n```\nx = 1 < 2\n```")
    assert html == ("<b>Bold</b> <i>it</i> <code>a&lt;b</code> &amp; &lt;b&gt;raw&lt;/b&gt;"
                    "\n\n• one\n• two\n\n<pre>x = 1 &lt; 2</pre>")
    assert to_html("[x](javascript:alert(1))") == "[x](javascript:alert(1))"
    assert to_html("[site](https://e.org/?a=1&b=2)") == \
        '<a href="https://e.org/?a=1&amp;b=2">site</a>'


def test_long_messages_split_between_paragraphs() -> None:
    paragraph = "**word** " * 150  # about 1,500 characters of HTML
    pieces = split("\n\n".join([paragraph.strip()] * 9))
    assert len(pieces) > 2 and all(len(p) <= MAX_CHARS for p in pieces)
    assert all(p.count("<b>") == p.count("</b>") for p in pieces)  # no tag cut in half
    endless = split("<&>" * 6000)  # one line, longer than a message once escaped
    assert all(len(p) <= MAX_CHARS for p in endless)
    assert "".join(endless).replace("\n\n", "") == "&lt;&amp;&gt;" * 6000
    assert split("") == []


def test_questions_and_buttons() -> None:
    reply = QuestionReply(question_id=1, kind="short", prompt="2 < 3?", options=(),
                          correct=(), explanation="", header="Question 1 of 5")
    assert to_html(question_text(reply)) == \
        "<b>Question 1 of 5</b>\n\n2 &lt; 3?\n\n<i>Type your answer.</i>"
    markup = keyboard(((Button("Next ▶", Screen("next")), Button("Menu", Screen("menu"))),))
    assert markup is not None
    assert [b.callback_data for b in markup.inline_keyboard[0]] == ["next", "menu"]
    assert keyboard(()) is None
