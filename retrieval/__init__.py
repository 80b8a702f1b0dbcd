"""Search over text chunks with metadata: chunking, embeddings, FAISS + BM25, fusion.

A library: it knows sections and chunks, not courses, learners or bots.
"""

from __future__ import annotations

from retrieval.chunks import Chunk, Section, chunk_sections
from retrieval.embeddings import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder
from retrieval.fusion import FusionWeights
from retrieval.index import MAX_QUERY_CHARS, Hit, SearchIndex, SearchMode, SyncReport

__all__ = ["DEFAULT_MODEL", "MAX_QUERY_CHARS", "Chunk", "Embedder", "FusionWeights", "Hit",
           "SearchIndex", "SearchMode", "Section", "SentenceTransformerEmbedder", "SyncReport",
           "chunk_sections"]
