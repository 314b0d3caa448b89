"""Zero-shot echo matching on karabakh-2023, sentence by sentence: for each gold narrative
(its statement as the watchlist), every sentence ranked by its best segment's similarity
to the statement, with the rank of each gold echo and the sentences that are not echoes
yet rank above it, whether the role check (who does what to whom) drops that segment, its
centred similarity (the corpus's mean vector taken from both sides), and whether the
stage reported it. A threshold on any score that orders sentences this way cannot take an
echo without taking every sentence above it that the role check keeps; the centred second
pass (``min_centred_similarity``) takes sentences below the floors only in articles where
the first pass found the narrative.

Nothing here is tuned: karabakh is evaluation only.

Run: nice -n 10 .venv/bin/python benchmarks/bench_narratives_karabakh.py [--store DB]
(--store: an analysed karabakh store; built in a temporary folder when not given).
Writes benchmarks/results/narratives_karabakh.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from stacked_index import load_index

from wiretrace.config import Config
from wiretrace.evaluation import load_gold
from wiretrace.evaluation.gold import doc_index, locate
from wiretrace.evaluation.narratives import prepare, score
from wiretrace.export import export_dict
from wiretrace.narratives.matching import (
    NarrativesConfig,
    background,
    calibrate,
    corpus_mean,
    evidence,
)
from wiretrace.narratives.stage import STAGE, narrative_queries, role_veto
from wiretrace.narratives.tables import load_narratives
from wiretrace.nlp.models import NlpConfig
from wiretrace.pipeline import NullReporter
from wiretrace.store import Store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "karabakh-2023"
RESULTS = ROOT / "benchmarks" / "results" / "narratives_karabakh.json"


def analysed(tmp: Path) -> Path:
    from wiretrace.api import Corpus

    db = tmp / "k.db"
    with Corpus(db) as corpus:
        corpus.ingest(sorted(str(p) for p in CORPUS.glob("*.txt")))
        corpus.analyze()
    return db


def ranking(store: Store) -> list[dict[str, Any]]:
    cfg = Config().section("narratives", NarrativesConfig)
    ids = store.article_ids()
    index = load_index(store, ids)
    bg = background(index, cfg.background_pairs, cfg.seed)
    export = export_dict(store)
    docs = doc_index(export)
    texts = {a["id"]: a["text"] for a in export["articles"]}
    gold = {g["id"]: g for g in load_gold(CORPUS / "gold.json").section("narratives")}
    out = []
    narratives = load_narratives(store)
    veto = role_veto(store, narratives, Config().section("nlp", NlpConfig))
    centre = corpus_mean(index.vectors)
    reported = {
        (n["id"], h["article"], h["span"][0])
        for n in export["narratives"]
        for h in n["hits"]
        if h.get("part") != "title"
    }
    for q in narrative_queries(narratives, Config().section("nlp", NlpConfig)):
        ev, _ = evidence(index.vectors, q, centre=centre)
        g = gold[q.narrative]
        accepted = []
        for item in [*g["echoes"], g["stated_in"]]:
            art = docs.get(item["doc"])
            span = None if art is None else locate(art["text"], item["text"])
            if span is not None:
                accepted.append((art["id"], span, item in g["echoes"]))
        best: dict[tuple[str, int], int] = {}
        sharpest: dict[tuple[str, int], float] = {}  # the sentence's best centred similarity
        for row in range(index.size):
            key = (index.articles[int(index.article[row])], int(index.sentence[row]))
            if key not in best or ev.similarity[row] > ev.similarity[best[key]]:
                best[key] = row
            sharpest[key] = max(sharpest.get(key, -1.0), float(ev.centred[row]))
        rows = sorted(best.values(), key=lambda r: -float(ev.similarity[r]))
        sentences = []
        for rank, row in enumerate(rows, 1):
            article = index.articles[int(index.article[row])]
            start, end = int(index.start[row]), int(index.end[row])
            span = store.sentences(article)[int(index.sentence[row])]
            kinds = [e for a, s, e in accepted if a == article and s.overlaps(span)]
            sim = float(ev.similarity[row])
            sentences.append(
                {
                    "rank": rank,
                    "gold": "echo" if any(kinds) else ("stated" if kinds else "no"),
                    "similarity": round(sim, 3),
                    "centred": round(sharpest[(article, int(index.sentence[row]))], 3),
                    "reported": (q.narrative, article, span.start) in reported,
                    # names a participant of the statement on the other side of the
                    # action: the stage drops this segment (roles.py)
                    "roles_reversed": veto(q.narrative, article, start, end),
                    "background_percentile": round(
                        float(calibrate(np.array([sim], dtype=np.float32), bg)[0]), 4
                    ),
                    "segment": texts[article][start:end][:160],
                }
            )
        last_echo = max((s["rank"] for s in sentences if s["gold"] == "echo"), default=0)
        out.append(
            {
                "narrative": q.narrative,
                "statement": g["statement"],
                "echo_ranks": [s["rank"] for s in sentences if s["gold"] == "echo"],
                "sentences": len(sentences),
                "down_to_last_echo": sentences[:last_echo],
            }
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = args.store or analysed(Path(tmp))
        db = Path(tmp) / "scored.db"
        with Store(src) as s:
            s.conn.execute("VACUUM INTO ?", (str(db),))
        with Store(db) as store:
            prepare(load_gold(CORPUS / "gold.json"), store)
            STAGE.run(store, Config(), NullReporter())
            metrics = {
                m.name: {"value": round(float(m.value), 4), "detail": m.detail}
                for m in score(load_gold(CORPUS / "gold.json"), export_dict(store))
            }
            result = {"metrics": metrics, "narratives": ranking(store)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for n in result["narratives"]:
        print(n["narrative"], "echo ranks", n["echo_ranks"], "of", n["sentences"])
    print(json.dumps(metrics, indent=1))


if __name__ == "__main__":
    main()
