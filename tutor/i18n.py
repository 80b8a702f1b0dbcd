"""The bot's own words in each learner's language: gettext catalogs kept with Babel.

Messages are written in English in the code and marked with `_` (or `ngettext` where a
count changes the words; `N_` marks a constant translated where it is shown). Their
translations live in `tutor/locale/<language>/LC_MESSAGES/tutorbot.po` (pybabel
extracts new messages into them: tutor/locale/README.md), and `tests/test_catalogs.py`
fails while any message lacks a translation. The .po files are compiled when first used,
so no build step can leave a stale catalog behind.

The language is set once per turn by `Tutor` (the learner's choice in /settings, else the
language their app reports) and read by every `_` in that turn; code that speaks to a
learner outside a turn (a nudge) wraps it in `speaking(language)`.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

__all__ = ["DEFAULT", "DOMAIN", "KEYWORDS", "LANGUAGES", "LOCALE_DIR", "N_", "Nn_", "_", "joined",
           "language", "negotiate", "ngettext", "number", "percent", "plural_form", "said",
           "speaking", "time_of_day", "weekday"]

DOMAIN = "tutorbot"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# The languages with a complete catalog, each named in itself (as /settings offers them).
LANGUAGES = {"en": "English", "zh_Hans": "简体中文", "es": "Español"}
# A platform's language code, by its first part, to the catalog that serves it: Telegram
# sends "zh-hans" or "es", Discord "zh-CN", "zh-TW" or "es-419". Traditional Chinese
# readers are served the Simplified catalog: nearer to them than English.
_BY_CODE = {"en": "en", "zh": "zh_Hans", "es": "es"}

# The markers the catalogs are extracted by (Babel's keyword specs: which arguments are the
# message and its plural).
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "Nn_": (1, 2)}

_language: ContextVar[str] = ContextVar("tutorbot_language", default=DEFAULT)


def negotiate(code: str | None) -> str | None:
    """The catalog for a platform's or a learner's language code, or None if we have none."""
    if not code:
        return None
    code = code.strip()
    if code in LANGUAGES:
        return code
    return _BY_CODE.get(code.replace("_", "-").split("-")[0].lower())


def language() -> str:
    """The language being spoken now (a key of `LANGUAGES`)."""
    return _language.get()


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Everything marked for translation inside is said in `language` (else English)."""
    token = _language.set(negotiate(language) or DEFAULT)
    try:
        yield
    finally:
        _language.reset(token)


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy (unchecked) translations are left out
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def said(message: str, language: str | None, /, **values: object) -> str:
    """One message in a language, for an adapter's own words said outside a turn."""
    with speaking(language):
        return _(message, **values)


def N_(message: str) -> str:
    """Marks a message for the catalogs without translating it yet (module constants)."""
    return message


def _(message: str, /, **values: object) -> str:
    """`message` in the current language, with `{name}` fields filled from `values`."""
    text = _translations(_language.get()).gettext(message)
    return text.format(**values) if values else text


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with a plural form without translating it yet (module constants)."""
    return singular, plural


def plural_form(singular: str, plural: str, count: int) -> str:
    """The form for `count` in the current language, its fields left unfilled."""
    return _translations(_language.get()).ngettext(singular, plural, count)


def ngettext(singular: str, plural: str, count: int, /, **values: object) -> str:
    """The form for `count` in the current language's plural rules; `{n}` is the count."""
    text = _translations(_language.get()).ngettext(singular, plural, count)
    return text.format(n=number(count), **values)


def joined(*sentences: str) -> str:
    """Sentences one after the other: with a space between them, but none in Chinese,
    whose full stop (。) closes a sentence without one."""
    return ("" if _language.get() == "zh_Hans" else " ").join(s for s in sentences if s)


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def number(value: float, decimals: int | None = None) -> str:
    """1234.5 as "1,234.5" (Spanish "1234,5"); `decimals` fixes the digits shown."""
    pattern = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=pattern, locale=_locale(_language.get()))


def percent(share: float) -> str:
    """0.4 as "40%" (Spanish writes "40 %")."""
    return format_percent(share, locale=_locale(_language.get()))


def weekday(moment: date | datetime) -> str:
    """The abbreviated name of the day: "Thu", "周四", "jue"."""
    return format_date(moment, "EEE", locale=_locale(_language.get()))


def time_of_day(moment: datetime) -> str:
    """Hours and minutes, 24-hour: "18:05"."""
    return format_time(moment, "HH:mm", locale=_locale(_language.get()))
