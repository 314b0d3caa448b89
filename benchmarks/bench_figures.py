"""Figures: Wiretrace against quantulum3 on the same sentences of a gold corpus.

Both systems read the same clean sentences (Wiretrace through its pipeline, quantulum3 one
sentence at a time). A gold figure counts as found when a predicted quantity overlaps the
gold text with the gold value (ranges as [low, high]); its what-phrase counts as right when
the predicted what (quantulum3 has only a unit name) has cosine >= 0.5 with the gold what.
Also counted: quantities that are years, and predictions on no gold figure.

quantulum3's shipped classifier may not load with the installed scikit-learn; the script
then disables disambiguation by classifier and says so in the result.

    pip install quantulum3==0.10.0   # the peer; not a dependency of Wiretrace
    python benchmarks/bench_figures.py --gold ../shared/corpora/karabakh-2023/gold.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from wiretrace.config import Config
from wiretrace.evaluation.figures import value_right
from wiretrace.evaluation.gold import doc_index, load_gold, locate
from wiretrace.export import export_dict
from wiretrace.figures.extract import figures_in, time_expressions
from wiretrace.figures.numbers import is_year
from wiretrace.nlp import load_embedder, load_spacy
from wiretrace.nlp.stage import load_doc
from wiretrace.pipeline import Pipeline
from wiretrace.store import Store

WHAT_SIMILAR = 0.5


def analysed(gold_path: Path, db: Path | None) -> tuple[dict[str, Any], float]:
    """Export of the analysed gold corpus, and seconds the figure extraction itself took."""
    gold = load_gold(gold_path)

    def run(store: Store) -> tuple[dict[str, Any], float]:
        Pipeline.default().run(store, Config())
        nlp = load_spacy()
        start = time.perf_counter()
        for article in store.iter_articles():
            doc = load_doc(store, article.id, nlp)
            if doc is not None:
                figures_in(doc, time_expressions(doc, None))
        return export_dict(store), time.perf_counter() - start

    if db is not None:
        with Store(db) as store:
            return run(store)
    from wiretrace.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "b.db") as store:
        ingest(store, [str(p) for p in gold.inputs()], Config())
        return run(store)


def quantulum_predictions(export: dict[str, Any]) -> tuple[list[dict[str, Any]], str, float]:
    from quantulum3 import classifier, parser

    mode = "classifier"

    def parse(sentence: str) -> list[Any]:
        nonlocal mode
        try:
            return list(parser.parse(sentence))
        except Exception as exc:  # the shipped model fails to unpickle with newer scikit-learn
            if not classifier.USE_CLF:
                raise
            classifier.USE_CLF = False
            mode = f"classifier failed to load ({type(exc).__name__}: {exc}); disambiguation off"
            return list(parser.parse(sentence))

    predictions: list[dict[str, Any]] = []
    start = time.perf_counter()
    for article in export["articles"]:
        text = article["text"]
        for s, e in article["sentences"]:
            for q in parse(text[s:e]):
                a, b = q.span
                predictions.append(
                    {
                        "article": article["id"],
                        "span": [s + a, s + b],
                        "value": q.value,
                        "what": q.unit.name,
                        "surface": q.surface,
                    }
                )
    return predictions, mode, time.perf_counter() - start


def evaluate(
    gold_path: Path, export: dict[str, Any], predictions: list[dict[str, Any]], name: str
) -> dict[str, Any]:
    gold = load_gold(gold_path)
    index = doc_index(export)
    embedder = load_embedder()
    found = 0
    pairs: list[tuple[str, str]] = []
    on_gold: set[int] = set()
    for g in gold.section("figures"):
        article = index.get(g["doc"])
        where = locate(article["text"], g["text"]) if article else None
        if article is None or where is None:
            continue
        hits = [
            k
            for k, p in enumerate(predictions)
            if p["article"] == article["id"]
            and p["span"][0] < where.end
            and where.start < p["span"][1]
        ]
        on_gold.update(hits)
        right = [predictions[k] for k in hits if value_right(predictions[k]["value"], g["value"])]
        if right:
            found += 1
            pairs.append((right[0]["what"] or "", g["what"]))
    sims = []
    if pairs:
        a = embedder.encode([p[0] for p in pairs])
        b = embedder.encode([p[1] for p in pairs])
        sims = [float(x @ y) for x, y in zip(a, b, strict=True)]
    texts = {a["id"]: a["text"] for a in export["articles"]}
    years = sum(
        1 for p in predictions if is_year(texts[p["article"]][p["span"][0] : p["span"][1]].strip())
    )
    total = len(gold.section("figures"))
    return {
        "system": name,
        "gold_figures": total,
        "values_right": found,
        "what_right": sum(s >= WHAT_SIMILAR for s in sims),
        "predicted": len(predictions),
        "predicted_off_gold": len(predictions) - len(on_gold),
        "years_as_quantities": years,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--db", type=Path, help="an analysed store of the gold corpus to reuse")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/figures.json"))
    args = ap.parse_args()
    export, wt_seconds = analysed(args.gold, args.db)
    ours = [
        {"article": f["article"], "span": f["span"], "value": f["value"], "what": f["what"]}
        for f in export["figures"]
    ]
    peer, mode, q_seconds = quantulum_predictions(export)
    wt = evaluate(args.gold, export, ours, "wiretrace")
    wt["seconds_extraction"] = round(wt_seconds, 3)
    qu = evaluate(args.gold, export, peer, f"quantulum3 0.10.0 ({mode})")
    qu["seconds_extraction"] = round(q_seconds, 3)
    result = {
        "gold": str(args.gold),
        "sentences": sum(len(a["sentences"]) for a in export["articles"]),
        "systems": [wt, qu],
        "ratios_wiretrace_over_quantulum3": {
            k: (round(wt[k] / qu[k], 3) if qu[k] else None)
            for k in ("values_right", "what_right", "predicted_off_gold", "years_as_quantities")
        },
        "note": "wiretrace seconds: figure extraction over stored parses (parsing not counted);"
        " quantulum3 seconds: parsing every sentence",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
