"""`--help` as people read it: `--course COURSE`, `FOLDER...`, no Python types.

Typer 0.29 labels every parameter with its annotation (`<bool>` on a flag, `<list[Path]>`,
`{paths}...` in the usage line). These two overrides give the usual command-line style: a
flag shows nothing, a value shows its metavar (or the click type's name, like INTEGER).
tests/test_cli.py reads the help of every command, so a Typer change that undoes this shows.
"""

from __future__ import annotations

from typing import Any

import click
from typer.core import TyperArgument, TyperOption

__all__ = ["install"]


def _option_type(self: click.Option, ctx: click.Context) -> str | None:
    if self.is_flag or self.count:
        return None
    return self.metavar or self.type.name.upper()


def _argument_type(self: click.Argument, ctx: click.Context) -> str | None:
    return None  # the argument's own name (its metavar) already says what goes there


def _argument_usage(self: click.Argument) -> str:
    name = self.metavar or (self.name or "").upper()
    more = "..." if self.nargs != 1 and not name.endswith("...") else ""
    return f"{name}{more}" if self.required else f"[{name}{more}]"


def install() -> None:
    patched: Any = TyperOption
    patched.display_type_rich = _option_type
    patched = TyperArgument
    patched.display_type_rich = _argument_type
    patched._usage_display_name = _argument_usage
