"""The command list, defined once: `/help`, Telegram's menu and Discord's slash commands are
all generated from it, so a command added here appears everywhere at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tutor.i18n import N_, _

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
    Command("start", N_("Start, or pick up where you left off")),
    Command("courses", N_("Pick a course"), in_menu=False),
    Command("course", N_("Switch to a course by its id"), "id",
            N_("The course id, e.g. python-basics"),
            required=True, in_menu=False),
    Command("lesson", N_("Continue the lesson, or open one by number or name"), "lesson",
            N_("A lesson number or name (optional)")),
    Command("lessons", N_("The lessons of your course"), in_menu=False),
    Command("next", N_("The next card"), in_menu=False),
    Command("back", N_("The card before"), in_menu=False),
    Command("quiz", N_("A quiz on the current lesson, or on another one"), "lesson",
            N_("A lesson number or name (optional)")),
    Command("review", N_("Questions due for a refresh (spaced repetition)")),
    Command("placement", N_("A short check of what you know, to skip lessons you know already"),
            in_menu=False),
    Command("ask", N_("Ask about the course in your own words (or just type a question)"),
            "question", N_("Your question"), required=True, slow=True),
    Command("hint", N_("A hint for the open question"), in_menu=False),
    Command("skip", N_("Skip the open question and see the answer"), in_menu=False),
    Command("progress", N_("Mastery per skill, your streak, and a chart")),
    Command("score", N_("Your score in this course"), in_menu=False),
    Command("settings", N_("Time zone, reminders, difficulty, weekly goal"), "change",
            N_("e.g. `timezone Paris`, `goal 5`, `difficulty harder`")),
    Command("stop", N_("Pause all reminders")),
    Command("link",
            N_("One progress on Telegram and Discord (a code from one, typed in the other)"),
            "code", N_("The code from /link on the other app (leave empty for one)")),
    Command("forgetme", N_("Delete everything I hold about you")),
    Command("menu", N_("Where you are and what is next"), in_menu=False),
    Command("help", N_("Everything I can do")),
    Command("groupquiz", N_("In a group: a question for everyone"), who="groups",
            platforms=frozenset({"telegram", "discord"})),
    Command("leaderboard", N_("In a group: this week's quiz points"), "change",
            N_("`optout` keeps your name off, `optin` puts it back"), who="groups",
            platforms=frozenset({"telegram", "discord"})),
    Command("group", N_("Teachers: this group's course or time zone"), "setting",
            N_("`course python-basics` or `timezone Berlin`"), required=True, who="teachers",
            platforms=frozenset({"telegram", "discord"})),
    Command("campaign", N_("Teachers: schedule a nudge campaign"), "details",
            N_("COURSE | AUDIENCE | SCHEDULE | MESSAGE (or nothing, to be asked)"),
            who="teachers"),
    Command("campaigns", N_("Teachers: the campaigns, and pause, resume or cancel one"),
            "change", N_("e.g. `pause 3`"), who="teachers", in_menu=False),
    Command("cancel", N_("Teachers: drop the campaign being drafted"), who="teachers",
            in_menu=False),
    Command("report", N_("Teachers: how the class and the campaigns are doing"), "course",
            N_("The course of the class overview (default: the largest)"), who="teachers"),
    Command("dashboard", N_("Teachers: a one-time sign-in link to the web dashboard"),
            who="teachers"),
    Command("adddoc", N_("Teachers: add a document (PDF, slides...) to the course; send it "
            "with this caption"), "course", N_("The course id (optional; else your current one)"),
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
    lines = [_("**What I can do**"), ""]
    for c in COMMANDS:
        if _on(c, platform):
            usage = f" `{c.argument}`" if c.argument and c.required else \
                f" [`{c.argument}`]" if c.argument else ""
            lines.append(f"- /{c.name}{usage}: {_(c.summary)}")
    lines += ["", _("Answer a question with the buttons, or type an option number like `2` "
                    "(several: `1, 3`).")]
    return "\n".join(lines)


def _on(c: Command, platform: str) -> bool:
    return c.platforms is None or platform in c.platforms
