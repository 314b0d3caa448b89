"""Zero-shot narrative matching on the SemEval-2025 Task 10 English training articles:
which evidence separates documents that carry a narrative from those that only share its
topic, and how well the matcher's probabilities are calibrated, on a held-out part.

- zero-shot: the watchlist is the taxonomy's label names only (no examples, no labels);
- split: held out when sha256(file name) % 3 == 0 (as bench_narratives_semeval.py); the
  calibration coefficients (a handful shared by every narrative) and the echo threshold
  are fitted on the tune part only (threshold: best label F1 on the tune part);
- evidence per sentence: similarity to the statement (best of its parts), stance contrast
  (similarity minus similarity to "It is not true that <part>"), standing (similarity in
  corpus standard deviations for that narrative), a title flag;
- documents and sentences come straight from the raw files (sentences by punctuation, no
  parse, no clauses), so this runs without building a store; bench_narratives_semeval.py
  runs the matcher itself on a store.

Usage: python benchmarks/bench_narratives_zeroshot.py [--cache DIR] [--out JSON]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from wiretrace.evaluation.narratives import label_f1
from wiretrace.narratives.labels import OTHER, DocumentLabels, complete, read_labels
from wiretrace.narratives.learn import fit_calibration, reliability
from wiretrace.narratives.segments import statement_parts
from wiretrace.narratives.training import decide, label_id, label_statement, negation
from wiretrace.nlp.models import NlpConfig, load_embedder, load_spacy

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "semeval25-narratives-train"
DOCS = CORPUS / "dataset" / "train" / "raw-documents" / "EN"
LABELS = CORPUS / "dataset" / "train" / "labels" / "EN" / "subtask-2-annotations.txt"
SENTENCE = re.compile(r"(?<=[.!?])[\"”’]?\s+(?=[A-Z“\"])")
FEATURES = ("similarity", "contrast", "standing", "title")
VARIANTS = {
    "similarity": (0,),
    "similarity+contrast": (0, 1),
    "similarity+standing": (0, 2),
    "similarity+contrast+standing": (0, 1, 2),
    "similarity+standing+title": (0, 2, 3),
}


def in_eval(name: str) -> bool:
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16) % 3 == 0


def vectors(cache: Path, names: list[str], gold: dict[str, DocumentLabels]) -> dict[str, Any]:
    """Sentence and title vectors of every article, and each narrative's query vectors."""
    if (cache / "v.npy").exists():
        meta = json.loads((cache / "meta.json").read_text())
        q = np.load(cache / "q.npz")
        return {**meta, "V": np.load(cache / "v.npy"), "Q": {k: q[k] for k in q.files}}
    cfg = NlpConfig()
    emb = load_embedder(cfg.embedding_model)
    nlp = load_spacy(cfg.spacy_model)
    texts, owner, title = [], [], []
    for i, n in enumerate(names):
        lines = (DOCS / n).read_text(encoding="utf-8").split("\n")
        texts.append(lines[0].strip())
        owner.append(i)
        title.append(True)
        body = " ".join(x.strip() for x in lines[1:] if x.strip())
        for s in SENTENCE.split(body):
            if len(s.split()) >= 4:
                texts.append(s)
                owner.append(i)
                title.append(False)
    coarse = sorted({x for d in gold.values() for x in d.narratives if x != OTHER})
    labels = coarse + sorted({x for d in gold.values() for x in d.labels if x not in coarse})
    narr = []
    for lab in labels:
        if lab.endswith(": " + OTHER):
            continue
        parent = None if lab in coarse else lab.rsplit(": ", 1)[0]
        parts = statement_parts(nlp(label_statement(lab, parent)))
        narr.append({"id": label_id(lab), "label": lab, "parent": parent, "parts": parts})
    q: dict[str, np.ndarray] = {}
    for n in narr:
        vec = emb.encode(n["parts"] + [negation(p) for p in n["parts"]])
        k = len(n["parts"])
        q[n["id"] + "|P"], q[n["id"] + "|N"] = vec[:k], vec[k:]
    v = emb.encode(texts).astype(np.float16)
    meta = {"owner": owner, "title": title, "narratives": narr}
    cache.mkdir(parents=True, exist_ok=True)
    np.save(cache / "v.npy", v)
    np.savez(cache / "q.npz", **q)
    (cache / "meta.json").write_text(json.dumps(meta))
    return {**meta, "V": v, "Q": q}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=Path("/tmp/wiretrace-zeroshot"))
    ap.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks/results/narratives_zeroshot.json"
    )
    args = ap.parse_args()
    if not DOCS.exists():
        sys.exit(f"{DOCS} not found")
    t0 = time.process_time()
    gold = {d.document: d for d in read_labels(LABELS)}
    names = sorted(n for n in gold if (DOCS / n).exists())
    data = vectors(args.cache, names, gold)
    V = data["V"].astype(np.float32)
    owner = np.array(data["owner"])
    is_title = np.array(data["title"])
    narr = data["narratives"]
    ev = np.array([in_eval(n) for n in names])
    by_label = {n["id"]: n for n in narr}
    parent_id = {n["id"]: (label_id(n["parent"]) if n["parent"] else None) for n in narr}
    # evidence per (narrative, row); standing within each part's corpus
    part_of_row = ev[owner]
    feats: dict[str, np.ndarray] = {}
    for n in narr:
        P, N = data["Q"][n["id"] + "|P"], data["Q"][n["id"] + "|N"]
        s = V @ P.T
        j = s.argmax(axis=1)
        sim = s[np.arange(len(s)), j]
        contrast = sim - np.einsum("ij,ij->i", V, N[j])
        standing = np.zeros_like(sim)
        for part in (True, False):
            body = (part_of_row == part) & ~is_title
            rows = part_of_row == part
            standing[rows] = (sim[rows] - sim[body].mean()) / max(float(sim[body].std()), 1e-3)
        feats[n["id"]] = np.stack([sim, contrast, standing, is_title.astype(np.float32)], 1)
    truth = {n["id"]: np.array([n["label"] in gold[d].labels for d in names]) for n in narr}

    def doc_max(p: np.ndarray) -> np.ndarray:
        m = np.zeros(len(names))
        np.maximum.at(m, owner, p)
        return m

    def labels_of(chosen: list[str]) -> DocumentLabels:
        coarse = [by_label[x]["label"] for x in chosen if by_label[x]["parent"] is None]
        coarse += [by_label[x]["parent"] for x in chosen if by_label[x]["parent"]]
        fine = [by_label[x]["label"] for x in chosen if by_label[x]["parent"]]
        return complete(coarse, fine)

    def f1(prob: dict[str, np.ndarray], mask: np.ndarray, pick: Any) -> dict[str, float]:
        g = {d: gold[d] for i, d in enumerate(names) if mask[i]}
        p = {
            d: labels_of(pick({k: float(v[i]) for k, v in prob.items()}))
            for i, d in enumerate(names)
            if mask[i]
        }
        r = label_f1(g, p)
        return {"coarse_f1": round(r["coarse_f1"], 4), "fine_f1": round(r["fine_f1"], 4)}

    result: dict[str, Any] = {
        "corpus": CORPUS.name,
        "split": "eval = sha256(file name) % 3 == 0; fitted on the rest",
        "documents": {"tune": int((~ev).sum()), "eval": int(ev.sum())},
        "narratives_matched": len(narr),
        "rows": len(V),
        "no-narrative (eval)": f1({}, ev, lambda p: []),
        "variants": {},
    }
    for name, cols in VARIANTS.items():
        # rows: tune document x narrative, the document's most similar sentence or title
        xs, ys = [], []
        for n in narr:
            f = feats[n["id"]]
            order = np.lexsort((-f[:, 0], owner))
            first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
            keep = ~ev[owner[first]]
            xs.append(f[first][keep][:, cols])
            ys.append(truth[n["id"]][owner[first]][keep])
        fitted = fit_calibration(np.vstack(xs).astype(np.float64), np.concatenate(ys))
        w = np.zeros(len(FEATURES))
        w[list(cols)] = fitted[1:]
        prob = {
            k: doc_max(1.0 / (1.0 + np.exp(-np.clip(fitted[0] + f @ w, -50, 50))))
            for k, f in feats.items()
        }
        grid = np.round(np.arange(0.025, 0.9, 0.025), 3)
        tune_f = [
            f1(prob, ~ev, lambda p, t=t: [k for k, v in p.items() if v >= t])["coarse_f1"]
            for t in grid
        ]
        t = float(grid[int(np.argmax(tune_f))])
        pe = np.concatenate([prob[k][ev] for k in prob])
        te = np.concatenate([truth[k][ev] for k in prob])
        rep = pe >= t
        rel_all = reliability(pe.tolist(), te.tolist())
        rel_rep = reliability(pe[rep].tolist(), te[rep].tolist())
        result["variants"][name] = {
            "calibration": {"bias": round(fitted[0], 3)}
            | {FEATURES[c]: round(float(w[c]), 3) for c in cols},
            "threshold (tune)": t,
            "eval, labels with p >= threshold": f1(
                prob, ev, lambda p, t=t: [k for k, v in p.items() if v >= t]
            ),
            "eval, expected-F1 label set": f1(prob, ev, lambda p: decide(p, parent_id)),
            "ece (eval, every document x label)": round(rel_all.ece, 4),
            "reported (eval)": {
                "pairs": int(rep.sum()),
                "precision": round(float(te[rep].mean()), 4) if rep.any() else None,
                "ece": round(rel_rep.ece, 4),
                "deciles": rel_rep.bins,
            },
        }
        print(name, json.dumps(result["variants"][name]["eval, labels with p >= threshold"]))
    result["cpu_s"] = round(time.process_time() - t0, 1)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "variants"}, indent=1))


if __name__ == "__main__":
    main()
