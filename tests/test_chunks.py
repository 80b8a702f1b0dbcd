from __future__ import annotations

from retrieval import Section, chunk_sections
from retrieval.chunks import rough_token_count
from retrieval.fusion import reciprocal_rank_fusion


def _section(text: str, key: str = "c/l/card") -> Section:
    return Section(key=key, path=("Lesson", "Card"), text=text, metadata={"course": "c"})


def test_a_short_section_is_one_chunk_with_its_heading_path() -> None:
    [chunk] = chunk_sections([_section("Plates move a few centimetres a year.")])
    assert chunk.path == ("Lesson", "Card")
    assert chunk.embed_text == "Lesson > Card: Plates move a few centimetres a year."
    assert chunk.metadata == {"course": "c"}


def test_long_sections_split_on_paragraphs_within_the_budget() -> None:
    paragraphs = [" ".join(f"word{p}x{i}" for i in range(60)) for p in range(5)]
    chunks = chunk_sections([_section("\n\n".join(paragraphs))], max_tokens=120)
    assert len(chunks) >= 3
    assert all(rough_token_count(c.text) <= 120 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == " ".join(paragraphs).split()
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_a_chunk_never_ends_inside_an_abbreviation() -> None:
    sentence = ("Rocky planets, e.g. Venus and Mars, have solid ground, i.e. rock you could "
                "stand on, unlike Jupiter.")
    chunks = chunk_sections([_section(" ".join([sentence] * 6))], max_tokens=46)
    assert len(chunks) > 1
    for chunk in chunks:
        assert "e.g.\n" not in chunk.text and not chunk.text.endswith("i.e."), chunk.text
        assert chunk.text.endswith("Jupiter."), chunk.text


def test_one_enormous_sentence_is_split_on_words() -> None:
    chunks = chunk_sections([_section("lorem " * 2000)], max_tokens=100)
    assert all(rough_token_count(c.text) <= 100 for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) == 2000


def test_a_chunk_never_spans_two_sections() -> None:
    chunks = chunk_sections([_section("one " * 30, "c/a/x"), _section("two " * 30, "c/b/y")],
                            max_tokens=400)
    assert [c.section for c in chunks] == ["c/a/x", "c/b/y"]


def test_ids_are_stable_and_follow_content_and_position() -> None:
    first = chunk_sections([_section("Same text.")])[0].id
    assert chunk_sections([_section("Same text.")])[0].id == first
    assert chunk_sections([_section("Other text.")])[0].id != first
    assert chunk_sections([_section("Same text.", key="c/l/other")])[0].id != first


def test_empty_sections_make_no_chunks() -> None:
    assert chunk_sections([_section("   \n\n  ")]) == []


def test_weighted_reciprocal_rank_fusion() -> None:
    fused = reciprocal_rank_fusion({"dense": ["a", "b", "c"], "lexical": ["c", "d"]},
                                   {"dense": 0.7, "lexical": 0.3}, k=10)
    assert fused["a"] == 0.7 / 11
    assert fused["c"] == 0.7 / 13 + 0.3 / 11
    assert fused["d"] == 0.3 / 12
    assert sorted(fused, key=lambda x: -fused[x]) == ["c", "a", "b", "d"]
    assert reciprocal_rank_fusion({"dense": ["a"]}, {}, k=10) == {"a": 0.0}


def test_ids_change_with_the_heading_path_and_metadata() -> None:
    first = chunk_sections([_section("Same text.")])[0].id
    renamed = Section(key="c/l/card", path=("Renamed lesson", "Card"), text="Same text.",
                      metadata={"course": "c"})
    assert chunk_sections([renamed])[0].id != first
    moved = Section(key="c/l/card", path=("Lesson", "Card"), text="Same text.",
                    metadata={"course": "c", "lesson_number": "2"})
    assert chunk_sections([moved])[0].id != first
