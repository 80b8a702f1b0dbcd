"""The search index on disk: chunks, their vectors, FAISS, BM25, and a manifest.

The manifest names the model and holds each chunk's id, so a changed model forces a
rebuild and a sync re-embeds only the chunks it has not seen. Anything missing, corrupt
or inconsistent on disk is logged and rebuilt from the chunks handed to `sync`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from retrieval.chunks import Chunk
from retrieval.dense import DenseIndex, IndexKind
from retrieval.embeddings import Embedder, Vectors
from retrieval.fusion import FusionWeights, score_fusion
from retrieval.lexical import LexicalIndex

__all__ = ["MAX_QUERY_CHARS", "Hit", "SearchIndex", "SearchMode", "SyncReport"]

log = logging.getLogger(__name__)
FORMAT = 1
MAX_QUERY_CHARS = 2000  # the model reads 256 word pieces; more only slows BM25 down
POOL = 50  # candidates each ranking contributes to the fusion
SearchMode = Literal["hybrid", "dense", "lexical"]
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # the ranking score of the mode searched
    dense: float | None = None  # cosine similarity, when the chunk was among dense candidates
    lexical: float | None = None  # BM25 score, when it matched any query term


@dataclass
class SyncReport:
    added: int = 0
    removed: int = 0
    kept: int = 0
    embedded: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    reason: str = ""


@dataclass
class _Files:
    folder: Path
    manifest: Path = field(init=False)
    chunks: Path = field(init=False)
    faiss: Path = field(init=False)

    def __post_init__(self) -> None:
        self.manifest = self.folder / "manifest.json"
        self.chunks = self.folder / "chunks.jsonl"
        self.faiss = self.folder / "dense.faiss"


class SearchIndex:
    """Hybrid search over chunks with metadata filters; knows nothing of courses."""

    def __init__(self, folder: Path, embedder: Embedder, *, kind: IndexKind = "auto",
                 weights: FusionWeights | None = None) -> None:
        self._files = _Files(folder)
        self._embedder = embedder
        self._kind = kind
        self.weights = weights or FusionWeights()
        # Searches may run while a sync embeds (the slow part, done outside the lock); the
        # lock only makes the switch to the new chunks, vectors and terms one step.
        self._swap = threading.RLock()
        self._chunks: list[Chunk] = []
        self._dense = DenseIndex.build(np.zeros((0, 1), dtype=np.float32), "flat")
        self._lexical = LexicalIndex([])
        self.load_problem = self._load()

    # -- state ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._chunks)

    @property
    def chunk_ids(self) -> set[str]:
        return {c.id for c in self._chunks}

    @property
    def dense_kind(self) -> str:
        return self._dense.kind

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Vectors from the index's own model, comparable with its chunks."""
        return self._embedder.embed(texts)

    def terms(self, text: str) -> list[str]:
        """The text as BM25 sees it: stemmed content words."""
        return self._lexical.terms(text)

    def unknown_share(self, text: str) -> float:
        """The share of the text's content words that appear in no chunk at all."""
        return self._lexical.unknown_share(text)

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every term (as `terms` gives them) some chunk contains."""
        return self._lexical.vocabulary

    def idf(self, term: str) -> float:
        """How rare a term (as `terms` gives it) is among the chunks."""
        return self._lexical.idf(term)

    def is_current(self, chunks: Sequence[Chunk]) -> bool:
        """True when `sync(chunks)` would change nothing (no model needed to tell)."""
        return self.load_problem is None and self.chunk_ids == {c.id for c in chunks}

    # -- loading and saving -----------------------------------------------------------

    def _load(self) -> str | None:
        files = self._files
        if not files.manifest.exists():
            return "no index yet"
        try:
            manifest = json.loads(files.manifest.read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT:
                return f"index format {manifest.get('format')} is not {FORMAT}"
            if manifest.get("model") != self._embedder.name:
                return f"index was built with {manifest.get('model')}, not {self._embedder.name}"
            chunks = [_chunk_from_json(line) for line in
                      files.chunks.read_text(encoding="utf-8").splitlines() if line]
            dense = DenseIndex.load(files.faiss)
            ids = [c.id for c in chunks]
            if ids != manifest.get("chunks") or len(dense) != len(ids):
                return "index files disagree with each other"
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            log.warning("search index in %s is unreadable (%s); it will be rebuilt",
                        files.folder, exc)
            return f"index unreadable: {exc}"
        self._chunks, self._dense = chunks, dense
        self._lexical = LexicalIndex([c.embed_text for c in chunks])
        return None

    def _save(self) -> None:
        files = self._files
        files.folder.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(_chunk_to_json(c)) + "\n" for c in self._chunks)
        manifest = json.dumps({
            "format": FORMAT, "model": self._embedder.name,
            "dense": self._dense.kind, "chunks": [c.id for c in self._chunks]})
        # The manifest goes last: until it is replaced, a reader sees the old, whole index
        # or files that disagree with it (and rebuilds), never a half-written one.
        _replace(files.chunks, lambda p: p.write_text(lines, "utf-8"))
        _replace(files.faiss, self._dense.save)
        _replace(files.manifest, lambda p: p.write_text(manifest, "utf-8"))

    # -- updating ---------------------------------------------------------------------

    def sync(self, chunks: Sequence[Chunk], *, scope: Mapping[str, str] | None = None,
             progress: bool = False) -> SyncReport:
        """Make the index hold exactly `chunks` (within `scope`, if given).

        Only chunks whose id is new are embedded; the rest keep their stored vectors.
        """
        started = time.perf_counter()
        report = SyncReport(rebuilt=self.load_problem is not None,
                            reason=self.load_problem or "")
        wanted = {c.id: c for c in chunks}
        outside = [i for i, c in enumerate(self._chunks) if scope and not _matches(c, scope)]
        inside = {c.id: i for i, c in enumerate(self._chunks) if i not in set(outside)}
        kept = [inside[cid] for cid in wanted if cid in inside]
        new = [c for cid, c in wanted.items() if cid not in inside]
        report.kept, report.added = len(kept), len(new)
        report.removed = len(inside) - len(kept)
        if not new and not report.removed and self.load_problem is None:
            report.seconds = time.perf_counter() - started
            return report
        fresh = (self._embedder.embed([c.embed_text for c in new], progress=progress) if new
                 else self._dense.vectors()[:0])  # nothing to embed: never load the model
        report.embedded = len(new)
        rows = outside + kept
        old = self._dense.vectors()[rows] if rows else fresh[:0]
        chunks = [self._chunks[i] for i in rows] + new
        vectors = np.ascontiguousarray(np.concatenate([old, fresh]), dtype=np.float32)
        dense = DenseIndex.build(vectors, self._kind)
        lexical = LexicalIndex([c.embed_text for c in chunks])
        with self._swap:
            self._chunks, self._dense, self._lexical = chunks, dense, lexical
            self._save()
        self.load_problem = None
        report.seconds = time.perf_counter() - started
        return report

    # -- searching --------------------------------------------------------------------

    def search(self, query: str, *, k: int = 5, where: Mapping[str, str] | None = None,
               mode: SearchMode = "hybrid") -> list[Hit]:
        """The best `k` chunks for `query`, optionally only those whose metadata match `where`.

        A query without a single letter or digit (empty, only emoji) finds nothing.
        """
        with self._swap:
            return self._search(query[:MAX_QUERY_CHARS], k, where, mode)

    def _search(self, query: str, k: int, where: Mapping[str, str] | None,
                mode: SearchMode) -> list[Hit]:
        if not self._chunks or k <= 0 or not _WORD.search(query):
            return []
        allowed = None
        if where:
            allowed = [i for i, c in enumerate(self._chunks) if _matches(c, where)]
            if not allowed:
                return []
        dense_rows, dense_scores = self._dense_ranking(query, allowed, k, mode)
        lexical_rows, lexical_scores = self._lexical_ranking(query, allowed, k, mode)
        dense_by_row = dict(zip(dense_rows, dense_scores, strict=True))
        lexical_by_row = dict(zip(lexical_rows, lexical_scores, strict=True))
        if mode == "dense":
            ranked = list(dense_by_row.items())
        elif mode == "lexical":
            ranked = list(lexical_by_row.items())
        else:
            fused = score_fusion({"dense": dense_by_row, "lexical": lexical_by_row},
                                 {"dense": self.weights.dense, "lexical": self.weights.lexical})
            ranked = sorted(fused.items(), key=lambda item: -item[1])
        return [Hit(self._chunks[row], score, dense_by_row.get(row), lexical_by_row.get(row))
                for row, score in ranked[:k]]

    def _dense_ranking(self, query: str, allowed: list[int] | None, k: int,
                       mode: SearchMode) -> tuple[list[int], list[float]]:
        if mode == "lexical":
            return [], []
        vector = self._embedder.embed([query])[0]
        return self._dense.search(vector, k if mode == "dense" else max(k, POOL), allowed)

    def _lexical_ranking(self, query: str, allowed: list[int] | None, k: int,
                         mode: SearchMode) -> tuple[list[int], list[float]]:
        if mode == "dense":
            return [], []
        scores = self._lexical.scores(query)
        if allowed is not None:
            mask = np.full(len(scores), -1.0, dtype=np.float32)
            mask[allowed] = scores[allowed]
            scores = mask
        want = min(k if mode == "lexical" else max(k, POOL), len(scores))
        top = np.argpartition(-scores, want - 1)[:want] if want else np.array([], dtype=int)
        top = top[np.argsort(-scores[top], kind="stable")]
        rows = [int(r) for r in top if scores[r] > 0]
        return rows, [float(scores[r]) for r in rows]


def _replace(target: Path, write: Callable[[Path], object]) -> None:
    # A name of this writer's own: the bot's processes on one machine share the folder.
    temporary = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    write(temporary)
    temporary.replace(target)


def _matches(chunk: Chunk, where: Mapping[str, str]) -> bool:
    return all(chunk.metadata.get(key) == value for key, value in where.items())


def _chunk_to_json(chunk: Chunk) -> dict[str, Any]:
    data = asdict(chunk)
    data["metadata"] = dict(chunk.metadata)
    return data


def _chunk_from_json(line: str) -> Chunk:
    data = json.loads(line)
    return Chunk(id=data["id"], section=data["section"], position=int(data["position"]),
                 path=tuple(data["path"]), text=data["text"], metadata=dict(data["metadata"]))
