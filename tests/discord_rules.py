"""Discord's own limits, as its API documentation states them, checked on every payload the
bot sends to the test fake: what real Discord would refuse with a 400 is a test failure here.

Written from Discord's documentation (Message, Embed, Component and Interaction Response
reference), not from our renderer: the two must not share a number.
"""

from __future__ import annotations

from typing import Any

__all__ = ["message_problems", "modal_problems"]

CONTENT = 2000
EMBEDS = 10
EMBED = {"title": 256, "description": 4096}
EMBED_TOTAL = 6000
ROWS = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL = 80
CUSTOM_ID = 100
SELECT_OPTIONS = 25
OPTION_TEXT = 100  # label, value, description
PLACEHOLDER = 150
MODAL_TITLE = 45
MODAL_ROWS = 5
INPUT_LABEL = 45
INPUT_LENGTH = 4000
SELECTS = (3, 5, 6, 7, 8)


def message_problems(data: dict[str, Any]) -> list[str]:
    """What Discord would refuse in a message (a channel message, an interaction's
    response or follow-up)."""
    problems: list[str] = []
    if len(str(data.get("content") or "")) > CONTENT:
        problems.append(f"content of {len(data['content'])} characters (at most {CONTENT})")
    embeds = data.get("embeds") or []
    if len(embeds) > EMBEDS:
        problems.append(f"{len(embeds)} embeds (at most {EMBEDS})")
    total = 0
    for embed in embeds:
        for key, limit in EMBED.items():
            size = len(str(embed.get(key) or ""))
            total += size
            if size > limit:
                problems.append(f"an embed {key} of {size} characters (at most {limit})")
    if total > EMBED_TOTAL:
        problems.append(f"embeds of {total} characters in all (at most {EMBED_TOTAL})")
    problems += _components(data.get("components") or [])
    return problems


def _components(rows: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(rows) > ROWS:
        problems.append(f"{len(rows)} action rows (at most {ROWS})")
    ids: list[str] = []
    for number, row in enumerate(rows, 1):
        items = row.get("components") or []
        if row.get("type") != 1 or not items:
            problems.append(f"row {number} is not an action row with components")
            continue
        selects = [c for c in items if c.get("type") in SELECTS]
        if selects and len(items) > 1:
            problems.append(f"row {number}: a select menu must be alone in its row")
        if len(items) > BUTTONS_PER_ROW:
            problems.append(f"row {number}: {len(items)} buttons (at most {BUTTONS_PER_ROW})")
        for item in items:
            ids.append(str(item.get("custom_id") or ""))
            problems += _item(number, item)
    repeated = sorted({i for i in ids if i and ids.count(i) > 1})
    if repeated:
        problems.append(f"custom ids used twice in one message: {repeated}")
    return problems


def _item(row: int, item: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    custom_id = str(item.get("custom_id") or "")
    if item.get("style") != 5 and not 1 <= len(custom_id) <= CUSTOM_ID:
        problems.append(f"row {row}: custom id {custom_id[:20]!r}... of {len(custom_id)} "
                        f"characters (1 to {CUSTOM_ID})")
    if item.get("type") == 2 and len(str(item.get("label") or "")) > BUTTON_LABEL:
        problems.append(f"row {row}: a button label over {BUTTON_LABEL} characters")
    if item.get("type") == 3:
        options = item.get("options") or []
        if not 1 <= len(options) <= SELECT_OPTIONS:
            problems.append(f"row {row}: a select menu with {len(options)} options "
                            f"(1 to {SELECT_OPTIONS})")
        if len(str(item.get("placeholder") or "")) > PLACEHOLDER:
            problems.append(f"row {row}: a placeholder over {PLACEHOLDER} characters")
        values = [str(o.get("value") or "") for o in options]
        if len(set(values)) != len(values):
            problems.append(f"row {row}: a select menu with a value twice")
        for option in options:
            for key in ("label", "value", "description"):
                if len(str(option.get(key) or "")) > OPTION_TEXT:
                    problems.append(f"row {row}: an option {key} over {OPTION_TEXT} characters")
        most = int(item.get("max_values", 1) or 1)
        if most > len(options):
            problems.append(f"row {row}: max_values {most} above {len(options)} options")
    return problems


def modal_problems(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if not 1 <= len(str(data.get("title") or "")) <= MODAL_TITLE:
        problems.append(f"a form title of 1 to {MODAL_TITLE} characters")
    if not 1 <= len(str(data.get("custom_id") or "")) <= CUSTOM_ID:
        problems.append(f"a form custom id of 1 to {CUSTOM_ID} characters")
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MODAL_ROWS:
        problems.append(f"a form with {len(rows)} rows (1 to {MODAL_ROWS})")
    for row in rows:
        for item in row.get("components") or []:
            if len(str(item.get("label") or "")) > INPUT_LABEL:
                problems.append(f"a form field label over {INPUT_LABEL} characters")
            if int(item.get("max_length", 0) or 0) > INPUT_LENGTH:
                problems.append(f"a form field longer than {INPUT_LENGTH}")
    return problems
