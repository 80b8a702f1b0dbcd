"""Each campaign variant's record, for choosing the next learner's variant.

A nudge counts once its 24-hour window has ended: sent, and whether the learner came back
within it. The counts are kept (`ArmTally`) and only nudges whose window ended since the
last count are read (the mark `arms:c<id>`), so a run's cost does not grow with the
campaign's age.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from nudges.outcomes import WINDOW, outcomes
from nudges.sampler import Arm
from tutor.storage.models import ArmTally, Campaign, Nudge, PlanMark
from tutor.turn import as_utc

__all__ = ["arms_so_far"]


def arms_so_far(session: Session, campaign: Campaign, variants: int, now: datetime) -> list[Arm]:
    """Per variant of the campaign: (came back, sent), brought up to `now`."""
    cut = now - WINDOW
    name = f"arms:c{campaign.id}"
    mark = session.get(PlanMark, name)
    ended = select(Nudge).where(Nudge.campaign_id == campaign.id, Nudge.status == "sent",
                                Nudge.variant >= 0, Nudge.sent_at <= cut)
    if mark is not None:
        counted = as_utc(mark.planned_through)
        ended = ended.where(Nudge.sent_at > counted)
        cut = max(cut, counted)  # a clock set back never counts a nudge twice
    else:
        mark = PlanMark(name=name, planned_through=cut)
        session.add(mark)
    new = list(session.scalars(ended))
    tallies = {t.variant: t for t in session.scalars(
        select(ArmTally).where(ArmTally.campaign_id == campaign.id))}
    results = outcomes(session, campaign.course_id, new)
    for nudge in new:
        tally = tallies.get(nudge.variant)
        if tally is None:
            tally = tallies[nudge.variant] = ArmTally(campaign_id=campaign.id,
                                                      variant=nudge.variant, sent=0,
                                                      came_back=0)
            session.add(tally)
        tally.sent += 1
        tally.came_back += int(results.get(nudge.id, (False, False))[0])
    mark.planned_through = cut
    return [Arm(tallies[v].came_back, tallies[v].sent) if v in tallies else Arm(0, 0)
            for v in range(variants)]
