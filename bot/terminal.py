"""The terminal channel: chat with the tutor in a console, rendered with rich."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text as RichText

from tutor import Identity, Image, Inbound, QuestionReply, Reply, Text, Tutor
from tutor.actions import Action, Hint, Screen, Skip
from tutor.messages import GroupQuestion

__all__ = ["PLATFORM", "TerminalChat"]

PLATFORM = "terminal"
QUIT_WORDS = frozenset({"q", "quit", "exit", "/quit", "/exit"})
# Actions that always get the same key, so muscle memory works on every card.
FIXED_KEYS: dict[Action, str] = {Screen("next"): "n", Screen("back"): "b", Screen("menu"): "m",
                                 Screen("lessons"): "l", Screen("score"): "s",
                                 Screen("courses"): "c"}
ANSWER_HELP = {"multiple": "type the numbers, e.g. 1, 3", "short": "type your answer",
               "cloze": "type the missing word(s); several blanks: first; second"}


class TerminalChat:
    """Reads a line, sends it to the tutor, prints the replies. Enter alone means "next"."""

    def __init__(self, tutor: Tutor, console: Console, learner: str,
                 read: Callable[[str], str] | None = None) -> None:
        self._tutor = tutor
        self._console = console
        self._identity = Identity(PLATFORM, learner)
        self._learner = learner
        self._read = read or (lambda prompt: console.input(prompt))
        self._keys: dict[str, Action] = {}
        self._numbered = 0  # keys 1, 2, 3... run on across one turn's replies, never reused

    def run(self) -> None:
        self._console.print(f"[dim]tutorbot — learner [bold]{self._learner}[/bold]. Type /help, "
                            "or q to quit. Your progress is saved as you go.[/dim]")
        self._send(Inbound.from_text(self._identity, self._learner, "/start",
                                     display_name=self._learner))
        while True:
            try:
                line = self._read("[bold cyan]› [/bold cyan]")
            except (EOFError, KeyboardInterrupt):
                break
            if line.strip().lower() in QUIT_WORDS:
                break
            self._send(self._event(line))
        self._console.print("[dim]Bye! Run `tutorbot chat` again to pick up where you left.[/dim]")

    def _event(self, line: str) -> Inbound:
        key = line.strip().lower() or ("n" if "n" in self._keys else "")
        action = self._keys.get(key)
        if action is not None:
            return Inbound(self._identity, self._learner, action=action,
                           display_name=self._learner)
        return Inbound.from_text(self._identity, self._learner, line, display_name=self._learner)

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
        self._console.print(Panel(Group(*parts), title=reply.header or "Question",
                                  title_align="left", border_style="cyan"))
        self._print_keys(keys, lead=ANSWER_HELP.get(reply.kind, "type the option number"))
