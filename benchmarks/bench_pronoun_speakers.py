"""Pronoun speakers on PolNeAR dev: is "he said" credited to the right person?

PolNeAR marks the source as written ("he"), not whom it refers to, so the referents were
judged by hand (``wiretrace.evaluation.pronouns`` says how they are scored):

- sample 1, ``benchmarks/data/polnear_dev_pronoun_referents.tsv``: 59 seeded dev
  attributions whose gold source is a pronoun and whose pronoun Wiretrace takes as the
  speaker mention (66 gold attributions: some pronouns source two);
- sample 2, ``polnear_dev_pronoun_referents_2.tsv``: 36 more of the same kind, drawn with
  another seed and judged before the coreference changes it first measured.

Accuracy is reported per sample and overall. Also reported: of all dev attributions with a
pronoun source, how many have a predicted speaker mention on that pronoun.

Run: .venv/bin/python benchmarks/bench_pronoun_speakers.py [--cache DIR]
Writes benchmarks/results/pronoun_speakers.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
SAMPLES = (
    DATA / "polnear_dev_pronoun_referents.tsv",
    DATA / "polnear_dev_pronoun_referents_2.tsv",
)
RESULTS = ROOT / "benchmarks" / "results" / "pronoun_speakers.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="Keep parses here.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_attribution import polnear_parses

    from wiretrace.attribution.config import AttributionConfig
    from wiretrace.attribution.extract import extract
    from wiretrace.evaluation.pronouns import judge, pronoun_sources, read_referents
    from wiretrace.nlp import load_spacy

    samples = [read_referents(path) for path in SAMPLES]
    nlp = load_spacy("en_core_web_md")
    items = []
    pronoun_total = with_mention = 0
    for document, doc in polnear_parses("dev", nlp, args.cache, None):
        quotes = extract(doc, document.name, AttributionConfig()).quotes
        items.append((document.name, document.text, document.gold, quotes))
        for _s, hit in pronoun_sources(document.text, document.gold, quotes):
            pronoun_total += 1
            with_mention += hit is not None
    result: dict[str, object] = {
        "split": "dev",
        "pronoun_sources": pronoun_total,
        "with_speaker_mention_on_the_pronoun": with_mention,
    }
    judged_all = []
    for k, referents in enumerate(samples, 1):
        judged = judge(items, referents)
        judged_all.extend(judged)
        n_right = sum(j.right for j in judged)
        result[f"sample_{k}"] = {
            "file": SAMPLES[k - 1].name,
            "judged": len(judged),
            "right": n_right,
            "accuracy": round(n_right / len(judged), 4) if judged else 0.0,
        }
    n_right = sum(j.right for j in judged_all)
    result["judged"] = len(judged_all)
    result["right"] = n_right
    result["accuracy"] = round(n_right / len(judged_all), 4) if judged_all else 0.0
    result["wrong"] = [asdict(j) for j in judged_all if not j.right]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "wrong"}, indent=1))
    for j in judged_all:
        if not j.right:
            print(f"  {j.article[:40]} {j.start} {j.pronoun!r} → {j.wiretrace!r} ({j.referent})")


if __name__ == "__main__":
    main()
