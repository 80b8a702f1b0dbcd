"""What a question asks for, and whether a passage can hold it: text signals for the
answer-or-decline gate.

A passage can be about the topic and still not hold the answer: "when" needs a time,
"how many" a number, "who" a name; a question that asks about what did *not* happen is
not answered by a sentence saying what did; a name or number the question turns on must
be in the passage. These are cheap, language-level checks (English question words), and
the gate weighs them by a model fitted on dev data, not by rules.
"""

from __future__ import annotations

import re

__all__ = ["answer_kind", "asks_about_a_negation", "can_hold", "conversion", "entities",
           "missing_entities", "negated", "turns_into"]

_KINDS = (
    # "When did ..." asks for a time; "I get an error when the key is missing" does not.
    ("time", re.compile(r"^\W*(in |since |until )?when\b|\b(what (year|century|decade|date|"
                        r"time|month|day|period)|which (year|century|decade|date|month|day)|"
                        r"how long ago)\b", re.IGNORECASE)),
    ("number", re.compile(r"\bhow (many|much|long|old|far|big|large|tall|high|deep|wide|"
                          r"often|fast)\b|\bwhat (percentage|proportion|number|amount)\b",
                          re.IGNORECASE)),
    ("name", re.compile(r"^\W*(who|whom|whose)\b|\b(who|whom|whose) (was|were|is|did|had)\b",
                        re.IGNORECASE)),
)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|" \
    "december"
_TIME = re.compile(rf"\b(\d{{2,4}}s?|\d+(st|nd|rd|th)|{_MONTHS}|centur(y|ies)|decades?|"
                   r"years?|ages?|era|bc|ad|bce|ce|reign|dynasty|period|monday|tuesday|"
                   r"wednesday|thursday|friday|saturday|sunday|today|yesterday|ago|"
                   r"during|until|after|before|since|when|then|now|later|earlier)\b",
                   re.IGNORECASE)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozens?|"
                     r"half|third|quarter|twice|once|several|few|many|most|all|none|no)\b",
                     re.IGNORECASE)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'-]+")
_NEGATION = re.compile(r"\b(not|never|no|none|nothing|nobody|neither|nor|without|cannot|"
                       r"unable|fail(s|ed)?|lack(s|ed)?)\b|n't\b", re.IGNORECASE)
_ENTITY = re.compile(r"\b[A-Z][\w'-]*[a-z][\w'-]*\b|\b\d[\d,.]*\b")
_QUESTION_WORDS = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why",
                             "how", "is", "are", "was", "were", "do", "does", "did", "can",
                             "could", "in", "on", "the", "a", "an", "i", "if", "after",
                             "before", "during", "for", "from", "to", "of", "by", "as",
                             "according", "besides", "other", "along", "aside", "apart"})


def answer_kind(question: str) -> str | None:
    """"time", "number", "name" or None, from the question words."""
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return None


def can_hold(sentence: str, kind: str | None) -> bool:
    """Whether the sentence holds something of the kind asked for."""
    if kind == "time":
        return bool(_TIME.search(sentence))
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "name":
        return bool(_NAME.search(sentence))
    return True


# A reason is asked for wherever "why" stands: "my loop never stops, why?".
_WHY = re.compile(r"\b(why|how come)\b", re.IGNORECASE)


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


def asks_about_a_negation(question: str) -> bool:
    """"What can not be achieved?" asks for what is negated; "why is 0.1 + 0.2 not 0.3?"
    asks for a reason, and the reason need not be negated."""
    return negated(question) and not _WHY.search(question)


def entities(question: str) -> list[str]:
    """The names and numbers a question turns on: capitalised words that are not question
    words, and numbers."""
    found = [m.group().rstrip("'s").rstrip("'") for m in _ENTITY.finditer(question)]
    return list(dict.fromkeys(f for f in found if f and f.lower() not in _QUESTION_WORDS))


def missing_entities(question: str, passage: str) -> float:
    """The share of the question's names and numbers that the passage never mentions."""
    wanted = entities(question)
    if not wanted:
        return 0.0
    text = passage.lower()
    return sum(w.lower() not in text for w in wanted) / len(wanted)


_CONVERSION = re.compile(r"\b(convert|turn|change|make|cast|transform|go|get)\w*\b.*?"
                         r"\b(?:from )?(?:an? |the |my )?(?P<source>\w+) (?:in)?to "
                         r"(?:an? |the )?(?P<target>\w+)", re.IGNORECASE)


def conversion(question: str) -> tuple[str, str] | None:
    """"how do I turn text into a number?" -> ("text", "number"): what is converted into what."""
    found = _CONVERSION.search(question)
    return (found["source"].lower(), found["target"].lower()) if found else None


def turns_into(sentence: str, word: str) -> bool:
    """Whether the sentence gives `word` as a result: "`str(7)` gives the text "7"" turns
    into text."""
    stem = re.escape(word.rstrip("s"))
    return bool(re.search(rf"\b(gives?|into|returns?|becomes?|makes?|produces?|to)\b\W+"
                          rf"(?:\w+\W+){{0,2}}?{stem}s?\b", sentence, re.IGNORECASE))
