"""Slash commands described in each member's Discord language, from the bot's catalogs."""

from __future__ import annotations

import discord
from discord import app_commands

from tutor.i18n import DEFAULT, negotiate, said

__all__ = ["CatalogTranslator"]

# Names must stay what members type (and the same in every language); only what a command
# and its options say about themselves is translated.
_DESCRIPTIONS = frozenset({app_commands.TranslationContextLocation.command_description,
                           app_commands.TranslationContextLocation.group_description,
                           app_commands.TranslationContextLocation.parameter_description})


class CatalogTranslator(app_commands.Translator):
    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        language = negotiate(locale.value)
        if context.location not in _DESCRIPTIONS or language in (None, DEFAULT):
            return None
        found = said(string.message, language)
        return found[:100] if found != string.message else None  # Discord's limit: 100
