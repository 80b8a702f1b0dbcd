"""`tutorbot campaign ...`: teachers' nudge campaigns from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from nudges import admin
from nudges.book import CampaignBook
from nudges.campaign import (
    CampaignError,
    CampaignSpec,
    describe_audience,
    describe_schedule,
    load_spec,
)

__all__ = ["campaign_app"]

campaign_app = typer.Typer(no_args_is_help=True, help="Nudge campaigns for teachers.")


@contextmanager
def _book() -> Iterator[CampaignBook]:
    from bot.cli import _database, _settings, errors

    database = _database(_settings())
    try:
        yield CampaignBook(database)
    except admin.CampaignProblem as problem:
        errors.print(f"[red]{problem}[/red]")
        raise typer.Exit(1) from problem
    finally:
        database.dispose()


def _spec(path: Path) -> CampaignSpec:
    from bot.cli import errors

    try:
        return load_spec(path)
    except CampaignError as problem:
        errors.print(f"[red]{problem}[/red]", soft_wrap=True)
        raise typer.Exit(1) from problem


@campaign_app.command()
def create(file: Annotated[Path, typer.Argument(metavar="FILE", help="The campaign, as YAML.")]
           ) -> None:
    """Create a campaign from a YAML file (see nudges/campaign.py for the format)."""
    from bot.cli import console

    spec = _spec(file)
    with _book() as book:
        campaign = book.create(spec, "command line")
        console.print(f"[green]✓[/green] campaign {campaign.id} created: {campaign.name}")


@campaign_app.command("list")
def list_() -> None:
    """Every campaign with its status and how many nudges went out."""
    from bot.cli import console

    table = Table("id", "name", "status", "pending", "sent", "failed", "control", "skipped")
    with _book() as book:
        for campaign in book.entries():
            table.add_row(str(campaign.id), campaign.name, campaign.status,
                          *(str(campaign.counts.get(s, 0)) for s in
                            ("pending", "sent", "failed", "control", "skipped")))
    console.print(table)


@campaign_app.command()
def show(campaign_id: Annotated[int, typer.Argument(metavar="ID", help="The campaign's id.")]
         ) -> None:
    """A campaign in words: audience, schedule, messages, deliveries and the next send."""
    from bot.cli import console

    with _book() as book:
        campaign = book.entry(campaign_id)
    spec, counts, found = campaign.spec, campaign.counts, campaign.preview
    console.print(f"[bold]{campaign.id}. {campaign.name}[/bold] ({campaign.status}), "
                  f"course {spec.course}", soft_wrap=True)
    console.print(f"Audience: {describe_audience(spec.audience)}; "
                  f"{spec.control_share:.0%} held out as the control group.", soft_wrap=True)
    console.print(f"Schedule: {describe_schedule(spec.schedule)}.", soft_wrap=True)
    for number, variant in enumerate(spec.variants, 1):
        console.print(f"Message {number}: {variant.text}", soft_wrap=True, highlight=False)
    console.print("Nudges: " + (", ".join(f"{n} {status}" for status, n in sorted(
        counts.items())) or "none yet"))
    console.print(f"Next send: {_when(found, spec)}", soft_wrap=True)


def _when(found: admin.Preview | None, spec: CampaignSpec) -> str:
    if found is None:
        return "none (the campaign is not active)"
    if found.audience == 0:
        return "none yet: nobody is in the audience"
    if spec.schedule.kind == "after_inactivity":
        return "for each learner, at their own time after their last activity"
    if found.first_send is None:
        return "none: its time has passed"
    return (f"{found.first_send:%Y-%m-%d %H:%M} UTC, the earliest learner's time; all "
            f"{found.audience} within {found.finishes_in} of their own time")


def _status(campaign_id: int, status: str, said: str) -> None:
    from bot.cli import console

    with _book() as book:
        book.set_status(campaign_id, status)
    console.print(f"campaign {campaign_id} {said}")


@campaign_app.command()
def pause(campaign_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Stop planning new nudges for a campaign (pending ones still go)."""
    _status(campaign_id, "paused", "paused")


@campaign_app.command()
def resume(campaign_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Plan a paused campaign's nudges again."""
    _status(campaign_id, "active", "resumed")


@campaign_app.command()
def cancel(campaign_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """End a campaign; nudges not yet sent are dropped."""
    _status(campaign_id, "cancelled", "cancelled")


@campaign_app.command("preview")
def preview_(what: Annotated[str, typer.Argument(metavar="FILE_OR_ID",
                                                 help="A YAML file or a campaign id.")]
             ) -> None:
    """Audience size now, three rendered samples, and how long delivery takes."""
    from bot.cli import console

    with _book() as book:
        spec = book.entry(int(what)).spec if what.isdigit() else _spec(Path(what))
        found = book.preview(spec)
    console.print(f"Audience now: [bold]{found.audience}[/bold] learners "
                  f"({', '.join(f'{n} on {p}' for p, n in found.by_platform.items()) or '-'}); "
                  f"{spec.control_share:.0%} held out as the control group.")
    for sample in found.samples:
        console.print(f"  • {sample}", soft_wrap=True)
    console.print(f"First send: {_when(found, spec)}; each occurrence is delivered within "
                  f"{found.finishes_in} at the platforms' limits.", soft_wrap=True)
