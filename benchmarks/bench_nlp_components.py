"""Where spaCy's CPU goes in the nlp stage, and how many sentences a cheap pre-filter keeps.

Each component of the loaded pipeline runs over the first ``--limit`` PolNeAR train+dev texts
(dev first) in turn, in batches as the stage uses, timed on its own. A pre-filter that keeps
only sentences that can hold a quote, a figure or a time expression (quote marks, digits,
attribution cue lemmas, weekday/month/time words) would skip the parser on the rest: the
share it keeps bounds what skipping could save.

Run: nice -n 10 .venv/bin/python benchmarks/bench_nlp_components.py [--limit 40]
Writes benchmarks/results/nlp_components.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import corpus_files

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "nlp_components.json"
TIME_WORDS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "yesterday",
        "tomorrow",
        "week",
        "month",
        "year",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
QUOTE = re.compile('["\u201c\u201d\u00ab\u00bb\u201e]')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    from wiretrace.attribution import cues
    from wiretrace.nlp.models import NlpConfig, load_spacy

    cfg = NlpConfig()
    texts = [f.read_text(encoding="utf-8") for f in corpus_files(args.limit)]
    nlp = load_spacy(cfg.spacy_model)
    list(nlp.pipe(["Warm up the pipeline."]))
    start = time.process_time()
    docs = [nlp.make_doc(t) for t in texts]
    cost = {"tokenizer": time.process_time() - start}
    for name, proc in nlp.pipeline:
        start = time.process_time()
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=cfg.batch_size))
        else:
            docs = [proc(d) for d in docs]
        cost[name] = time.process_time() - start
    total = sum(cost.values())
    cue_lemmas = frozenset().union(
        cues.REPORTING, cues.JUDGING, cues.COMMANDING, cues.CITING, cues.BELIEF,
        cues.INTENTION, cues.POSITION, cues.STANCE, cues.NOUNS, {"according"},
    )  # fmt: skip
    sentences = kept = 0
    for doc in docs:
        for sent in doc.sents:
            sentences += 1
            lemmas = {t.lemma_.lower() for t in sent}
            if (
                QUOTE.search(sent.text)
                or any(ch.isdigit() for ch in sent.text)
                or lemmas & cue_lemmas
                or lemmas & TIME_WORDS
            ):
                kept += 1
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "texts": len(texts),
        "words": sum(len(t.split()) for t in texts),
        "cpu_s": {k: round(v, 2) for k, v in cost.items()},
        "spacy_cpu_s": round(total, 2),
        "parser_share": round(cost["parser"] / total, 3),
        "sentences": sentences,
        "prefilter_kept": kept,
        "prefilter_kept_share": round(kept / max(sentences, 1), 3),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
