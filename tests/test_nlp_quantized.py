"""The ONNX Runtime sentence models (same precision, and int8): made here from the shipped
weights, checked against torch, and chosen (or not) by ``[nlp] embedding_runtime``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from wiretrace.nlp.models import NlpConfig, load_torch_embedder, nlp_embedder

POLNEAR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "polnear-dev"


def test_runtime_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="embedding_runtime"):
        NlpConfig(embedding_runtime="tensorflow")


def test_torch_runtime_is_the_sentence_transformers_model() -> None:
    assert nlp_embedder(NlpConfig(embedding_runtime="torch")) is load_torch_embedder()


def _real_sentences(limit: int) -> list[str]:
    texts = sorted((POLNEAR / "data" / "dev" / "text").glob("*.txt"))
    if not texts:
        pytest.skip("polnear-dev corpus not present beside the project")
    out: list[str] = []
    for path in texts:
        for line in path.read_text(encoding="utf-8").splitlines():
            out += [s for s in re.split(r"(?<=[.!?])\s+", line.strip()) if len(s.split()) >= 3]
        if len(out) >= limit:
            break
    return out[:limit]


@pytest.mark.slow
def test_int8_export_is_made_locally_checked_and_close_to_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace.nlp import quantized

    monkeypatch.setenv("WIRETRACE_CACHE", str(tmp_path))
    reference = load_torch_embedder()
    assert quantized.exportable(reference.model)  # type: ignore[attr-defined]
    folder = quantized.export_dir("test-model")
    kept = quantized.export(reference.model, folder, [], reference)  # type: ignore[attr-defined]
    verdict = quantized.verdict(folder)
    assert verdict is not None and verdict["kept"] is kept is True
    assert folder.parent == tmp_path
    fast = quantized.load_export(folder, 64)
    assert fast is not None
    sentences = _real_sentences(200)
    cosine = (fast.encode(sentences) * reference.encode(sentences)).sum(axis=1)
    # Measured on 400 PolNeAR dev sentences when the export was designed: mean 0.995,
    # min 0.979 (2.4x less CPU than torch there).
    assert cosine.mean() >= 0.98 and cosine.min() >= 0.95
    # Repeated texts come back once per request, unit length.
    again = fast.encode([sentences[0], sentences[1], sentences[0]])
    assert np.allclose(again[0], again[2]) and np.allclose(np.linalg.norm(again, axis=1), 1.0)
    assert fast.encode([]).shape == (0, reference.dim)
    # What ``[nlp] embedding_runtime = "onnx-int8"`` loads: this checked export.
    from wiretrace.nlp import models

    monkeypatch.setattr(models, "_identity", lambda name: "test-model")
    assert isinstance(models._load_onnx("all-MiniLM-L6-v2", 64, True), quantized.OnnxEmbedder)


@pytest.mark.slow
def test_default_runtime_exports_in_a_child_process_with_torchs_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace.nlp import models, quantized

    assert NlpConfig().embedding_runtime == "onnx"
    monkeypatch.setenv("WIRETRACE_CACHE", str(tmp_path))
    folder = quantized.export_dir(models._identity("all-MiniLM-L6-v2"), quantize=False)
    assert quantized.verdict(folder) is None
    fast = models._load_onnx("all-MiniLM-L6-v2", 64, False)
    assert isinstance(fast, quantized.OnnxEmbedder)
    verdict = quantized.verdict(folder)
    assert verdict is not None and verdict["kept"] and verdict["precision"] == "fp32"
    reference = load_torch_embedder()
    sentences = _real_sentences(200)
    cosine = (fast.encode(sentences) * reference.encode(sentences)).sum(axis=1)
    # Float noise only: measured 1.0000 (min) on 1,000 PolNeAR dev sentences.
    assert cosine.min() >= 0.9999
    # The session runs the threads ``[nlp] embed_threads`` asks for (one by default), with
    # the vectors of the runtime's own choice of threads.
    assert NlpConfig().embed_threads == 1
    assert fast.session.get_session_options().intra_op_num_threads == 1
    own = quantized.load_export(folder, 64, 0)
    assert own is not None and own.session.get_session_options().intra_op_num_threads == 0
    assert np.allclose(own.encode(sentences[:50]), fast.encode(sentences[:50]), atol=1e-5)


def test_a_model_that_cannot_be_exported_is_recorded_and_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace.nlp import models, quantized

    monkeypatch.setenv("WIRETRACE_CACHE", str(tmp_path))
    folder = quantized.export_dir("no-such-model", quantize=False)
    quantized.reject(folder, "not exportable")
    calls: list[object] = []
    monkeypatch.setattr(models.subprocess, "run", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(models, "_identity", lambda name: "no-such-model")
    assert models._load_onnx("no-such-model", 64, False) is None
    assert calls == []


@pytest.mark.slow
def test_a_rejected_export_falls_back_to_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace.nlp import quantized

    monkeypatch.setenv("WIRETRACE_CACHE", str(tmp_path))
    monkeypatch.setattr(quantized, "MIN_COSINE", 1.01)  # nothing can pass
    reference = load_torch_embedder()
    folder = quantized.export_dir("test-model")
    assert not quantized.export(reference.model, folder, ["One more sentence."], reference)  # type: ignore[attr-defined]
    assert quantized.load_export(folder, 64) is None
    assert not (folder / "model.onnx").exists()


def test_batches_bound_rows_and_attention_cells() -> None:
    from wiretrace.nlp import quantized

    lengths = np.array([5] * 100 + [120] * 40 + [256] * 30)
    order = np.arange(len(lengths))
    batches = quantized._batches(lengths, order, 64)
    assert np.array_equal(np.concatenate(batches), order)  # every row once, in order
    for rows in batches:
        width = int(lengths[rows].max())
        assert len(rows) <= 64
        assert len(rows) * width * width <= quantized.ATTENTION_CELLS
    # short texts fill whole batches; the longest go 4 to a batch
    assert len(batches[0]) == 64 and max(len(b) for b in batches if lengths[b[0]] == 256) == 4
