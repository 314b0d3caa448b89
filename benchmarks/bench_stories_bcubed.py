"""Stories against a public event dataset: B-cubed on ECB+ seminal events.

ECB+ (Cybulska and Vossen, LREC 2014; CC BY 3.0) holds 982 news texts in 43 topics; each
topic has two seminal events of one kind (two earthquakes, two hospital shootings), the
ECB texts of one and the ECB+ texts of the other. A gold story is one seminal event, so a
topic-sized story is wrong by half: the measure asks for events, not topics.

The dataset is read from its XML files (``ECB+/<topic>/<topic>_<n>ecb[plus].xml``; a copy
lives outside the project, give its path). Texts are rebuilt from the tokens, a source-URL
line dropped; they carry no titles or dates. The real stages run on them (clean, nlp,
stories) in a fresh store, and the stories are scored with B-cubed against the events.

Beside it, in the same run and with the same scorer:

- the published document clustering of Barhom et al. (ACL 2019) on the ECB+ test topics
  (36-45), from their repository's ``data/external/document_clustering/predicted_topics``
  (``--published PATH``; lists of document names, read with a loader that admits nothing
  but lists and strings);
- one cluster per gold topic (what topic-level clustering gets at best), and every text
  alone.

Run: .venv/bin/python benchmarks/bench_stories_bcubed.py /path/to/ECB+ \
         [--topics 36-45] [--published /path/to/predicted_topics] [--db store.db]
Writes benchmarks/results/stories_bcubed_ecbplus.json.
"""

from __future__ import annotations

import argparse
import io
import json
import pickle
import re
import resource
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "stories_bcubed_ecbplus.json"
_NAME = re.compile(r"^(\d+)_(\d+)(ecbplus|ecb)\.xml$")
_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]}]|'s\b|n't\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)")


def event_of(name: str) -> str | None:
    """The gold event of a document name ("36_4ecbplus" → "36/ecbplus")."""
    m = _NAME.match(name if name.endswith(".xml") else name + ".xml")
    return None if m is None else f"{m.group(1)}/{m.group(3)}"


def read_text(path: Path) -> str:
    """The document's text from its tokens, one line per sentence, a URL line dropped."""
    sentences: dict[int, list[str]] = {}
    for token in ET.parse(path).getroot().iter("token"):
        sentences.setdefault(int(token.get("sentence", "0")), []).append(token.text or "")
    lines = []
    for _, words in sorted(sentences.items()):
        line = " ".join(w for w in words if w)
        if not line or line.lower().startswith(("http", "www")):
            continue
        line = _NO_SPACE_BEFORE.sub(r"\1", line.replace("( ", "(").replace("`` ", '"'))
        lines.append(line.replace(" ''", '"'))
    return "\n\n".join(lines)


def topics_arg(text: str | None) -> set[int] | None:
    if not text:
        return None
    lo, _, hi = text.partition("-")
    return set(range(int(lo), int(hi or lo) + 1))


class _ListsOnly(pickle.Unpickler):
    """Lists of strings: any class in the stream is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused {module}.{name}")


def read_published(path: Path) -> dict[str, str]:
    clusters = _ListsOnly(io.BytesIO(path.read_bytes())).load()
    return {str(doc): f"c{k}" for k, docs in enumerate(clusters) for doc in docs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ecb", type=Path, help="The ECB+ folder (topic folders of XML).")
    parser.add_argument("--topics", default=None, help="e.g. 36-45 (the test topics).")
    parser.add_argument("--published", type=Path, default=None)
    parser.add_argument("--db", type=Path, default=Path("/tmp/ecbplus-stories.db"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    from wiretrace.config import Config
    from wiretrace.evaluation.stories import bcubed
    from wiretrace.export import export_dict
    from wiretrace.models import RawDocument
    from wiretrace.pipeline import NullReporter, Pipeline
    from wiretrace.store import Store

    wanted = topics_arg(args.topics)
    files = sorted(
        p
        for p in args.ecb.glob("*/*.xml")
        if (m := _NAME.match(p.name)) and (wanted is None or int(m.group(1)) in wanted)
    )
    gold = {p.stem: str(event_of(p.name)) for p in files}
    if args.db.exists():
        args.db.unlink()
    t0 = time.process_time()
    with Store(args.db) as store:
        store.add_documents([RawDocument(p.stem, read_text(p), "text") for p in files])
        for stage in Pipeline.default().stages:
            if stage.name in ("clean", "nlp", "stories"):
                stage.run(store, Config(), NullReporter())
        export = export_dict(store)
    cpu = time.process_time() - t0
    by_source = {a["id"]: Path(a["source"]).stem for a in export["articles"]}
    ours = {by_source[a]: s["id"] for s in export["stories"] for a in s["articles"]}
    topic_of = {d: e.split("/")[0] for d, e in gold.items()}

    def scored(predicted: dict[str, str]) -> dict[str, float]:
        p, r, f1 = bcubed(predicted, gold)
        return {"p": round(p, 4), "r": round(r, 4), "f1": round(f1, 4)}

    sizes = sorted((len(s["articles"]) for s in export["stories"]), reverse=True)
    result: dict[str, Any] = {
        "dataset": "ECB+ (Cybulska and Vossen 2014), gold = seminal event (topic x ecb/ecbplus)",
        "topics": args.topics or "all",
        "documents": len(gold),
        "gold_events": len(set(gold.values())),
        "wiretrace": {
            **scored(ours),
            "stories": len(export["stories"]),
            "largest": sizes[0] if sizes else 0,
            "single_article": sum(1 for s in sizes if s == 1),
            "cpu_seconds": round(cpu, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        },
        "one_story_per_gold_topic": scored(topic_of),
        "every_text_alone": scored({}),
    }
    if args.published is not None:
        published = read_published(args.published)
        covered = [d for d in gold if d in published]
        result["barhom_2019_published_clustering"] = {
            **scored({d: published[d] for d in covered}),
            "documents_it_covers": len(covered),
            "clusters": len(set(published.values())),
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
