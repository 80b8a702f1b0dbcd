"""Formulas in course text: found, checked by the validator, read as Unicode text in chat
and search, and drawn as an image for display formulas, on every platform."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from content import load_course
from content.formulas import draw, find, to_text, with_text
from tests.conftest import Chat
from tests.fake_telegram import FakeTelegram
from tutor import Database, Image, Text, Tutor

GRAVITY_TEXT = "F = (G m₁ m₂)/r²"


@pytest.mark.parametrize(("tex", "text"), [
    (r"E = mc^2", "E = mc²"),
    (r"\frac{1}{2} m v^2", "1/2 m v²"),
    (r"F = \frac{G m_1 m_2}{r^2}", GRAVITY_TEXT),
    (r"\sqrt{b^2 - 4ac}", "√(b² - 4ac)"),
    (r"\alpha_{i} + \beta", "αᵢ + β"),
    (r"x_{n+1}", "xₙ₊₁"),
    (r"9.8\,\mathrm{m/s^2}", "9.8 m/s²"),
    (r"a^{x+y}", "aˣ⁺ʸ"),
    (r"x_{bq}", "x_(bq)"),  # Unicode has no subscript b or q: said plainly
])
def test_formulas_read_as_unicode_text(tex: str, text: str) -> None:
    assert to_text(tex) == text


def test_money_code_and_escaped_dollars_are_not_formulas() -> None:
    text = (r"It costs $5 and $10, or \$3; `$x$` is code. Energy: $E = mc^2$." "\n\n"
            "$$v = \\frac{d}{t}$$")
    assert [(f.tex, f.display) for f in find(text)] == [("v = \\frac{d}{t}", True),
                                                        ("E = mc^2", False)]
    assert with_text(text) == ("It costs $5 and $10, or $3; `$x$` is code. Energy: E = mc²."
                               "\n\nv = d/t")


def test_a_broken_formula_is_a_validator_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "course.yaml").write_text("id: f\ntitle: F\ndescription: d\nskills:\n  e: E\n",
                                          encoding="utf-8")
    (tmp_path / "01.md").write_text(
        "---\nid: one\ntitle: One\norder: 1\nskills: [e]\n---\n\n# Energy\n\n"
        "Kinetic energy is $\\frac{1}{2 m v^2$.\n\n"
        "```question\nid: q1\ntype: short\nprompt: What is $\\foo x$?\nskills: [e]\n"
        "difficulty: 1\nanswer: x\nexplanation: Because.\n```\n", encoding="utf-8")
    errors = [str(p) for p in load_course(tmp_path).errors]
    assert any("01.md:10" in e and "the formula $\\frac{1}{2 m v^2$ cannot be read: "
               "Expected \\frac{num}{den}" in e for e in errors), errors
    assert any("question 'q1': the formula $\\foo x$ cannot be read: Unknown symbol: \\foo"
               in e for e in errors), errors


def test_display_formulas_are_drawn_once_as_a_picture(tmp_path: Path) -> None:
    first = draw(r"E = mc^2", tmp_path)
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    modified = first.stat().st_mtime_ns
    assert draw(r"E = mc^2", tmp_path) == first and first.stat().st_mtime_ns == modified


def _gravity_card(chat: Chat) -> None:
    chat.say("/course earth-science")
    chat.say("/lesson 8")
    for _ in range(3):  # Our Moon, Phases of the Moon, Eclipses, then Gravity and tides
        chat.say("/next")


def test_a_card_shows_formulas_as_text_and_the_display_one_as_an_image(
        bundled_db: Database, tmp_path: Path) -> None:
    chat = Chat(Tutor(bundled_db, charts_dir=tmp_path))
    _gravity_card(chat)
    image, text = chat.last
    assert isinstance(image, Image) and isinstance(text, Text)
    assert image.caption == GRAVITY_TEXT and image.path.parent == tmp_path / "formulas"
    assert "two masses m₁ and m₂ a distance r apart" in text.text
    assert GRAVITY_TEXT in text.text and "$" not in text.text and "\\frac" not in text.text
    plain = Chat(Tutor(bundled_db), user="u2")  # no folder for images: text alone
    _gravity_card(plain)
    assert [type(r) for r in plain.last] == [Text]


def test_search_reads_the_text_form(bundled_db: Database) -> None:
    from tutor.knowledge import CourseSearch

    [gravity] = [s for s in CourseSearch(bundled_db, None).sections("earth-science")  # type: ignore[arg-type]
                 if s.key.endswith("/gravity-and-tides")]
    assert GRAVITY_TEXT in gravity.text and "\\frac" not in gravity.text


def test_formulas_over_telegram_come_as_a_photo_and_unicode_text(
        bundled_db: Database, tmp_path: Path) -> None:
    from tests.telegram_harness import running

    async def scenario() -> None:
        fake = FakeTelegram()
        async with running(Tutor(bundled_db, charts_dir=tmp_path), bundled_db, fake=fake,
                           telegram_rate_limits=False):
            fake.message(77, "/course earth-science")
            await fake.reply_to(77, 0)
            fake.message(77, "/lesson 8")
            sent = len(await fake.reply_to(77, 0))
            for _ in range(3):
                fake.message(77, "/next")
                sent += len(await fake.reply_to(77, sent))
            photo, card = fake.to(77)[-2:]
            assert photo.method == "sendPhoto" and photo.params["photo"]["size"] > 2000
            assert GRAVITY_TEXT in photo.params["caption"]
            assert card.method == "sendMessage" and GRAVITY_TEXT in card.text

    asyncio.run(scenario())
