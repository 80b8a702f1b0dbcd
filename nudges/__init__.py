"""Nudges and teacher campaigns, sent through a `Channel` that bot/ implements."""
