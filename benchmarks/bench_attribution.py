"""Attribution benchmarks: quality against textacy, speed against spaCy alone.

1. Quality on a gold corpus (default: karabakh-2023 beside the project), and on the
   PolNeAR dev split (``evaluation.polnear``: overlap P/R/F1 of all and of direct
   attributions, exact-boundary F1, speaker accuracy) beside textacy's direct quotations
   on the same parses. The corpus is run
   through the pipeline up to ``statements``; the same clean texts go, paragraph by
   paragraph, through ``textacy.extract.triples.direct_quotations`` (per paragraph because
   it raises ``ValueError`` on an odd number of quotation marks; those paragraphs yield
   nothing). Both are scored by ``wiretrace.evaluation.quotes`` (recall, precision,
   direct recall, speaker accuracy). textacy finds direct quotes only.
2. Speed: words/s of spaCy's own pipeline alone (``nlp.pipe``, ``n_process=2``) against
   the same parse plus the full attribution pass (quotes, speakers, pronouns) on every
   doc, and of the attribution stage alone on stored parses (``Doc.from_bytes`` + extract).
   overhead = time(parse + attribution) / time(parse).

Run: .venv/bin/python benchmarks/bench_attribution.py [--gold PATH] [--words 60000]
     [--cache DIR] [--train-every 4]
Writes benchmarks/results/attribution.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "attribution.json"
KARABAKH = ROOT.parent / "shared" / "corpora" / "karabakh-2023" / "gold.json"
POLNEAR = ROOT.parent / "shared" / "corpora" / "polnear-dev"


def analysed_export(gold_path: Path) -> dict[str, Any]:
    from wiretrace.config import Config
    from wiretrace.evaluation.gold import load_gold
    from wiretrace.export import export_dict
    from wiretrace.ingest import ingest
    from wiretrace.pipeline import Pipeline
    from wiretrace.store import Store

    gold = load_gold(gold_path)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "b.db") as store:
        ingest(store, [str(p) for p in gold.inputs()], Config())
        Pipeline.default().run(store, Config(), until="statements")
        return export_dict(store)


def textacy_quotes(export: dict[str, Any], nlp: Any) -> tuple[list[dict[str, Any]], int, int]:
    """textacy's direct quotations over each article, paragraph by paragraph."""
    from textacy.extract.triples import direct_quotations

    quotes: list[dict[str, Any]] = []
    paragraphs = failed = 0
    for article in export["articles"]:
        text = article["text"]
        offset = 0
        for para in text.split("\n"):
            start = offset
            offset += len(para) + 1
            if not para.strip():
                continue
            paragraphs += 1
            doc = nlp(para)
            try:
                triples = list(direct_quotations(doc))
            except ValueError:
                failed += 1
                continue
            for n, triple in enumerate(triples):
                content = triple.content
                s = start + content.start_char
                e = start + content.end_char
                quotes.append(
                    {
                        "id": f"textacy-{article['id']}-{start}-{n}",
                        "article": article["id"],
                        "span": [s, e],
                        "text": text[s:e],
                        "kind": "direct",
                        "speaker": " ".join(t.text for t in triple.speaker) or None,
                        "speaker_span": None,
                        "cue": " ".join(t.text for t in triple.cue),
                    }
                )
    return quotes, paragraphs, failed


def quality(gold_path: Path, nlp: Any) -> dict[str, Any]:
    from wiretrace.evaluation.gold import load_gold
    from wiretrace.evaluation.quotes import score

    gold = load_gold(gold_path)
    export = analysed_export(gold_path)
    ours = {m.name: m.value for m in score(gold, export)}
    out: dict[str, Any] = {"gold": str(gold_path), "quotes_in_gold": len(gold.section("quotes"))}
    out["wiretrace"] = {k: ours[k] for k in _KEYS if k in ours}
    out["wiretrace"]["predicted"] = len(export["quotes"])
    try:
        theirs_quotes, paragraphs, failed = textacy_quotes(export, nlp)
    except ImportError as exc:  # textacy is a dev extra
        out["textacy"] = {"skipped": f"textacy not installed ({exc})"}
        return out
    theirs = {
        m.name: m.value for m in score(gold, {**export, "quotes": theirs_quotes, "statements": []})
    }
    out["textacy"] = {k: theirs[k] for k in _KEYS if k in theirs}
    out["textacy"].update(
        predicted=len(theirs_quotes), paragraphs=paragraphs, paragraphs_raising_valueerror=failed
    )
    return out


_KEYS = (
    "recall",
    "precision",
    "direct recall",
    "speaker right (of matched)",
    "same-statement groups found",
    "statements mixing speakers",
)


def polnear_parses(
    split: str, nlp: Any, cache: Path | None, limit: int | None, every: int = 1
) -> list[Any]:
    """(document, parse) pairs of a PolNeAR split (every ``every``-th text, so a slice of
    the train split spans all seven publishers); parses kept in ``cache`` when given."""
    from spacy.tokens import DocBin

    from wiretrace.evaluation.polnear import load_split

    documents = list(load_split(POLNEAR, split))[::every]
    if limit:
        documents = documents[:limit]
    tag = f"polnear-{split}-{len(documents)}" + (f"-every{every}" if every > 1 else "")
    path = None if cache is None else cache / f"{tag}.spacy"
    if path is not None and path.exists():
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    else:
        docs = list(nlp.pipe([d.text for d in documents], batch_size=16))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            DocBin(store_user_data=False, docs=docs).to_disk(path)
    return list(zip(documents, docs, strict=True))


def polnear_textacy(doc: Any) -> list[Any]:
    """textacy's direct quotations of one parse, paragraph by paragraph (it raises
    ``ValueError`` on an odd number of quotation marks; such paragraphs yield nothing)."""
    from textacy.extract.triples import direct_quotations

    from wiretrace.evaluation.polnear import Predicted

    out: list[Predicted] = []
    start = 0
    for i, token in enumerate(doc):
        end_para = i + 1 == len(doc) or "\n" in token.whitespace_ or "\n" in doc[i + 1].text
        if not end_para:
            continue
        span = doc[start : i + 1]
        offset = span.start_char
        start = i + 1
        if not span.text.strip():
            continue
        try:
            triples = list(direct_quotations(span.as_doc()))
        except ValueError:
            continue
        for triple in triples:
            content = triple.content
            speaker = [t.idx for t in triple.speaker]
            out.append(
                Predicted(
                    ((offset + content.start_char, offset + content.end_char),),
                    True,
                    None
                    if not triple.speaker
                    else (
                        offset + min(speaker),
                        offset + max(t.idx + len(t.text) for t in triple.speaker),
                    ),
                )
            )
    return out


def polnear_quality(
    split: str, nlp: Any, cache: Path | None, limit: int | None, every: int = 1
) -> dict[str, Any]:
    """Overlap/exact/speaker scores on a PolNeAR split, Wiretrace beside textacy."""
    from wiretrace.attribution.config import AttributionConfig
    from wiretrace.attribution.extract import extract
    from wiretrace.evaluation.polnear import from_quotes, score

    pairs = polnear_parses(split, nlp, cache, limit, every)
    cfg = AttributionConfig()
    ours = []
    t0 = time.process_time()
    for document, doc in pairs:
        quotes = extract(doc, document.name, cfg).quotes
        ours.append((document.text, document.gold, from_quotes(quotes)))
    ours_s = time.process_time() - t0
    out: dict[str, Any] = {
        "split": split,
        "every": every,
        "documents": len(pairs),
        "gold_attributions": sum(len(d.gold) for d, _ in pairs),
        "wiretrace": score(ours).as_dict() | {"cpu_s": round(ours_s, 2)},
    }
    try:
        t0 = time.process_time()
        theirs = [(d.text, d.gold, polnear_textacy(doc)) for d, doc in pairs]
        out["textacy"] = score(theirs).as_dict() | {"cpu_s": round(time.process_time() - t0, 2)}
    except ImportError as exc:
        out["textacy"] = {"skipped": f"textacy not installed ({exc})"}
    return out


def corpus_texts(words: int) -> list[str]:
    """Real article texts (gold corpora beside the project, the demo corpus), repeated."""
    sources = sorted(KARABAKH.parent.glob("*.txt")) if KARABAKH.exists() else []
    sources += sorted((ROOT / "examples" / "corpus").glob("*.txt"))
    base = [p.read_text(encoding="utf-8") for p in sources]
    if not base:
        sys.exit("no article texts found (karabakh corpus or examples/corpus)")
    texts: list[str] = []
    total = 0
    while total < words:
        for text in base:
            texts.append(text)
            total += len(text.split())
            if total >= words:
                break
    return texts


def speed(words: int, n_process: int) -> dict[str, Any]:
    from spacy.tokens import Doc

    from wiretrace.attribution.config import AttributionConfig
    from wiretrace.attribution.extract import extract
    from wiretrace.nlp import load_spacy

    nlp = load_spacy("en_core_web_md")
    texts = corpus_texts(words)
    n_words = sum(len(t.split()) for t in texts)
    cfg = AttributionConfig()
    list(nlp.pipe(texts[:4]))  # warm up

    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32, n_process=n_process):
        pass
    spacy_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    blobs = []
    quotes = 0
    for i, doc in enumerate(nlp.pipe(texts, batch_size=32, n_process=n_process)):
        quotes += len(extract(doc, str(i), cfg).quotes)
        blobs.append(doc.to_bytes(exclude=["tensor"]))
    full_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    for i, data in enumerate(blobs):
        extract(Doc(nlp.vocab).from_bytes(data), str(i), cfg)
    stage_s = time.perf_counter() - t0
    return {
        "articles": len(texts),
        "words": n_words,
        "n_process": n_process,
        "spacy_pipe_words_per_s": round(n_words / spacy_s),
        "parse_plus_attribution_words_per_s": round(n_words / full_s),
        "overhead_ratio": round(full_s / spacy_s, 3),
        "attribution_stage_on_stored_parses_words_per_s": round(n_words / stage_s),
        "quotes_found": quotes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=KARABAKH)
    parser.add_argument("--demo-gold", type=Path, default=ROOT / "examples" / "gold.json")
    parser.add_argument("--words", type=int, default=60000)
    parser.add_argument("--n-process", type=int, default=2)
    parser.add_argument("--speed-only", action="store_true", help="Skip the gold scoring.")
    parser.add_argument(
        "--cache", type=Path, default=None, help="Keep PolNeAR parses here between runs."
    )
    parser.add_argument(
        "--train-every",
        type=int,
        default=0,
        help="Also score every N-th PolNeAR train text (4: 210 texts over all publishers), "
        "to check that a gain on dev holds off it.",
    )
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from wiretrace.nlp import load_spacy

    nlp = load_spacy("en_core_web_md")
    result: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "quality": {},
    }
    for path in () if args.speed_only else (args.gold, args.demo_gold):
        if path.exists():
            result["quality"][path.parent.name] = quality(path, nlp)
    if not args.speed_only and POLNEAR.exists():
        result["quality"]["polnear-dev"] = polnear_quality("dev", nlp, args.cache, None)
        if args.train_every:
            result["quality"]["polnear-train-slice"] = polnear_quality(
                "train", nlp, args.cache, None, args.train_every
            )
    result["speed"] = speed(args.words, args.n_process)
    if args.speed_only and RESULTS.exists():
        result["quality"] = json.loads(RESULTS.read_text(encoding="utf-8")).get("quality", {})
    result["machine"]["load_average_1m"] = round(os.getloadavg()[0], 2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
