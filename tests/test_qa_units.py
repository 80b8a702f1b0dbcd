from __future__ import annotations

from pathlib import Path

import numpy as np

from retrieval import SearchIndex, SentenceTransformerEmbedder
from tests.conftest import CountingEmbedder
from tutor.qa.evidence import EvidenceModel, SentenceVectors
from tutor.qa.sentences import split_sentences

LESSON = """Assignment never copies a list; it gives it another name:

```python
a = [1, 2]
b = a
del ages["Alan"]     # remove a key and its value
```

- the **inner core**, a solid ball despite the heat

| expression | meaning |
|---|---|
| `a == b` | equal |
"""


def test_sentences_keep_reading_order_and_commented_code_lines() -> None:
    assert split_sentences(LESSON) == [
        "Assignment never copies a list; it gives it another name:",
        '`del ages["Alan"]`: remove a key and its value',
        "the **inner core**, a solid ball despite the heat",
        "`a == b`: equal",
    ]


def _signals(similarity: float, unknown: float, **others: float) -> dict[str, float]:
    """A question whose share `unknown` of words the course never uses carries as much of
    its meaning."""
    return {"similarity": similarity, "known_similarity": similarity, "unknown_share": unknown,
            "unknown_meaning": unknown, "coverage": 1 - unknown,
            "sentence_coverage": 1 - unknown, **others}


def test_the_evidence_model_is_a_proper_probability() -> None:
    model = EvidenceModel()
    assert 0 < model.probability(_signals(0.0, 1.0)) < model.probability(_signals(0.5, 0.5)) \
        < model.probability(_signals(0.9, 0.0)) < 1
    assert model.probability(_signals(0.9, 0.0)) > model.threshold > \
        model.probability(_signals(0.2, 0.5))


def test_a_passage_without_what_is_asked_for_counts_against_answering() -> None:
    """A "when" met by a sentence with no time, a name the passage lacks, a negated
    question met by a plain statement: each lowers the probability."""
    model = EvidenceModel()
    plain = model.probability(_signals(0.7, 0.1))
    for signal in ("kind_missing", "entity_missing", "negation_missing"):
        assert model.probability(_signals(0.7, 0.1, **{signal: 1.0})) < plain, signal


def test_sentence_vectors_are_cached_within_a_bound(tmp_path: Path,
                                                    embedder: SentenceTransformerEmbedder
                                                    ) -> None:
    counting = CountingEmbedder(embedder)
    cache = SentenceVectors(SearchIndex(tmp_path / "ix", counting), capacity=2)
    first = cache(["one sentence", "two sentences"])
    again = cache(["two sentences", "one sentence"])
    assert counting.embedded == ["one sentence", "two sentences"]
    assert np.allclose(first[0], again[1]) and np.allclose(first[1], again[0])
    cache(["three sentences"])  # evicts "two sentences", the least recently used
    cache(["one sentence"])
    assert counting.embedded[-1] == "three sentences"
    cache(["two sentences"])
    assert counting.embedded[-2:] == ["three sentences", "two sentences"]
    assert np.allclose(cache(["one sentence"])[0], embedder.embed(["one sentence"])[0],
                       atol=1e-5)


def test_an_answer_sentence_is_never_cut_after_an_abbreviation() -> None:
    text = ("Rocky planets, e.g. Venus and Mars, have solid ground. Dr. Ruiz (cf. Fig. 2) "
            "measured it. Gas giants do not.")
    assert split_sentences(text) == [
        "Rocky planets, e.g. Venus and Mars, have solid ground.",
        "Dr. Ruiz (cf. Fig. 2) measured it.", "Gas giants do not."]


def test_chinese_sentences_end_at_their_own_marks_and_are_not_dropped_as_short() -> None:
    text = ("光合作用是植物利用阳光把水和二氧化碳变成葡萄糖的过程。植物在白天进行光合作用！"
            "对吗？\n\nA loop repeats code. It stops when done.")
    assert split_sentences(text) == ["光合作用是植物利用阳光把水和二氧化碳变成葡萄糖的过程。",
                                     "植物在白天进行光合作用！", "A loop repeats code.",
                                     "It stops when done."]
