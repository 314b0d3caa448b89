"""Sentence-level paraphrase precision/recall on a public paraphrase corpus (MRPC format).

The corpus is NOT part of the project: pass the path of a file in the Microsoft Research
Paraphrase Corpus layout (tab-separated: label, id1, id2, sentence1, sentence2; a header
line is skipped), e.g. ``msr_paraphrase_test.txt``. Its pairs are news sentences on the
same story, labelled paraphrase or not: the negatives are the hard case of two outlets
stating related facts in different words.

Each sentence is embedded with the ``nlp`` stage's model, as the reuse stage sees it. The
decision measured is the reuse stage's sentence match (``paraphrase.stands_out``): cosine
at least ``sim`` and above the sentence's background by ``margin``. The background is
built as the stage builds it: the median of the sentence's best similarity to its
``background_neighbours`` nearest other items of the corpus (here each other sentence,
the pair's partner left out), since MRPC's sentences come from clusters of stories on one
topic. Reported for the configured thresholds, for the bare cosine ``sim`` without the
background, and the best-F1 cosine on the file (a ceiling, not a tuned setting). A single
sentence match never makes a link in the reuse stage; this measures the sentence step.

    .venv/bin/python benchmarks/bench_reuse_mrpc.py /path/to/msr_paraphrase_test.txt
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from wiretrace.nlp import NlpConfig, load_embedder
from wiretrace.reuse.config import ReuseConfig
from wiretrace.reuse.detect import nearest
from wiretrace.reuse.paraphrase import stands_out

OUT = Path(__file__).parent / "results" / "reuse_mrpc.json"


def read_pairs(path: Path) -> tuple[list[tuple[str, str]], npt.NDArray[np.bool_]]:
    pairs: list[tuple[str, str]] = []
    labels: list[bool] = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        cols = line.split("\t")
        if len(cols) != 5 or cols[0] not in ("0", "1"):
            continue  # header or malformed line
        pairs.append((cols[3].strip(), cols[4].strip()))
        labels.append(cols[0] == "1")
    return pairs, np.asarray(labels, dtype=np.bool_)


def backgrounds(vectors: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.float32]:
    """Per sentence: median similarity to its ``k`` nearest sentences of other pairs."""
    owner = np.arange(vectors.shape[0], dtype=np.int64) // 2
    near = nearest(vectors, list(range(vectors.shape[0])), k, owner=owner)
    out = np.zeros(vectors.shape[0], dtype=np.float32)
    for row, cols in near.items():
        if cols:
            out[row] = float(np.median(vectors[cols] @ vectors[row]))
    return out


def prf(pred: npt.NDArray[np.bool_], gold: npt.NDArray[np.bool_]) -> dict[str, float | int]:
    tp = int((pred & gold).sum())
    p = tp / max(1, int(pred.sum()))
    r = tp / max(1, int(gold.sum()))
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(0.0 if p + r == 0 else 2 * p * r / (p + r), 4),
        "predicted": int(pred.sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path, help="an MRPC-format file (kept outside the project)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    pairs, gold = read_pairs(args.corpus)
    cfg, nlp_cfg = ReuseConfig(), NlpConfig()
    embedder = load_embedder(
        nlp_cfg.embedding_model, nlp_cfg.embed_batch_size, nlp_cfg.embedding_runtime
    )
    t0 = time.perf_counter()
    vectors = embedder.encode([s for pair in pairs for s in pair]).astype(np.float32)
    embed_s = time.perf_counter() - t0
    sim = np.einsum("ij,ij->i", vectors[0::2], vectors[1::2]).astype(np.float32)
    bg = backgrounds(vectors, cfg.background_neighbours)
    floor = np.maximum(bg[0::2], bg[1::2])
    grid = np.round(np.arange(0.5, 0.96, 0.01), 2)
    by_cos = {float(t): prf(sim >= t, gold) for t in grid}
    best = max(by_cos, key=lambda t: float(by_cos[t]["f1"]))
    row: dict[str, Any] = {
        "corpus": str(args.corpus),
        "corpus_sha256": hashlib.sha256(args.corpus.read_bytes()).hexdigest(),
        "pairs": len(pairs),
        "paraphrase_share": round(float(gold.mean()), 4),
        "embedding_model": nlp_cfg.embedding_model,
        "embedding_runtime": nlp_cfg.embedding_runtime,
        "thresholds": {"sim": cfg.sim, "margin": cfg.margin, "fact_sim": cfg.fact_sim},
        "stage_sentence_match": prf(stands_out(sim, floor, cfg), gold),
        "cosine_at_sim": prf(sim >= cfg.sim, gold),
        "cosine_at_fact_sim": prf(sim >= cfg.fact_sim, gold),
        "best_f1_cosine": {"threshold": best, **by_cos[best]},
        "background_median": round(float(np.median(bg)), 4),
        "embed_s": round(embed_s, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(row, indent=1))
    print(json.dumps(row, indent=1))


if __name__ == "__main__":
    main()
