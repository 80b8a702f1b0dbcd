"""FAISS inner-product search over normalised vectors: exact, or HNSW for large sets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import faiss as _faiss
import numpy as np

from retrieval.embeddings import Vectors

__all__ = ["HNSW_FROM", "DenseIndex", "IndexKind"]

# faiss ships stubs that miss parts of its API (SearchParametersHNSW, `sel=`).
faiss: Any = _faiss
IndexKind = Literal["auto", "flat", "hnsw"]
# Exact search over 100k x 384 floats costs ~15 ms a query on 2 cores; above that the
# graph index pays (its recall cost is measured in benchmarks/retrieval.py).
HNSW_FROM = 100_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 64


class DenseIndex:
    def __init__(self, index: Any, kind: Literal["flat", "hnsw"]) -> None:
        self._index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: Vectors, kind: IndexKind = "auto") -> DenseIndex:
        chosen: Literal["flat", "hnsw"] = (
            ("hnsw" if len(vectors) >= HNSW_FROM else "flat") if kind == "auto" else kind)
        dim = vectors.shape[1]
        if chosen == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(vectors)
        return cls(index, chosen)

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        index = faiss.read_index(str(path))
        return cls(index, "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat")

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    def vectors(self) -> Vectors:
        """The stored vectors, row by row (flat and HNSW-flat both keep them whole)."""
        if len(self) == 0:
            return np.zeros((0, int(self._index.d)), dtype=np.float32)
        return np.asarray(self._index.reconstruct_n(0, len(self)), dtype=np.float32)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def search(self, query: Vectors, k: int,
               allowed: Sequence[int] | None = None) -> tuple[list[int], list[float]]:
        """Row numbers and cosine scores of the k nearest rows (only `allowed` rows if given)."""
        if len(self) == 0 or k <= 0:
            return [], []
        params = None
        if allowed is not None:
            if not allowed:
                return [], []
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
            params = (faiss.SearchParametersHNSW(sel=selector, efSearch=HNSW_EF_SEARCH)
                      if self.kind == "hnsw" else faiss.SearchParameters(sel=selector))
        scores, rows = self._index.search(query.reshape(1, -1), min(k, len(self)),
                                          params=params)
        hits = [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
        return [r for r, _ in hits], [s for _, s in hits]
