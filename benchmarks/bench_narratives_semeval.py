"""Narrative labels per document on the SemEval-2025 Task 10 English training articles.

Measures what ``wiretrace narratives learn`` gives a user with labelled documents, with the
task's own measure (per-document F1 between predicted and gold label sets, averaged;
narratives = coarse, sub-narratives = fine), on a part of the articles nothing was tuned
or trained on:

- split: an article is in the eval part when sha256(file name) % 3 == 0, else in the tune
  part. Design choices and the defaults of ``TrainConfig`` were picked by 4-fold
  cross-validation inside the tune part only; the eval part is scored once.
- systems, side by side on the eval part:
  * ``no-narrative``: ``Other`` for every document;
  * ``zero-shot``: the watchlist matcher as it was (label names as statements, default
    ``[narratives]`` settings, a document carries a label when it has an echo);
  * ``learnt``: classifiers trained on the tune part's labels (the library's
    ``narratives.learn``/``training`` code), applied to the eval part.
- calibration: precision of (document, label) decisions by score decile, and expected
  calibration error, for the learnt probabilities and the zero-shot scores.

Usage: python benchmarks/bench_narratives_semeval.py [--store DB] [--out JSON]
The store (default /tmp/wiretrace-semeval.db) is built on first use: ingest, the nlp stage
and the narratives stage's clause segments (discovery is not run).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from stacked_index import load_index

from wiretrace.evaluation.narratives import label_f1
from wiretrace.models import Narrative
from wiretrace.narratives.labels import OTHER, DocumentLabels, complete, read_labels
from wiretrace.narratives.learn import (
    TrainConfig,
    best_threshold,
    features,
    fit_calibration,
    reliability,
    train,
)
from wiretrace.narratives.matching import (
    NarrativesConfig,
    Query,
    background,
    evidence,
    match_narratives,
)
from wiretrace.narratives.stage import (
    SEGMENT_BLOB,
    embed_segments,
    load_titles,
    narrative_queries,
    role_veto,
)
from wiretrace.narratives.tables import articles_by_source
from wiretrace.narratives.training import (
    ensure_titles,
    label_id,
    label_statement,
    load_document,
    no_query,
    queries,
    score_document,
)
from wiretrace.nlp.models import NlpConfig, load_embedder, nlp_embedder
from wiretrace.store import Store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "semeval25-narratives-train"
DOCS = CORPUS / "dataset" / "train" / "raw-documents" / "EN"
LABELS = CORPUS / "dataset" / "train" / "labels" / "EN" / "subtask-2-annotations.txt"


def in_eval(name: str) -> bool:
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16) % 3 == 0


def prepare(db: Path) -> Store:
    """Ingest and run nlp once; the narratives stage's segments for every article."""
    from wiretrace.api import Corpus

    if not db.exists():
        with Corpus(db) as corpus:
            corpus.ingest([str(DOCS)])
            corpus.analyze(until="nlp")
    store = Store(db)
    nlp_cfg = NlpConfig()
    pending = store.pending("narratives")
    for lo in range(0, len(pending), 64):
        batch = pending[lo : lo + 64]
        packed = embed_segments(store, batch, nlp_cfg, NarrativesConfig().clause_min_tokens)
        for article_id, data in packed.items():
            store.put_blob(SEGMENT_BLOB, article_id, store.text_hash(article_id), data)
        store.mark_done("narratives", list(packed))
    embedder = nlp_embedder(nlp_cfg)
    ensure_titles(store, store.article_ids(), embedder.encode, embedder.dim)
    return store


def taxonomy(gold: dict[str, DocumentLabels]) -> list[Narrative]:
    """Every label seen, as the narratives ``narratives learn`` would add."""
    coarse = sorted({n for d in gold.values() for n in d.narratives if n != OTHER})
    fine = sorted({s for d in gold.values() for s in d.labels if s not in coarse})
    out = [Narrative(label_id(c), label_statement(c, None), label=c) for c in coarse]
    for s in fine:
        parent = s.rsplit(": ", 1)[0]
        out.append(
            Narrative(label_id(s), label_statement(s, parent), label=s, parent=label_id(parent))
        )
    return out


def to_labels(names: set[str], narratives: list[Narrative]) -> DocumentLabels:
    by_id = {n.id: n for n in narratives}
    coarse, fine = [], []
    for nid in sorted(names):
        n = by_id[nid]
        if n.parent is None:
            coarse.append(n.label or n.id)
        else:
            coarse.append(by_id[n.parent].label or n.parent)
            fine.append(n.label or n.id)
    return complete(coarse, fine)


# Which evidence columns (similarity, stance contrast, standing) each variant uses.
ABLATIONS = {
    "similarity": (0,),
    "similarity+contrast": (0, 1),
    "similarity+standing": (0, 2),
    "similarity+contrast+standing": (0, 1, 2),
}
FOLDS = 4


def zero_shot_rows(
    store: Store, ids: list[str], qs: list[Query]
) -> dict[str, tuple[np.ndarray, np.ndarray, tuple[str, ...]]]:
    """Per narrative: evidence of every body segment and title row of ``ids`` (one corpus),
    the row's article number, and the articles."""
    index = load_index(store, ids)
    titles = load_titles(store, ids)
    pos = {a: i for i, a in enumerate(index.articles)}
    title_owner = np.array([pos.get(a, -1) for a in titles.articles], dtype=np.int64)
    keep = title_owner >= 0
    out = {}
    for q in qs:
        ev, stats = evidence(index.vectors, q)
        tev, _ = evidence(titles.vectors, q, stats)
        x = np.vstack(
            [
                np.stack([ev.similarity, ev.contrast, ev.standing], axis=1),
                np.stack([tev.similarity, tev.contrast, tev.standing], axis=1)[keep],
            ]
        ).astype(np.float64)
        owner = np.concatenate([index.article.astype(np.int64), title_owner[keep]])
        out[q.narrative] = (x, owner, index.articles)
    return out


def doc_probabilities(
    rows: dict[str, tuple[np.ndarray, np.ndarray, tuple[str, ...]]],
    calib: tuple[float, float, float, float],
    n_docs: int,
) -> dict[str, np.ndarray]:
    """Per narrative, each document's probability: the best of its rows (segments, title)."""
    b, w = calib[0], np.array(calib[1:])
    out = {}
    for nid, (x, owner, _) in rows.items():
        p = 1.0 / (1.0 + np.exp(-np.clip(b + x @ w, -50, 50)))
        m = np.zeros(n_docs)
        np.maximum.at(m, owner, p)
        out[nid] = m
    return out


def per_narrative_thresholds(
    prob: dict[str, np.ndarray], truth: dict[str, np.ndarray], fallback: float
) -> dict[str, float]:
    """Each narrative's F1-best threshold on held-out probabilities (``best_threshold``,
    as the learnt models choose theirs); ``fallback`` for a narrative with fewer than two
    positive documents to choose from."""
    out = {}
    for nid, p in prob.items():
        y = truth[nid]
        out[nid] = best_threshold(p, y, 0.0) if int(y.sum()) >= 2 else fallback
    return out


def top_reliability(pairs: list[tuple[float, bool]], share: float) -> Any:
    """Reliability over the ``share`` of (probability, correct) pairs with the highest
    probabilities: where a user reads, and where precision must rise with the score."""
    ranked = sorted(pairs, key=lambda t: -t[0])[: max(1, int(len(pairs) * share))]
    return reliability([p for p, _ in ranked], [t for _, t in ranked])


def fit_variant(
    rows: dict[str, tuple[np.ndarray, np.ndarray, tuple[str, ...]]],
    cols: tuple[int, ...],
    name_of: dict[str, str],
    gold: dict[str, DocumentLabels],
    label_of: dict[str, str | None],
    narratives: list[Narrative],
) -> dict[str, Any]:
    """Calibration coefficients on the tune documents (rows: document x narrative, the
    document's most similar segment), then the echo threshold with the best label F1 on
    out-of-fold probabilities (documents split in ``FOLDS``): one global threshold, and one
    per narrative (each narrative's F1-best on its out-of-fold probabilities)."""
    any_rows = next(iter(rows.values()))
    docs = [name_of[a] for a in any_rows[2]]
    n_docs = len(docs)
    fold = np.array([int(hashlib.sha256(d.encode()).hexdigest(), 16) // 3 % FOLDS for d in docs])
    best_x, truth, owner_doc = [], [], []
    for nid, (x, owner, _) in rows.items():
        order = np.lexsort((-x[:, 0], owner))
        first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
        best_x.append(x[first][:, cols])
        owner_doc.append(owner[first])
        truth.append(np.array([label_of[nid] in gold[docs[o]].labels for o in owner[first]]))
    bx, by, bo = np.vstack(best_x), np.concatenate(truth), np.concatenate(owner_doc)

    def coefficients(train: np.ndarray) -> tuple[float, float, float, float]:
        fitted = fit_calibration(bx[train], by[train])
        full = [0.0, 0.0, 0.0]
        for c, w in zip(cols, fitted[1:], strict=True):
            full[c] = w
        return (fitted[0], full[0], full[1], full[2])

    oof = {nid: np.zeros(n_docs) for nid in rows}
    for k in range(FOLDS):
        calib = coefficients(fold[bo] != k)
        for nid, m in doc_probabilities(rows, calib, n_docs).items():
            oof[nid][fold == k] = m[fold == k]
    gold_docs = {d: gold[d] for d in docs}
    grid = np.round(np.arange(0.02, 0.96, 0.02), 2)
    scores = []
    for t in grid:
        pred = {
            d: to_labels({nid for nid in rows if oof[nid][i] >= t}, narratives)
            for i, d in enumerate(docs)
        }
        scores.append(label_f1(gold_docs, pred)["coarse_f1"])
    best = int(np.argmax(scores))
    truth_of = {nid: np.array([label_of[nid] in gold[d].labels for d in docs]) for nid in rows}
    own = per_narrative_thresholds(oof, truth_of, float(grid[best]))
    pred = {
        d: to_labels({nid for nid in rows if oof[nid][i] >= own[nid]}, narratives)
        for i, d in enumerate(docs)
    }
    return {
        "calibration": [round(v, 4) for v in coefficients(np.ones(len(by), dtype=bool))],
        "threshold": float(grid[best]),
        "tune_oof_coarse_f1": round(float(scores[best]), 4),
        "thresholds_per_narrative": {k: round(v, 3) for k, v in own.items()},
        "tune_oof_coarse_f1_per_narrative_thresholds": round(
            label_f1(gold_docs, pred)["coarse_f1"], 4
        ),
    }


def reliability_svg(curves: dict[str, dict[str, Any]], size: int = 360) -> str:
    """A reliability diagram: observed precision against mean probability per bin, one
    polyline per system, the diagonal for perfect calibration; ECE in the legend."""
    pad, inner = 40, size - 60
    colours = ["#1f77b4", "#d62728", "#2ca02c"]

    def xy(p: float, q: float) -> str:
        return f"{pad + p * inner:.1f},{size - pad - q * inner:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"'
        ' font-family="sans-serif" font-size="11">',
        f'<rect x="{pad}" y="{size - pad - inner}" width="{inner}" height="{inner}"'
        ' fill="none" stroke="#999"/>',
        f'<polyline points="{xy(0, 0)} {xy(1, 1)}" fill="none" stroke="#bbb"'
        ' stroke-dasharray="4 3"/>',
        f'<text x="{pad + inner / 2}" y="{size - 10}" text-anchor="middle">'
        "mean probability in bin</text>",
        f'<text x="12" y="{size / 2}" transform="rotate(-90 12 {size / 2})"'
        ' text-anchor="middle">observed precision</text>',
    ]
    for k, (name, curve) in enumerate(curves.items()):
        colour = colours[k % len(colours)]
        points = [(b["mean_score"], b["precision"]) for b in curve["deciles"]]
        parts.append(
            f'<polyline points="{" ".join(xy(p, q) for p, q in points)}" fill="none"'
            f' stroke="{colour}" stroke-width="2"/>'
        )
        parts += [
            f'<circle cx="{xy(p, q).split(",")[0]}" cy="{xy(p, q).split(",")[1]}" r="3"'
            f' fill="{colour}"/>'
            for p, q in points
        ]
        parts.append(
            f'<text x="{pad + 8}" y="{size - pad - inner + 16 + 14 * k}" fill="{colour}">'
            f"{name}: ECE {curve['ece']:.3f}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=Path("/tmp/wiretrace-semeval.db"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/narratives_semeval.json")
    args = ap.parse_args()
    if not DOCS.exists():
        sys.exit(f"{DOCS} not found")
    t0 = time.process_time()
    store = prepare(args.store)
    prep_cpu = time.process_time() - t0
    gold_all = {d.document: d for d in read_labels(LABELS)}
    by_source = articles_by_source(store)
    article_of = {n: by_source[n][0] for n in gold_all if len(by_source.get(n, [])) == 1}
    names = sorted(article_of)
    tune = [n for n in names if not in_eval(n)]
    evals = [n for n in names if in_eval(n)]
    gold_eval = {n: gold_all[n] for n in evals}
    narratives = taxonomy(gold_all)
    embedder = load_embedder(NlpConfig().embedding_model)
    qs = queries(narratives, embedder.encode)
    docs = {n: load_document(store, article_of[n]) for n in names}
    result: dict[str, Any] = {
        "corpus": str(CORPUS.name),
        "split": "eval = sha256(file name) % 3 == 0; tuned and trained on the rest",
        "documents": {
            "tune": len(tune),
            "eval": len(evals),
            "unmatched": len(gold_all) - len(names),
        },
        "labels": {
            "narratives": sum(n.parent is None for n in narratives),
            "subnarratives": sum(n.parent is not None for n in narratives),
        },
    }
    systems: dict[str, Any] = {}
    # 1. no narrative anywhere
    systems["no-narrative"] = label_f1(gold_eval, {})
    # 2. zero-shot matchers: no labels of the eval part are used. The calibration of the
    # echo probability (a handful of coefficients shared by every narrative) and its
    # threshold are fitted on the tune part only; ablations drop features.
    t1 = time.process_time()
    stated = [n for n in narratives if not (n.label or "").endswith(": " + OTHER)]
    zq = narrative_queries(stated, NlpConfig())
    tune_ids = [article_of[n] for n in tune]
    ids = [article_of[n] for n in evals]
    ensure_titles(store, tune_ids + ids, embedder.encode, embedder.dim)
    name_of = {article_of[n]: n for n in names}
    label_of = {n.id: n.label for n in narratives}
    zs_fit: dict[str, Any] = {}
    tune_rows = zero_shot_rows(store, tune_ids, zq)
    for variant, cols in ABLATIONS.items():
        zs_fit[variant] = fit_variant(tune_rows, cols, name_of, gold_all, label_of, narratives)
    zs_fit_cpu = time.process_time() - t1
    cfg0 = NarrativesConfig()
    index = load_index(store, ids)
    titles = load_titles(store, ids)
    bg = background(index, cfg0.background_pairs, cfg0.seed)
    zs_runs: dict[str, Any] = {}
    previous = replace(cfg0, calibration=(0.0, 0.0, 0.0, 0.0), min_probability=0.0)
    runs = {"zero-shot (previous: similarity >= 0.6 and background percentile >= 0.99)": previous}
    for variant, fit in zs_fit.items():
        runs[f"zero-shot calibrated ({variant})"] = replace(
            cfg0,
            calibration=fit["calibration"],
            min_probability=fit["threshold"],
            min_similarity=0.0,
            min_percentile=0.0,
        )
    runs["zero-shot (defaults)"] = cfg0
    for label, cfg in runs.items():
        t3 = time.process_time()
        veto = role_veto(store, stated, NlpConfig()) if cfg.role_agreement else None
        echoes = match_narratives(zq, index, bg, cfg, titles, veto)
        zs: dict[str, set[str]] = {n: set() for n in evals}
        zs_score: dict[tuple[str, str], float] = {}
        for e in echoes:
            zs[name_of[e.article]].add(e.narrative)
            key = (name_of[e.article], e.narrative)
            zs_score[key] = max(zs_score.get(key, 0.0), e.score)
        systems[label] = label_f1(gold_eval, {n: to_labels(zs[n], narratives) for n in evals})
        systems[label]["cpu_s"] = round(time.process_time() - t3, 2)
        systems[label]["echoes"] = len(echoes)
        systems[label]["title_echoes"] = sum(e.title for e in echoes)
        pairs = [(p, label_of[nid] in gold_all[d].labels) for (d, nid), p in zs_score.items()]
        rel = reliability([p for p, _ in pairs], [t for _, t in pairs])
        zs_runs[label] = {
            "ece (documents x labels reported)": round(rel.ece, 4),
            "deciles": rel.bins,
        }
    # Every eval document x narrative, with the calibrated probability of its best segment
    # (the variant with stance contrast): the reliability of the zero-shot probabilities
    # over all pairs, and per-narrative thresholds chosen on the tune part's out-of-fold
    # probabilities applied to the eval part.
    chosen = "similarity+contrast"
    eval_rows = zero_shot_rows(store, ids, zq)
    eval_docs = [name_of[a] for a in next(iter(eval_rows.values()))[2]]
    zs_prob = doc_probabilities(eval_rows, zs_fit[chosen]["calibration"], len(eval_docs))
    own = zs_fit[chosen]["thresholds_per_narrative"]
    zs_own = {
        d: to_labels({nid for nid in zs_prob if zs_prob[nid][i] >= own[nid]}, narratives)
        for i, d in enumerate(eval_docs)
    }
    label = f"zero-shot calibrated ({chosen}), per-narrative thresholds"
    systems[label] = label_f1(
        gold_eval, {n: zs_own.get(n, to_labels(set(), narratives)) for n in evals}
    )
    zs_pairs = [
        (float(zs_prob[nid][i]), label_of[nid] in gold_all[d].labels)
        for nid in zs_prob
        for i, d in enumerate(eval_docs)
    ]
    zs_all = reliability([p for p, _ in zs_pairs], [t for _, t in zs_pairs])
    zs_top = top_reliability(zs_pairs, 0.1)
    zs_runs[f"zero-shot calibrated ({chosen}), every document x label"] = {
        "ece": round(zs_all.ece, 4),
        "deciles": zs_all.bins,
    }
    zs_runs[f"zero-shot calibrated ({chosen}), top 10% of scores"] = {
        "ece": round(zs_top.ece, 4),
        "deciles": zs_top.bins,
    }
    zs_cpu = time.process_time() - t1
    # 3. learnt from the tune part's labels
    t2 = time.process_time()
    tcfg = TrainConfig()
    models = {}
    tune_docs = [d for d in tune if docs[d] is not None]
    for n in narratives:
        x = np.stack([features(docs[d].vectors, qs[n.id]) for d in tune_docs])
        y = np.array([n.label in gold_all[d].labels for d in tune_docs])
        m = train(n.id, x, y, tcfg)
        if m is not None:
            models[n.id] = m
    dim = embedder.dim
    x_any = np.stack([features(docs[d].vectors, no_query(dim)) for d in tune_docs])
    any_model = train("any", x_any, [bool(gold_all[d].carried) for d in tune_docs], tcfg)
    parent = {n.id: n.parent for n in narratives}
    train_cpu = time.process_time() - t2
    learnt: dict[str, set[str]] = {n: set() for n in evals}
    own_learnt: dict[str, set[str]] = {n: set() for n in evals}
    probs: list[float] = []
    reported: list[tuple[float, bool]] = []
    truth: list[bool] = []
    for d in evals:
        doc = docs[d]
        if doc is None:
            continue
        passed = set()
        for n in narratives:
            if n.id in models:
                p = float(models[n.id].probability(features(doc.vectors, qs[n.id]))[0])
                probs.append(p)
                truth.append(n.label in gold_all[d].labels)
                if p >= models[n.id].threshold:
                    passed.add(n.id)
        # each model's own threshold (its F1-best on out-of-fold probabilities); a
        # sub-narrative only under a narrative that passed its own
        own_learnt[d] = {nid for nid in passed if parent[nid] is None or parent[nid] in passed}
        found = {
            e.narrative: e.probability for e in score_document(doc, models, qs, parent, any_model)
        }
        learnt[d] = set(found)
        by_id = {n.id: n for n in narratives}
        for nid, p in found.items():
            reported.append((p, by_id[nid].label in gold_all[d].labels))
    systems["learnt"] = label_f1(gold_eval, {n: to_labels(learnt[n], narratives) for n in evals})
    systems["learnt"]["models"] = len(models)
    systems["learnt"]["train_cpu_s"] = round(train_cpu, 2)
    systems["learnt, per-narrative thresholds"] = label_f1(
        gold_eval, {n: to_labels(own_learnt[n], narratives) for n in evals}
    )
    rel = reliability(probs, truth)
    learnt_top = top_reliability(list(zip(probs, truth, strict=True)), 0.1)
    result["systems"] = {
        k: {kk: (round(v, 4) if isinstance(v, float) else v) for kk, v in s.items()}
        for k, s in systems.items()
    }
    rep = reliability([p for p, _ in reported], [t for _, t in reported])
    result["calibration"] = {
        "learnt (every document x label)": {"ece": round(rel.ece, 4), "deciles": rel.bins},
        "learnt labels reported": {"ece": round(rep.ece, 4), "deciles": rep.bins},
        "learnt, top 10% of scores": {"ece": round(learnt_top.ece, 4), "deciles": learnt_top.bins},
        **zs_runs,
    }
    result["zero_shot_fit"] = {
        "features": ["similarity", "stance contrast", "standing"],
        "variants": zs_fit,
        "fit_cpu_s": round(zs_fit_cpu, 1),
        "cpu_s": round(zs_cpu, 1),
    }
    result["cpu_s"] = {"prepare": round(prep_cpu, 1), "total": round(time.process_time() - t0, 1)}
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    curves = {
        "learnt": result["calibration"]["learnt, top 10% of scores"],
        "zero-shot": result["calibration"][f"zero-shot calibrated ({chosen}), top 10% of scores"],
    }
    args.out.with_suffix(".svg").write_text(reliability_svg(curves), encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("documents", "systems")}, indent=1))
    print("ECE learnt", round(rel.ece, 4))
    print(json.dumps(result["zero_shot_fit"]["variants"], indent=1))


if __name__ == "__main__":
    main()
