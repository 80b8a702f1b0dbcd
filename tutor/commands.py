"""The command list, defined once: `/help`, Telegram's menu and Discord's slash commands are
all generated from it, so a command added here appears everywhere at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["COMMANDS", "Command", "command", "help_text", "menu"]

Who = Literal["everyone", "groups", "teachers"]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str  # one line, at most 100 characters (Discord's limit for a description)
    argument: str = ""  # the name of its one argument, when it takes one
    argument_help: str = ""
    required: bool = False  # the argument must be given
    who: Who = "everyone"
    in_menu: bool = True  # offered in the platforms' command menus (all are in /help)
    slow: bool = False  # may take seconds: a platform should show that it is thinking
    platforms: frozenset[str] | None = None  # None: every platform


COMMANDS: tuple[Command, ...] = (
    Command("start", "Start, or pick up where you left off"),
    Command("courses", "Pick a course", in_menu=False),
    Command("course", "Switch to a course by its id", "id", "The course id, e.g. python-basics",
            required=True, in_menu=False),
    Command("lesson", "Continue the lesson, or open one by number or name", "lesson",
            "A lesson number or name (optional)"),
    Command("lessons", "The lessons of your course", in_menu=False),
    Command("next", "The next card", in_menu=False),
    Command("back", "The card before", in_menu=False),
    Command("quiz", "A quiz on the current lesson, or on another one", "lesson",
            "A lesson number or name (optional)"),
    Command("review", "Questions due for a refresh (spaced repetition)"),
    Command("placement", "A short check of what you know, to skip lessons you know already",
            in_menu=False),
    Command("ask", "Ask about the course in your own words (or just type a question)",
            "question", "Your question", required=True, slow=True),
    Command("hint", "A hint for the open question", in_menu=False),
    Command("skip", "Skip the open question and see the answer", in_menu=False),
    Command("progress", "Mastery per skill, your streak, and a chart"),
    Command("score", "Your score in this course", in_menu=False),
    Command("settings", "Time zone, reminders, difficulty, weekly goal", "change",
            "e.g. `timezone Paris`, `goal 5`, `difficulty harder`"),
    Command("stop", "Pause all reminders"),
    Command("link", "One progress on Telegram and Discord (a code from one, typed in the other)",
            "code", "The code from /link on the other app (leave empty for one)"),
    Command("forgetme", "Delete everything I hold about you"),
    Command("menu", "Where you are and what is next", in_menu=False),
    Command("help", "Everything I can do"),
    Command("groupquiz", "In a group: a question for everyone", who="groups",
            platforms=frozenset({"telegram", "discord"})),
    Command("leaderboard", "In a group: this week's quiz points", "change",
            "`optout` keeps your name off, `optin` puts it back", who="groups",
            platforms=frozenset({"telegram", "discord"})),
    Command("group", "Teachers: this group's course or time zone", "setting",
            "`course python-basics` or `timezone Berlin`", required=True, who="teachers",
            platforms=frozenset({"telegram", "discord"})),
    Command("campaign", "Teachers: schedule a nudge campaign", "details",
            "COURSE | AUDIENCE | SCHEDULE | MESSAGE (or nothing, to be asked)",
            who="teachers"),
    Command("campaigns", "Teachers: the campaigns, and pause, resume or cancel one",
            "change", "e.g. `pause 3`", who="teachers", in_menu=False),
    Command("cancel", "Teachers: drop the campaign being drafted", who="teachers",
            in_menu=False),
    Command("report", "Teachers: how the class and the campaigns are doing", "course",
            "The course of the class overview (default: the largest)", who="teachers"),
    Command("dashboard", "Teachers: a one-time sign-in link to the web dashboard",
            who="teachers"),
    Command("adddoc", "Teachers: add a document (PDF, slides...) to the course; send it "
            "with this caption", "course", "The course id (optional; else your current one)",
            who="teachers", slow=True),
)
_BY_NAME = {c.name: c for c in COMMANDS}


def command(name: str) -> Command:
    return _BY_NAME[name]


def menu(platform: str, who: Who | None = None) -> tuple[Command, ...]:
    """The commands a platform's menu offers (optionally only those for `who`)."""
    return tuple(c for c in COMMANDS if c.in_menu and _on(c, platform)
                 and (who is None or c.who == who))


def help_text(platform: str) -> str:
    """`/help`: every command that works on this platform, one to a line."""
    lines = ["**What I can do**", ""]
    for c in COMMANDS:
        if _on(c, platform):
            usage = f" `{c.argument}`" if c.argument and c.required else \
                f" [`{c.argument}`]" if c.argument else ""
            lines.append(f"- /{c.name}{usage}: {c.summary}")
    lines += ["", "Answer a question with the buttons, or type an option number like `2` "
              "(several: `1, 3`)."]
    return "\n".join(lines)


def _on(c: Command, platform: str) -> bool:
    return c.platforms is None or platform in c.platforms
