"""The sentence model as an ONNX Runtime graph, made locally from the shipped weights.

Encoding sentences is most of the model work of a run (every sentence, every clause, every
figure's what-phrase). The same transformer exported to ONNX Runtime gives the same vectors
(cosine 1.0000 to torch) for 2.6x less CPU in ``benchmarks/results/onnx_runtimes.json``;
dynamic int8 quantisation with per-channel weight scales saves a little more, at the price
of a drift of the vectors that moves some gold scores (same file), so it is opt-in.

Nothing is downloaded: the graph is exported from the torch weights already installed, on
first use, into the user's cache directory (``$WIRETRACE_CACHE``, else
``$XDG_CACHE_HOME/wiretrace``, else ``~/.cache/wiretrace``). The export is kept only if its
vectors stay close to the torch model's on real sentences (``thresholds``): the first texts
the user asks for, plus a few sentences written for this check. The verdict is stored with
the graph, so later processes load the graph (and no torch) or go straight to torch.
``python -m wiretrace.nlp.quantized NAME fp32|int8`` makes one export in its own process,
so the torch model it is made from never sits in the memory of the run that uses it.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..store import content_hash
from ..vectors import unit

log = logging.getLogger(__name__)

# An int8 export is kept only when its vectors' cosine to torch's averages at least
# MIN_COSINE over the check set and no sentence falls below MIN_ANY; an unquantised export
# must agree up to float noise.
MIN_COSINE = 0.98
MIN_ANY = 0.95
MIN_COSINE_FP32 = 0.9999
MIN_ANY_FP32 = 0.999
FORMAT = 1  # raised when the export or the check changes, so old exports are redone
MAX_CHECK = 512  # user texts compared at export time

# Sentences of the kinds the pipeline embeds (whole news sentences, clauses, short
# what-phrases, quotes), used with the user's own texts to check an export.
CHECK_SENTENCES = (
    "The ministry said on Tuesday that 1,200 people had been evacuated from the coast.",
    "Unemployment fell to 4.1 percent in March, the lowest level in two years.",
    "“We will not accept any deal that leaves our farmers behind,” the senator told reporters.",
    "the number of people evacuated",
    "Officials denied that the shipment had been diverted.",
    "Prices for heating oil rose sharply after the pipeline was shut.",
    "The court ruled that the law violated the constitution",
    "Critics argue the plan would cost taxpayers billions of dollars over a decade.",
    "Rain is expected across the north this weekend.",
    "He resigned.",
    "The company, which employs 3,000 workers, reported a quarterly loss of $45 million.",
    "Protesters gathered outside parliament, demanding new elections and the release of "
    "detained journalists, while police blocked the main avenue.",
)


def cache_dir() -> Path:
    """Where exported graphs live (created on demand)."""
    root = os.environ.get("WIRETRACE_CACHE")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "wiretrace"


def thresholds(quantize: bool) -> tuple[float, float]:
    """(mean, min) cosine to torch an export must reach to be kept."""
    return (MIN_COSINE, MIN_ANY) if quantize else (MIN_COSINE_FP32, MIN_ANY_FP32)


def export_dir(identity: str, quantize: bool = True) -> Path:
    """The folder of one model's export: keyed by the model's identity (name and the
    version of what ships it), its precision and the runtime versions that make the graph."""
    import onnxruntime

    parts = [identity, onnxruntime.__version__, str(FORMAT)]
    digest = content_hash("|".join(parts))
    return cache_dir() / f"sentence-{'int8' if quantize else 'fp32'}-{digest}"


@dataclass(frozen=True)
class OnnxEmbedder:
    """Mean-pooled, L2-normalised vectors from an ONNX transformer graph."""

    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer, truncating at the model's max length
    dim: int
    batch_size: int = 64
    inputs: tuple[str, ...] = ("input_ids", "attention_mask", "token_type_ids")

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        unique = list(dict.fromkeys(texts))
        encodings = self.tokenizer.encode_batch(unique)
        lengths = np.array([len(e.ids) for e in encodings])
        # Length-sorted batches: little padding, so little wasted work.
        order = np.argsort(lengths, kind="stable")
        vectors = np.zeros((len(unique), self.dim), dtype=np.float32)
        for rows in _batches(lengths[order], order, self.batch_size):
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, : lengths[i]] = encodings[i].ids
                mask[r, : lengths[i]] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, {k: feed[k] for k in self.inputs})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            vectors[rows] = unit(pooled)
        if len(unique) == len(texts):
            return vectors
        row = {text: i for i, text in enumerate(unique)}
        return vectors[[row[text] for text in texts]]


# Attention cells (rows x tokens x tokens) one batch may hold. The runtime's memory arena
# keeps its largest batch's buffers for the life of the session, and attention grows with
# the square of the width: 64 sentences of 256 tokens pinned 1.06 GB (measured on the
# MiniLM export), 16 of them 0.37 GB, 4 of them 0.12 GB at the same CPU time. This budget is
# 64 rows of 64 tokens; longer sentences go in fewer rows, at the same work per token.
ATTENTION_CELLS = 64 * 64 * 64


def _batches(
    sorted_lengths: npt.NDArray[np.int_], order: npt.NDArray[np.int_], batch_size: int
) -> list[npt.NDArray[np.int_]]:
    """Rows of length-sorted texts cut into batches of at most ``batch_size`` rows and
    ``ATTENTION_CELLS`` attention cells."""
    out = []
    lo = 0
    while lo < len(order):
        hi = min(lo + batch_size, len(order))
        width = int(sorted_lengths[hi - 1])
        hi = min(hi, lo + max(1, ATTENTION_CELLS // max(width * width, 1)))
        # Sorted ascending: a shorter batch is no wider, so it stays within the budget.
        out.append(order[lo:hi])
        lo = hi
    return out


def load_export(folder: Path, batch_size: int, threads: int = 0) -> OnnxEmbedder | None:
    """The export in ``folder`` if it exists and passed its check, else None; its session
    runs ``threads`` intra-op threads (0: the runtime's default)."""
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if not meta.get("kept"):
        return None
    import onnxruntime
    from tokenizers import Tokenizer

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # Idle worker threads sleep instead of spinning: on a shared machine spinning burns the
    # CPU time other processes (and this one's other stages) need.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if threads > 0:
        options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(
        str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(int(meta["max_length"]))
    names = tuple(i.name for i in session.get_inputs())
    return OnnxEmbedder(session, tokenizer, int(meta["dim"]), batch_size, names)


def verdict(folder: Path) -> dict[str, Any] | None:
    """The stored check of an export (None: never exported here)."""
    path = folder / "meta.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else None


def reject(folder: Path, reason: str) -> None:
    """Record that this model is not exported here, so no later run tries again."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").unlink(missing_ok=True)
    meta = {"kept": False, "reason": reason}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def exportable(model: Any) -> bool:
    """A sentence-transformers model this module can reproduce: a transformer with a
    fast tokenizer, mean pooling, then normalisation."""
    try:
        modules = list(model)
        pool = modules[1]
        pooling = getattr(pool, "pooling_mode", None) or pool.get_pooling_mode_str()
    except Exception:  # another layout: leave it to torch
        return False
    return (
        len(modules) in (2, 3)
        and pooling == "mean"
        and getattr(modules[0].tokenizer, "is_fast", False)
        and hasattr(modules[0], "auto_model")
    )


def export(
    model: Any, folder: Path, check_texts: list[str], reference: Any, quantize: bool = True
) -> bool:
    """Export ``model`` (a sentence-transformers model) to ``folder`` as an ONNX graph (int8
    when ``quantize``), compare it with ``reference`` (the torch embedder) on
    ``check_texts`` plus ``CHECK_SENTENCES``, and record the verdict. Returns whether the
    export is kept. The verdict is written last, so a reader never loads an unchecked graph."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    transformer = model[0]
    tokenizer = transformer.tokenizer
    sample = tokenizer(["a short one", "and a somewhat longer sentence"], padding=True)
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]
    inputs = tuple(torch.tensor(sample[n]) for n in names)

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args, strict=True))).last_hidden_state

    dim = int(model.get_embedding_dimension())
    meta: dict[str, Any] = {"dim": dim, "max_length": int(model.max_seq_length), "kept": True}
    # The tracer's and quantiser's advice is for model authors, not for a user's run.
    root = logging.getLogger()
    level = root.level
    with warnings.catch_warnings(), tempfile.TemporaryDirectory(dir=folder) as name:
        tmp = Path(name)
        warnings.simplefilter("ignore")
        root.setLevel(logging.ERROR)
        plain = tmp / "fp32.onnx"
        axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]}
        try:
            with torch.no_grad():
                torch.onnx.export(
                    Hidden(transformer.auto_model.eval()),
                    inputs,
                    str(plain),
                    input_names=names,
                    output_names=["hidden"],
                    dynamic_axes=axes,
                    opset_version=17,
                    dynamo=False,
                )
            if quantize:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                quantize_dynamic(
                    str(plain),
                    str(tmp / "model.onnx"),
                    per_channel=True,
                    weight_type=QuantType.QInt8,
                    op_types_to_quantize=["MatMul"],
                    nodes_to_exclude=_feed_forward_outputs(plain),
                )
            else:
                os.replace(plain, tmp / "model.onnx")
        finally:
            root.setLevel(level)
        tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        candidate = load_export(tmp, getattr(reference, "batch_size", 64))
        texts = list(dict.fromkeys([*CHECK_SENTENCES, *check_texts[:MAX_CHECK]]))
        cosine = np.zeros(0)
        if candidate is not None:
            cosine = (candidate.encode(texts) * reference.encode(texts)).sum(axis=1)
        del candidate  # release the session before its file is moved
        least_mean, least_any = thresholds(quantize)
        kept = (
            cosine.size > 0
            and bool(cosine.mean() >= least_mean)
            and bool(cosine.min() >= least_any)
        )
        if kept:
            os.replace(tmp / "model.onnx", folder / "model.onnx")
            os.replace(tmp / "tokenizer.json", folder / "tokenizer.json")
        else:
            (folder / "model.onnx").unlink(missing_ok=True)
    meta.update(
        kept=kept,
        precision="int8" if quantize else "fp32",
        checked=len(texts),
        min_cosine=round(float(cosine.min()), 4) if cosine.size else None,
        mean_cosine=round(float(cosine.mean()), 4) if cosine.size else None,
        thresholds={"mean": least_mean, "min": least_any},
    )
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    if not kept:
        log.warning(
            "%s sentence model rejected (min cosine %s): using torch",
            meta["precision"],
            meta["min_cosine"],
        )
    return kept


def _feed_forward_outputs(graph_path: Path) -> list[str]:
    """Names of the MatMuls that project a feed-forward block back to the hidden size (the
    second of the two weight MatMuls between one attention block and the next)."""
    import onnx

    graph = onnx.load(str(graph_path)).graph
    weights = {i.name for i in graph.initializer}
    matmuls = [
        n.name for n in graph.node if n.op_type == "MatMul" and any(x in weights for x in n.input)
    ]
    # BERT-style layers: query, key, value, attention output, intermediate, output.
    return [name for i, name in enumerate(matmuls) if i % 6 == 5] if len(matmuls) % 6 == 0 else []


def main(argv: list[str] | None = None) -> int:
    """Make one export in this process: ``NAME fp32|int8 [BATCH]``. Exit 0 when an export
    was kept (or already was), 1 otherwise."""
    import sys

    from .models import export_here

    args = sys.argv[1:] if argv is None else argv
    name, precision = args[0], args[1]
    batch = int(args[2]) if len(args) > 2 else 64
    return 0 if export_here(name, batch, precision == "int8") else 1


if __name__ == "__main__":
    raise SystemExit(main())
