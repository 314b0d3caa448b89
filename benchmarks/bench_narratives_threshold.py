"""Which probability floor zero-shot echoes should default to ([narratives] min_probability).

A narrative with labelled examples is decided by its own model (its out-of-fold threshold
and the expected-F1 label set, bench_narratives_semeval.py). One without examples has no
data of its own, so its floor is one default for every zero-shot narrative. This sweeps
that floor on top of the similarity and background floors and the role check, with the
SemEval-2025 label names as statements:

- tune part (sha256(name) % 3 != 0): per-document label F1 per floor, the floor picked;
- eval part: the picked floor and no floor, scored once;
- the demo corpus (examples/, concrete claims with gold echoes): echo recall and
  precision with and without the floor, because label names are not the claims a user
  watches and a floor fitted on them must not silence concrete ones.

Usage: python benchmarks/bench_narratives_threshold.py [--store DB] [--demo DB] [--out JSON]
(--store as bench_narratives_semeval.py; --demo: an analysed demo store with its watchlist,
built in a temporary folder when not given).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import bench_narratives_semeval as sem
from stacked_index import load_index

from wiretrace.config import Config
from wiretrace.evaluation import load_gold
from wiretrace.evaluation.narratives import label_f1, score
from wiretrace.export import export_dict
from wiretrace.narratives.matching import NarrativesConfig, background, match_narratives
from wiretrace.narratives.stage import STAGE, load_titles, narrative_queries, role_veto
from wiretrace.narratives.tables import articles_by_source
from wiretrace.nlp.models import NlpConfig
from wiretrace.pipeline import NullReporter
from wiretrace.store import Store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FLOORS = (0.0, 0.1, 0.15, 0.16, 0.18, 0.2, 0.22, 0.25, 0.3, 0.35, 0.4)
NEAR_BEST = 0.02  # the lowest floor whose tune F1 is this close to the best is picked


def semeval(store: Store) -> dict[str, Any]:
    gold_all = {d.document: d for d in sem.read_labels(sem.LABELS)}
    by_source = articles_by_source(store)
    article_of = {n: by_source[n][0] for n in gold_all if len(by_source.get(n, [])) == 1}
    narratives = sem.taxonomy(gold_all)
    stated = [n for n in narratives if not (n.label or "").endswith(": " + sem.OTHER)]
    queries = narrative_queries(stated, NlpConfig())

    def run(names: list[str], floors: tuple[float, ...]) -> dict[str, Any]:
        ids = [article_of[n] for n in names]
        name_of = {article_of[n]: n for n in names}
        index, titles = load_index(store, ids), load_titles(store, ids)
        cfg0 = NarrativesConfig()
        bg = background(index, cfg0.background_pairs, cfg0.seed)
        veto = role_veto(store, stated, NlpConfig())
        out = {}
        for floor in floors:
            cfg = replace(cfg0, min_probability=floor)
            echoes = match_narratives(queries, index, bg, cfg, titles, veto)
            found: dict[str, set[str]] = {n: set() for n in names}
            for e in echoes:
                found[name_of[e.article]].add(e.narrative)
            f1 = label_f1(
                {n: gold_all[n] for n in names},
                {n: sem.to_labels(found[n], narratives) for n in names},
            )
            out[str(floor)] = {
                "coarse_f1": round(f1["coarse_f1"], 4),
                "fine_f1": round(f1["fine_f1"], 4),
                "echoes": len(echoes),
            }
        return out

    names = sorted(article_of)
    tune = run([n for n in names if not sem.in_eval(n)], FLOORS)
    best = max(v["coarse_f1"] for v in tune.values())
    picked = min(float(k) for k, v in tune.items() if v["coarse_f1"] >= best - NEAR_BEST)
    evals = run([n for n in names if sem.in_eval(n)], (0.0, picked))
    none = label_f1({n: gold_all[n] for n in names if sem.in_eval(n)}, {})
    return {
        "tune (per floor)": tune,
        "picked on tune": picked,
        "rule": f"lowest floor with tune coarse F1 within {NEAR_BEST} of the best ({best})",
        "eval": evals,
        "eval, no narrative": {k: round(v, 4) for k, v in none.items() if k != "documents"},
    }


def demo(db: Path, floor: float) -> dict[str, Any]:
    out = {}
    for label, cfg in (("no floor", {}), (f"floor {floor}", {"min_probability": floor})):
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "d.db"
            shutil.copy(db, copy)
            with Store(copy) as store:
                STAGE.run(store, Config(sections={"narratives": cfg}), NullReporter())
                metrics = score(load_gold(EXAMPLES / "gold.json"), export_dict(store))
        out[label] = {m.name: m.detail for m in metrics if "echo" in m.name}
    return out


def analysed_demo(tmp: Path) -> Path:
    from wiretrace.api import Corpus
    from wiretrace.narratives.api import import_file

    db = tmp / "demo.db"
    with Corpus(db) as corpus:
        corpus.ingest([str(EXAMPLES / "corpus")])
        with Store(db) as store:
            import_file(store, str(EXAMPLES / "watchlist.toml"))
        corpus.analyze()
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=Path("/tmp/wiretrace-semeval.db"))
    ap.add_argument("--demo", type=Path)
    ap.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks/results/narratives_threshold.json"
    )
    args = ap.parse_args()
    result = {"semeval": semeval(sem.prepare(args.store))}
    with tempfile.TemporaryDirectory() as tmp:
        db = args.demo or analysed_demo(Path(tmp))
        result["demo"] = demo(db, result["semeval"]["picked on tune"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
