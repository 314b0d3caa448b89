"""The int8 ONNX Runtime sentence model: made here from the shipped weights, checked
against torch, and chosen (or not) by ``[nlp] embedding_runtime``."""

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
    assert isinstance(models._load_int8("all-MiniLM-L6-v2", 64), quantized.OnnxEmbedder)


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
