"""Candidate generation: Wiretrace's vectorised window MinHash LSH vs datasketch MinHashLSH.

Same input for both: the same windows of the same 4-word shingle hashes (low 32 bits),
the same number of permutations and the same bands x rows. Reports wall time of each
(signatures + LSH), the ratio, and recall of the planted reuse pairs for each, with the
agreement of their candidate sets.

    .venv/bin/python benchmarks/bench_reuse_candidates.py [--articles 3000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH
from reuse_synth import scaling_corpus

from wiretrace.reuse.candidates import candidate_pairs, window_signatures
from wiretrace.reuse.config import ReuseConfig
from wiretrace.reuse.text import shingles, tokenize

OUT = Path(__file__).parent / "results" / "reuse_candidates.json"


def _windows(sets: list[np.ndarray], cfg: ReuseConfig) -> list[tuple[int, np.ndarray]]:
    """The windows our implementation signs: two consecutive half-windows per article."""
    half = cfg.window // 2
    out = []
    for k, arr in enumerate(sets):
        blocks = [arr[i : i + half] for i in range(0, arr.shape[0], half)]
        if len(blocks) == 1:
            out.append((k, blocks[0]))
        out.extend((k, np.concatenate([a, b])) for a, b in itertools.pairwise(blocks))
    return out


def datasketch_pairs(sets: list[np.ndarray], cfg: ReuseConfig) -> set[tuple[int, int]]:
    windows = _windows(sets, cfg)
    lsh = MinHashLSH(num_perm=cfg.num_perm, params=(cfg.bands, cfg.rows))
    hashes = MinHash.bulk(
        [[int(x) for x in w & np.uint64(0xFFFFFFFF)] for _, w in windows],
        num_perm=cfg.num_perm,
        hashfunc=lambda x: x,
    )
    for w, m in enumerate(hashes):
        lsh.insert(w, m, check_duplication=False)
    owner = [k for k, _ in windows]
    pairs: set[tuple[int, int]] = set()
    for w, m in enumerate(hashes):
        for other in lsh.query(m):
            a, b = owner[w], owner[other]
            if a != b:
                pairs.add((min(a, b), max(a, b)))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=3000)
    args = parser.parse_args()
    cfg = ReuseConfig()
    corpus = scaling_corpus(args.articles, dim=8)
    vocab: dict[str, int] = {}
    sets = [shingles(tokenize(t, vocab).hashes, cfg.shingle) for t in corpus.texts]
    planted = {(min(a, b), max(a, b)) for a, b in corpus.planted}

    t0 = time.perf_counter()
    ours = {(int(a), int(b)) for a, b in candidate_pairs(window_signatures(sets, cfg), cfg)}
    t1 = time.perf_counter()
    theirs = datasketch_pairs(sets, cfg)
    t2 = time.perf_counter()
    row = {
        "articles": args.articles,
        "num_perm": cfg.num_perm,
        "bands": cfg.bands,
        "rows": cfg.rows,
        "shingle": cfg.shingle,
        "window": cfg.window,
        "planted_pairs": len(planted),
        "wiretrace_s": round(t1 - t0, 3),
        "datasketch_s": round(t2 - t1, 3),
        "speedup": round((t2 - t1) / max(t1 - t0, 1e-9), 1),
        "wiretrace_pairs": len(ours),
        "datasketch_pairs": len(theirs),
        "wiretrace_planted_recall": round(len(ours & planted) / max(1, len(planted)), 4),
        "datasketch_planted_recall": round(len(theirs & planted) / max(1, len(planted)), 4),
        "pair_set_jaccard": round(len(ours & theirs) / max(1, len(ours | theirs)), 4),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(row, indent=1))
    print(json.dumps(row))


if __name__ == "__main__":
    main()
