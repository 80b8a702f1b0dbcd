"""What an operator can watch (Prometheus, scraped from the dashboard's `/metrics`).

Defined once here; the places that do the work increment them. Labels are kinds and
platforms, never learners: nothing a learner wrote or is called appears in a metric.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["LLM_CALLS", "NUDGES", "TURNS", "TURN_SECONDS", "kind_of"]

TURNS = Counter("tutorbot_updates_total", "Updates handled, by platform and kind",
                ["platform", "kind"])
TURN_SECONDS = Histogram("tutorbot_turn_seconds", "Time the core took to answer an update",
                         ["platform"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                                                10))
NUDGES = Counter("tutorbot_nudges_total", "Nudges the dispatcher finished, by outcome "
                 "(sent, failed, rate_limited: a 429 waited out)", ["platform", "outcome"])
LLM_CALLS = Counter("tutorbot_llm_calls_total", "Answers asked of the LLM, by outcome (answered, "
                    "declined, fallback: the offline answer because the model failed)",
                    ["outcome"])


def kind_of(command: str | None, has_action: bool, media: str) -> str:
    """An update's kind as a label: the command's name is from the fixed command list."""
    if command:
        return "command"
    if has_action:
        return "action"
    return "media" if media else "text"
