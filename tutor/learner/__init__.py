"""The learner model: mastery per skill (and, to come, reviews, streaks and risk)."""
