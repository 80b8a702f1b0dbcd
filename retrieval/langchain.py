"""The search index as a LangChain retriever, so chains use it like any other."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.index import Hit, SearchIndex, SearchMode

__all__ = ["IndexRetriever", "hit_to_document"]


def hit_to_document(hit: Hit) -> Document:
    metadata: dict[str, Any] = {**hit.chunk.metadata, "chunk_id": hit.chunk.id,
                                "path": list(hit.chunk.path), "position": hit.chunk.position,
                                "score": hit.score,
                                "dense_score": hit.dense, "lexical_score": hit.lexical}
    return Document(page_content=hit.chunk.text, metadata=metadata, id=hit.chunk.id)


class IndexRetriever(BaseRetriever):
    """`retriever.invoke("question")` -> documents with score and source in metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: SearchIndex
    k: int = 5
    where: dict[str, str] | None = None
    mode: SearchMode = "hybrid"

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.index.search(query, k=self.k, where=self.where, mode=self.mode)
        return [hit_to_document(hit) for hit in hits]
