from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import SearchIndex, Section, SentenceTransformerEmbedder, chunk_sections
from retrieval.chunks import Chunk
from retrieval.langchain import IndexRetriever
from tests.conftest import CountingEmbedder

SECTIONS = [
    ("geo/earth/core", ("Inside the Earth", "The core"),
     "The outer core is liquid iron; the inner core is solid because of the pressure."),
    ("geo/earth/crust", ("Inside the Earth", "The crust"),
     "The crust is the thin rocky skin we live on, thinner under the oceans."),
    ("geo/water/clouds", ("Water", "Condensation"),
     "Clouds form when rising air cools and its water vapour condenses into droplets."),
    ("py/lists/copy", ("Lists", "Two names, one list"),
     "Assignment never copies a list. Make a real copy with b = a.copy() or list(a)."),
    ("py/loops/range", ("Loops", "Counting with range"),
     "range(5) gives 0, 1, 2, 3, 4: it stops before its end value."),
]


def chunks(edits: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> list[Chunk]:
    edits = edits or {}
    return chunk_sections(
        Section(key, path, edits.get(key, text), {"course": key.split("/")[0],
                                                  "lesson": key.split("/")[1]})
        for key, path, text in SECTIONS if key not in drop)


@pytest.fixture
def counting(embedder: SentenceTransformerEmbedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


@pytest.fixture
def index(tmp_path: Path, counting: CountingEmbedder) -> SearchIndex:
    built = SearchIndex(tmp_path / "index", counting)
    built.sync(chunks())
    return built


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_each_mode_finds_the_passage(index: SearchIndex, mode: str) -> None:
    hits = index.search("is the outer core liquid?", k=2, mode=mode)  # type: ignore[arg-type]
    assert hits[0].chunk.section == "geo/earth/core"
    assert hits[0].chunk.path == ("Inside the Earth", "The core")


def test_hybrid_hits_carry_both_scores_and_dense_finds_paraphrases(index: SearchIndex) -> None:
    [hit] = index.search("how do I duplicate a list?", k=1)
    assert hit.chunk.section == "py/lists/copy"
    assert hit.dense is not None and hit.dense > 0.3
    assert hit.lexical is not None and hit.lexical > 0
    [paraphrase] = index.search("why does the sky fill with white puffy shapes", k=1,
                                mode="dense")
    assert paraphrase.chunk.section == "geo/water/clouds"


def test_filters_keep_to_one_course(index: SearchIndex) -> None:
    hits = index.search("list", k=5, where={"course": "geo"})
    assert hits and all(h.chunk.metadata["course"] == "geo" for h in hits)
    assert index.search("list", k=5, where={"course": "nope"}) == []
    lexical = index.search("copy", k=5, where={"course": "geo"}, mode="lexical")
    assert lexical == []


def test_reopening_loads_from_disk_without_embedding(tmp_path: Path, index: SearchIndex,
                                                     embedder: SentenceTransformerEmbedder
                                                     ) -> None:
    fresh = CountingEmbedder(embedder)
    reopened = SearchIndex(tmp_path / "index", fresh)
    assert reopened.load_problem is None
    assert reopened.is_current(chunks())
    report = reopened.sync(chunks())
    assert (report.added, report.removed, report.kept, report.embedded) == (0, 0, 5, 0)
    assert fresh.embedded == []
    assert reopened.search("range end value", k=1)[0].chunk.section == "py/loops/range"


def test_editing_one_section_re_embeds_only_it(index: SearchIndex,
                                               counting: CountingEmbedder) -> None:
    counting.embedded.clear()
    report = index.sync(chunks(edits={"geo/earth/crust": "The crust is thin and rocky."}))
    assert (report.added, report.removed, report.kept) == (1, 1, 4)
    assert counting.embedded == ["Inside the Earth > The crust: The crust is thin and rocky."]
    assert len(index) == 5


def test_removing_a_section_embeds_nothing(index: SearchIndex,
                                           counting: CountingEmbedder) -> None:
    counting.embedded.clear()
    report = index.sync(chunks(drop=("py/loops/range",)))
    assert (report.removed, report.embedded) == (1, 0)
    assert counting.embedded == []
    assert all(h.chunk.section != "py/loops/range" for h in index.search("range", k=5))


def test_a_scoped_sync_leaves_other_courses_alone(index: SearchIndex,
                                                  counting: CountingEmbedder) -> None:
    counting.embedded.clear()
    only_python = [c for c in chunks() if c.metadata["course"] == "py"][:1]
    report = index.sync(only_python, scope={"course": "py"})
    assert (report.removed, report.kept, report.embedded) == (1, 1, 0)
    assert len(index) == 4


def test_a_different_model_forces_a_rebuild(tmp_path: Path, index: SearchIndex,
                                            embedder: SentenceTransformerEmbedder) -> None:
    other = CountingEmbedder(embedder, name="another/model")
    reopened = SearchIndex(tmp_path / "index", other)
    assert "built with sentence-transformers/all-MiniLM-L6-v2, not another/model" in str(
        reopened.load_problem)
    assert not reopened.is_current(chunks())
    report = reopened.sync(chunks())
    assert report.rebuilt and report.embedded == 5


@pytest.mark.parametrize("damage", ["garbage", "truncate", "manifest", "missing"])
def test_a_damaged_index_is_rebuilt_not_fatal(tmp_path: Path, index: SearchIndex,
                                              embedder: SentenceTransformerEmbedder,
                                              damage: str) -> None:
    folder = tmp_path / "index"
    if damage == "garbage":
        (folder / "dense.faiss").write_bytes(b"\x00not a faiss index")
    elif damage == "truncate":
        (folder / "chunks.jsonl").write_text('{"id": "broken"')
    elif damage == "manifest":
        (folder / "manifest.json").write_text('{"format": 1, "model": "sentence-transformers/'
                                              'all-MiniLM-L6-v2", "chunks": ["x"]}')
    else:
        (folder / "dense.faiss").unlink()
    reopened = SearchIndex(folder, CountingEmbedder(embedder))
    assert reopened.load_problem is not None
    assert reopened.search("core", k=3) == []
    assert reopened.sync(chunks()).embedded == 5
    assert reopened.search("liquid core", k=1)[0].chunk.section == "geo/earth/core"


def test_odd_queries(index: SearchIndex) -> None:
    assert index.search("") == []
    assert index.search("🙂🤖🎉") == []
    assert index.search("   ?!  ") == []
    long = index.search("core " * 2000 + "crust", k=2)
    assert long and long[0].chunk.section == "geo/earth/core"
    assert index.search("the", k=3, mode="lexical") == []  # only a stop word


def test_an_empty_index_answers_with_nothing(tmp_path: Path, counting: CountingEmbedder) -> None:
    empty = SearchIndex(tmp_path / "empty", counting)
    assert empty.search("anything") == []
    report = empty.sync([])
    assert (report.added, report.embedded) == (0, 0)
    assert empty.search("anything") == []


def test_the_langchain_retriever(index: SearchIndex) -> None:
    retriever = IndexRetriever(index=index, k=2, where={"course": "py"})
    documents = retriever.invoke("how many numbers does range(5) give?")
    assert [d.metadata["course"] for d in documents] == ["py", "py"]
    top = documents[0]
    assert top.page_content.startswith("range(5) gives")
    assert top.metadata["lesson"] == "loops"
    assert top.metadata["path"] == ["Loops", "Counting with range"]
    assert top.metadata["score"] > 0 and top.id == top.metadata["chunk_id"]


def test_chinese_text_is_segmented_into_words_for_the_lexical_index() -> None:
    from retrieval.lexical import LexicalIndex

    texts = ["光合作用是植物利用阳光把水和二氧化碳变成葡萄糖的过程。",
             "水循环包括蒸发、凝结和降水。",
             "A loop repeats code; 7 % 2 is the remainder."]
    index = LexicalIndex(texts)
    assert "光合作用" in index.terms("什么是光合作用？")
    assert int(index.scores("什么是光合作用？").argmax()) == 0
    assert int(index.scores("水是怎么蒸发的").argmax()) == 1
    assert int(index.scores("what does % do").argmax()) == 2  # English as before
    assert "水" in index.terms("水")  # one character is a whole word in Chinese
