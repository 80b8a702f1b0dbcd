"""The terminal channel: chat with the tutor in a console, rendered with rich."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text as RichText

from tutor import Identity, Image, Inbound, QuestionReply, Reply, Text, Tutor
from tutor.actions import Action, Hint, Screen, Skip
from tutor.i18n import N_, said
from tutor.messages import GroupQuestion

__all__ = ["PLATFORM", "TerminalChat"]

PLATFORM = "terminal"
QUIT_WORDS = frozenset({"q", "quit", "exit", "/quit", "/exit"})
# Actions that always get the same key, so muscle memory works on every card.
FIXED_KEYS: dict[Action, str] = {Screen("next"): "n", Screen("back"): "b", Screen("menu"): "m",
                                 Screen("lessons"): "l", Screen("score"): "s",
                                 Screen("courses"): "c"}
ANSWER_HELP = {"multiple": N_("type the numbers, e.g. 1, 3"), "short": N_("type your answer"),
               "cloze": N_("type the missing word(s); several blanks: first; second")}
# The POSIX order in which a terminal's language is looked up.
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_language(environ: Mapping[str, str]) -> str:
    """The terminal's language: "es" of LANGUAGE=es:en or LANG=es_ES.UTF-8 ("" if unset)."""
    found = next((environ[v] for v in LANGUAGE_VARIABLES if environ.get(v)), "")
    return found.split(":")[0].split(".")[0]


class TerminalChat:
    """Reads a line, sends it to the tutor, prints the replies. Enter alone means "next"."""

    def __init__(self, tutor: Tutor, console: Console, learner: str,
                 read: Callable[[str], str] | None = None, language: str = "") -> None:
        self._tutor = tutor
        self._console = console
        self._identity = Identity(PLATFORM, learner)
        self._learner = learner
        self._language = language
        self._read = read or (lambda prompt: console.input(prompt))
        self._keys: dict[str, Action] = {}
        self._numbered = 0  # keys 1, 2, 3... run on across one turn's replies, never reused

    def run(self) -> None:
        welcome = said(N_("tutorbot — learner {name}. Type /help, or q to quit. Your progress "
                          "is saved as you go."), self._language, name=self._learner)
        self._console.print(RichText(welcome, style="dim"))
        self._send(Inbound.from_text(self._identity, self._learner, "/start",
                                     display_name=self._learner, language=self._language))
        while True:
            try:
                line = self._read("[bold cyan]› [/bold cyan]")
            except (EOFError, KeyboardInterrupt):
                break
            if line.strip().lower() in QUIT_WORDS:
                break
            self._send(self._event(line))
        self._console.print(RichText(said(N_("Bye! Run `tutorbot chat` again to pick up where "
                                             "you left off."), self._language), style="dim"))

    def _event(self, line: str) -> Inbound:
        key = line.strip().lower() or ("n" if "n" in self._keys else "")
        action = self._keys.get(key)
        if action is not None:
            return Inbound(self._identity, self._learner, action=action,
                           display_name=self._learner, language=self._language)
        return Inbound.from_text(self._identity, self._learner, line, display_name=self._learner,
                                 language=self._language)

    def _send(self, event: Inbound) -> None:
        replies = self._tutor.handle(event)
        self._keys, self._numbered = {}, 0
        for reply in replies:
            self.render(reply)

    def render(self, reply: Reply) -> None:
        if isinstance(reply, QuestionReply):
            self._render_question(reply)
        elif isinstance(reply, GroupQuestion):  # a terminal is nobody's group: not sent here
            self._render_question(reply.question)
        elif isinstance(reply, Image):
            self._console.print(f"🖼  {reply.caption} [link=file://{reply.path}]{reply.path}[/link]")
        else:
            self._render_text(reply)

    def _render_text(self, reply: Text) -> None:
        self._console.print(Markdown(reply.text))
        labels: list[tuple[str, str]] = []
        for row in reply.buttons:
            for button in row:
                key = FIXED_KEYS.get(button.action)
                if key is None:
                    self._numbered += 1
                    key = str(self._numbered)
                self._keys[key] = button.action
                labels.append((key, button.label))
        self._print_keys(labels)

    def _print_keys(self, labels: list[tuple[str, str]], lead: str = "") -> None:
        line = RichText(lead, style="dim")
        for key, label in labels:
            line.append("   " if line else "")
            line.append(f"[{key}]", style="bold")
            line.append(f" {label}", style="dim")
        if line:
            self._console.print(line)
        self._console.print()

    def _render_question(self, reply: QuestionReply) -> None:
        parts: list[Markdown | RichText] = [Markdown(reply.prompt)]
        for index, option in enumerate(reply.options):
            mark = "☑ " if index in reply.selected else ""
            parts.append(RichText(f"  {index + 1}. {mark}{option}"))
        # h and s always mean hint and skip here, so a stray key is never graded as an answer.
        self._keys.update({"h": Hint(reply.question_id), "s": Skip(reply.question_id)})
        keys = [(key, button.label) for row in reply.buttons for button in row
                for key, kind in (("h", Hint), ("s", Skip)) if isinstance(button.action, kind)]
        self._console.print(Panel(Group(*parts), title=reply.header or
                                  said(N_("Question"), self._language),
                                  title_align="left", border_style="cyan"))
        self._print_keys(keys, lead=said(ANSWER_HELP.get(reply.kind,
                                                         N_("type the option number")),
                                         self._language))
