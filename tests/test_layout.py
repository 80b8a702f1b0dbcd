"""The core's keyboards laid out within each platform's limits, and nothing lost."""

from __future__ import annotations

import pytest

from bot.layout import DISCORD, TELEGRAM, Layout, Limits, Menu, lay_out, pages
from tutor import Button
from tutor.actions import OpenLesson, Screen, Skip, Submit, Tick
from tutor.messages import Keyboard

MENU_ROW = ((Button("Menu", Screen("menu")),),)


def lessons(count: int) -> Keyboard:
    return tuple((Button(f"{n}. Lesson {n}", OpenLesson(n)),) for n in range(1, count + 1))


def select_all(options: int) -> Keyboard:
    return (*((Button(f"☐ {i + 1}", Tick(7, i)),) for i in range(options)),
            (Button("Submit", Submit(7)),), (Button("Skip", Skip(7)),))


def buttons(layout: Layout) -> list[Button]:
    return [b for row in layout.rows for b in (row.buttons if isinstance(row, Menu) else row)]


def within(layout: Layout, limits: Limits) -> bool:
    plain = [row for row in layout.rows if not isinstance(row, Menu)]
    return (len(layout.rows) <= limits.rows and sum(map(len, plain)) <= limits.buttons
            and all(len(row) <= limits.per_row for row in plain)
            and all(len(row.buttons) <= limits.menu_options for row in layout.rows
                    if isinstance(row, Menu)))


def test_a_keyboard_that_fits_is_kept_as_the_core_wrote_it() -> None:
    keyboard = (*lessons(4), *MENU_ROW)
    assert lay_out(keyboard, DISCORD) == Layout(keyboard)
    assert lay_out(select_all(10), TELEGRAM) == Layout(select_all(10))


def test_a_select_all_question_keeps_its_submit_and_skip_in_discord() -> None:
    for options in (5, 10, 12):  # 12: the most a course question may have
        layout = lay_out(select_all(options), DISCORD)
        assert within(layout, DISCORD) and not layout.left_out
        assert buttons(layout) == [b for row in select_all(options) for b in row]
        assert layout.rows[-2:] == select_all(options)[-2:]  # Submit, Skip: rows of their own
        assert not any(isinstance(row, Menu) for row in layout.rows)


def test_twenty_lessons_are_packed_and_thirty_become_two_menus_in_discord() -> None:
    twenty = lay_out(lessons(20), DISCORD)
    assert [len(row) for row in twenty.rows if not isinstance(row, Menu)] == [5, 5, 5, 5]
    thirty = lay_out((*lessons(30), *MENU_ROW), DISCORD)
    assert [type(row) for row in thirty.rows] == [Menu, Menu, tuple]
    assert [len(row.buttons) for row in thirty.rows if isinstance(row, Menu)] == [15, 15]
    assert thirty.rows[0].placeholder.startswith("Choose (1–15 of 30)")  # type: ignore[union-attr]
    assert buttons(thirty) == [*[b for row in lessons(30) for b in row], MENU_ROW[0][0]]


@pytest.mark.parametrize("limits", [DISCORD, TELEGRAM], ids=["discord", "telegram"])
@pytest.mark.parametrize("count", [1, 6, 26, 99, 101, 126, 400])
def test_every_button_is_shown_once_on_some_message(limits: Limits, count: int) -> None:
    keyboard = (*lessons(count), *MENU_ROW)
    laid = pages(keyboard, limits)
    assert all(within(layout, limits) for layout in laid)
    shown = [b for layout in laid for b in buttons(layout)]
    assert sorted(shown, key=repr) == sorted((b for row in keyboard for b in row), key=repr)
    assert all(layout.left_out for layout in laid[:-1]) and not laid[-1].left_out


def test_a_wide_row_is_cut_to_the_rows_width() -> None:
    row = tuple(Button(f"{h}:00", Screen("settings")) for h in range(12))
    layout = lay_out((row,), DISCORD)
    assert [len(r) for r in layout.rows if not isinstance(r, Menu)] == [5, 5, 2]


def test_a_message_with_less_room_keeps_it() -> None:
    room = Limits(rows=4, per_row=5, buttons=24, menu_options=25)
    first, *rest = pages(select_all(12), DISCORD, first=room)
    assert within(first, room) and not rest


def test_telegram_keyboards_beyond_one_message_go_in_more_messages() -> None:
    from bot.telegram.render import keyboards
    from tests.fake_telegram import refusal

    markups = keyboards((*lessons(130), *MENU_ROW))
    assert len(markups) == 2
    for markup in markups:
        assert refusal("sendMessage", {"reply_markup": markup.to_dict()}) is None
    shown = [b.callback_data for m in markups for row in m.inline_keyboard for b in row]
    assert len(shown) == 131 and len(set(shown)) == 131
