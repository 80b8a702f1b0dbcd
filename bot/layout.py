"""The core's keyboard laid out within one platform's limits.

The core says what can be pressed, one list item per row; each platform caps rows, buttons
per row and buttons per message (Discord: 5 x 5; Telegram: 8 a row, 100 in all). Kept as
the core wrote it when that fits; otherwise lists are packed into full rows, then (where the
platform has select menus) turned into menus, longest list first. Whatever still does not fit
is returned as `left_out` for the adapter to log and mention: never dropped without a word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tutor.messages import Button, Keyboard

__all__ = ["DISCORD", "MORE", "TELEGRAM", "Layout", "Limits", "Menu", "lay_out", "pages"]

# The text of a message that carries the buttons that did not fit the one before: a sign, so
# it reads the same in every language (the adapter no longer knows the learner's).
MORE = "⬇️ …"


@dataclass(frozen=True)
class Limits:
    rows: int
    per_row: int
    buttons: int
    menu_options: int = 0  # options in one select menu; 0 where the platform has none


DISCORD = Limits(rows=5, per_row=5, buttons=25, menu_options=25)
# Telegram documents no row limit; a keyboard of more than 100 buttons is refused.
TELEGRAM = Limits(rows=100, per_row=8, buttons=100)


@dataclass(frozen=True)
class Menu:
    """A select menu standing for a list of the core's buttons: picking one is pressing it."""

    buttons: tuple[Button, ...]
    placeholder: str


Row = tuple[Button, ...] | Menu


@dataclass(frozen=True)
class Layout:
    rows: tuple[Row, ...]
    left_out: tuple[Button, ...] = ()


@dataclass
class _Block:
    """A row as the core wrote it, or a list: a run of one-button rows of one kind of
    action (lessons, options), not the Submit or Menu row after it."""

    buttons: tuple[Button, ...]
    is_list: bool
    packed: bool = False
    menus: bool = False

    def rows(self, limits: Limits) -> list[Row]:
        if self.menus:
            return _menus(self.buttons, limits.menu_options)
        if self.is_list and not self.packed:
            return [(button,) for button in self.buttons]
        return [self.buttons[i:i + limits.per_row]
                for i in range(0, len(self.buttons), limits.per_row)]


def lay_out(keyboard: Keyboard, limits: Limits) -> Layout:
    blocks = _blocks(keyboard)
    if _fits(blocks, limits):
        return Layout(_rows(blocks, limits))
    lists = sorted((b for b in blocks if b.is_list), key=lambda b: -len(b.buttons))
    for block in lists:
        block.packed = True
        if _fits(blocks, limits):
            return Layout(_rows(blocks, limits))
    if limits.menu_options:
        for block in lists:
            block.menus = True
            if _fits(blocks, limits):
                return Layout(_rows(blocks, limits))
    return _truncated(_rows(blocks, limits), limits)


def pages(keyboard: Keyboard, limits: Limits, first: Limits | None = None) -> list[Layout]:
    """The keyboard's layout for its message (within `first`, when that message has less
    room), then layouts for as many more messages as the buttons left out need."""
    out = [lay_out(keyboard, first or limits)]
    while out[-1].left_out:
        out.append(lay_out(tuple((b,) for b in out[-1].left_out), limits))
    return out


def _blocks(keyboard: Keyboard) -> list[_Block]:
    blocks: list[_Block] = []
    for row in keyboard:
        if not row:
            continue
        previous = blocks[-1] if blocks else None
        if len(row) == 1 and previous is not None and previous.is_list and \
                type(previous.buttons[0].action) is type(row[0].action):
            previous.buttons += row
        else:
            blocks.append(_Block(tuple(row), is_list=len(row) == 1))
    for block in blocks:  # a lone one-button row is a row, not a list
        block.is_list = block.is_list and len(block.buttons) > 1
    return blocks


def _rows(blocks: list[_Block], limits: Limits) -> tuple[Row, ...]:
    return tuple(row for block in blocks for row in block.rows(limits))


def _fits(blocks: list[_Block], limits: Limits) -> bool:
    rows = _rows(blocks, limits)
    buttons = sum(len(row) for row in rows if not isinstance(row, Menu))
    return len(rows) <= limits.rows and buttons <= limits.buttons and all(
        isinstance(row, Menu) or len(row) <= limits.per_row for row in rows)


def _menus(buttons: tuple[Button, ...], size: int) -> list[Row]:
    """Menus of even size: 30 lessons are two menus of 15, not 25 and 5."""
    count = math.ceil(len(buttons) / size)
    each = math.ceil(len(buttons) / count)
    parts = [buttons[i:i + each] for i in range(0, len(buttons), each)]
    if len(parts) == 1:
        return [Menu(buttons, f"Choose one of {len(buttons)}…")]
    return [Menu(part, f"Choose ({n * each + 1}–{n * each + len(part)} of {len(buttons)})…")
            for n, part in enumerate(parts)]


def _truncated(rows: tuple[Row, ...], limits: Limits) -> Layout:
    kept: list[Row] = []
    left: list[Button] = []
    room = limits.buttons
    for row in rows:
        if isinstance(row, Menu):
            if len(kept) < limits.rows:
                kept.append(row)
            else:
                left += row.buttons
            continue
        fitting = row[:min(room, limits.per_row)] if len(kept) < limits.rows else ()
        if fitting:
            kept.append(fitting)
            room -= len(fitting)
        left += row[len(fitting):]
    return Layout(tuple(kept), tuple(left))
