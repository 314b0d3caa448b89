"""Pronoun speakers on PolNeAR dev: is "he said" credited to the right person?

PolNeAR marks the source as written ("he"), not whom it refers to, so the referents were
judged by hand for a seeded sample of 60 of the dev attributions whose gold source is a
pronoun and whose pronoun Wiretrace takes as the speaker mention
(``benchmarks/data/polnear_dev_pronoun_referents.tsv``: article, pronoun offset, pronoun,
the words of the referent's name, or ``-`` when the pronoun names no one, such as "they"
for a crowd). A resolution is right when every word of the referent's name is in the
speaker name Wiretrace gives; for ``-``, when the pronoun is left unresolved.

Also reported: of all dev attributions with a pronoun source, how many have a predicted
speaker mention on that pronoun.

Run: .venv/bin/python benchmarks/bench_pronoun_speakers.py [--cache DIR]
Writes benchmarks/results/pronoun_speakers.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "benchmarks" / "data" / "polnear_dev_pronoun_referents.tsv"
RESULTS = ROOT / "benchmarks" / "results" / "pronoun_speakers.json"
PRONOUNS = frozenset({"he", "she", "they", "it", "we", "him", "her", "his", "i", "them"})


def read_gold(path: Path) -> dict[tuple[str, int], tuple[str, str]]:
    out: dict[tuple[str, int], tuple[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        doc, start, pronoun, referent = line.split("\t")
        out[(doc, int(start))] = (pronoun, referent)
    return out


def right(pronoun: str, referent: str, name: str | None) -> bool:
    from wiretrace.attribution.entities import name_key

    if name is None:
        return False
    if referent == "-":
        return name.lower() == pronoun.lower()
    return set(referent.split()) <= set(name_key(name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="Keep parses here.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_attribution import polnear_parses

    from wiretrace.attribution.config import AttributionConfig
    from wiretrace.attribution.extract import extract
    from wiretrace.nlp import load_spacy

    gold = read_gold(GOLD)
    nlp = load_spacy("en_core_web_md")
    pronoun_sources = with_mention = 0
    judged: list[dict[str, Any]] = []
    for document, doc in polnear_parses("dev", nlp, args.cache, None):
        quotes = extract(doc, document.name, AttributionConfig()).quotes
        for g in document.gold:
            if len(g.source) != 1:
                continue
            s, e = g.source[0]
            if document.text[s:e].strip().lower() not in PRONOUNS:
                continue
            pronoun_sources += 1
            hit = next(
                (
                    q
                    for q in quotes
                    if q.speaker_span is not None
                    and q.speaker_span.start < e
                    and s < q.speaker_span.end
                ),
                None,
            )
            with_mention += hit is not None
            if (document.name, s) in gold:
                pronoun, referent = gold[(document.name, s)]
                name = None if hit is None else hit.speaker
                judged.append(
                    {
                        "article": document.name,
                        "start": s,
                        "pronoun": pronoun,
                        "referent": referent,
                        "wiretrace": name,
                        "right": right(pronoun, referent, name),
                    }
                )
    n_right = sum(j["right"] for j in judged)
    result = {
        "split": "dev",
        "pronoun_sources": pronoun_sources,
        "with_speaker_mention_on_the_pronoun": with_mention,
        "judged": len(judged),
        "judged_in_gold_file": len(gold),
        "right": n_right,
        "accuracy": round(n_right / len(judged), 4) if judged else 0.0,
        "wrong": [j for j in judged if not j["right"]],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "wrong"}, indent=1))
    for j in result["wrong"]:
        print(
            f"  {j['article'][:40]} {j['start']} {j['pronoun']!r} → {j['wiretrace']!r}"
            f" (referent: {j['referent']})"
        )


if __name__ == "__main__":
    main()
