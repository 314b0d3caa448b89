"""The reuse stage over a store: links written, incremental re-runs, provenance tables."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from wiretrace.config import Config
from wiretrace.models import CleanResult, RawDocument, Span
from wiretrace.nlp.stage import EMBED_BLOB
from wiretrace.pipeline import NullReporter
from wiretrace.reuse import blocks, detect, queries
from wiretrace.reuse.stage import run
from wiretrace.store import Store
from wiretrace.vectors import pack_vectors

WORDS = [f"w{k}" for k in range(2000)]


def _add(store: Store, text: str, published: str) -> str:
    [(doc_id, _)] = store.add_documents([RawDocument(f"{published}-{len(text)}", text, "text")])
    store.put_article(doc_id, CleanResult(text, None, None, None, published))
    spans, pos = [], 0
    for part in text.split(". "):
        spans.append(Span(pos, pos + len(part)))
        pos += len(part) + 2
    store.put_sentences(doc_id, spans)
    rng = np.random.default_rng(len(text))
    vectors = rng.normal(size=(len(spans), 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store.put_blob(EMBED_BLOB, doc_id, store.text_hash(doc_id), pack_vectors(vectors))
    return doc_id


def _prose(rng: random.Random, n: int) -> str:
    return ". ".join(" ".join(rng.choice(WORDS) for _ in range(12)) for _ in range(n))


def test_stage_links_by_date_and_updates_incrementally(store: Store, config: Config) -> None:
    rng = random.Random(9)
    wire = _prose(rng, 8)
    first = _add(store, wire, "2025-03-12")
    copy = _add(store, _prose(rng, 3) + ". " + wire + ". " + _prose(rng, 2), "2025-03-13")
    _add(store, _prose(rng, 10), "2025-03-13")
    report = run(store, config, NullReporter())
    assert report.processed == 3
    found = queries.links(store)
    assert [(lk.source, lk.derived, lk.kind) for lk in found] == [(first, copy, "verbatim")]
    assert queries.provenance(store, copy).sources[0][0] == first
    assert run(store, config, NullReporter()).processed == 0  # nothing new: a no-op
    later = _add(store, wire[: len(wire) // 2] + ". " + _prose(rng, 4), "2025-03-14")
    assert run(store, config, NullReporter()).processed == 1
    pairs = {(lk.source, lk.derived) for lk in queries.links(store)}
    # The later piece took its text from the wire; its copy in ``copy`` is a sibling.
    assert pairs == {(first, copy), (first, later)}
    assert queries.summary(store)["links_verbatim"] == 2


def _wires(store: Store) -> None:
    """Four wire stories, each run again inside two later articles."""
    rng = random.Random(5)
    wires = [_prose(rng, 6) for _ in range(4)]
    for k, wire in enumerate(wires):
        _add(store, wire, f"2025-03-1{k}")
    for k in range(8):
        _add(store, f"{_prose(rng, 2)}. {wires[k % 4]}. {_prose(rng, 2)}", f"2025-04-0{k + 1}")


def test_an_interrupted_run_carries_on_after_its_last_committed_slice(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    aligned: list[int] = []
    stop_at: list[int] = []
    real = detect.align

    fail_at: list[int] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        aligned.append(1)
        if len(aligned) in stop_at:
            raise KeyboardInterrupt
        if len(aligned) in fail_at:
            raise ValueError("bad pair")
        return real(*args, **kwargs)

    monkeypatch.setattr(detect, "align", counted)
    monkeypatch.setattr(blocks, "PAIR_BLOCK", 2)
    whole = Store(tmp_path / "whole.db")
    _wires(whole)
    run(whole, config, NullReporter())
    expected, pairs = queries.links(whole), len(aligned)
    assert len(expected) >= 8 and pairs > 6

    cut = Store(tmp_path / "cut.db")
    _wires(cut)
    aligned.clear()
    stop_at.append(6)  # in the third slice: two slices (four pairs) are committed
    with pytest.raises(KeyboardInterrupt):
        run(cut, config, NullReporter())
    assert cut.conn.execute("SELECT count(*) FROM reuse_state").fetchone()[0] == 1
    aligned.clear()
    stop_at.clear()
    assert run(cut, config, NullReporter()).processed == 12
    assert len(aligned) == pairs - 4  # the committed slices are not aligned again
    assert queries.links(cut) == expected
    assert cut.conn.execute("SELECT count(*) FROM reuse_state").fetchone()[0] == 0

    # A pair that raised in a committed slice is still reported after the interruption.
    failing = Store(tmp_path / "failing.db")
    _wires(failing)
    aligned.clear()
    stop_at.append(6)
    fail_at.append(1)  # the first pair of the first slice
    with pytest.raises(KeyboardInterrupt):
        run(failing, config, NullReporter())
    aligned.clear()
    stop_at.clear()
    fail_at.clear()
    report = run(failing, config, NullReporter())
    assert len(report.errors) == 2 and all("bad pair" in e for e in report.errors)
    assert {e["article"] for e in failing.errors() if e["stage"] == "reuse"} == {
        e.split(":")[0] for e in report.errors
    }
