"""Where the nlp stage's memory goes: resident memory around every batch it computes.

The first ``--limit`` PolNeAR train+dev texts (dev first) are ingested into a fresh store and
cleaned; the models are loaded; then the nlp stage runs with its batch function wrapped so
that each batch reports its size, RSS before and after, the high-water mark so far and its
CPU seconds. A resident level that climbs batch after batch is retention; a high-water mark
far above the level is one batch's working memory.

With ``--scale A B`` the texts are articles A to B of the recombined real corpus
(``scale_corpus``) instead, e.g. the span of the scale run that holds its longest articles.

Run: nice -n 10 .venv/bin/python benchmarks/bench_nlp_memory.py [--limit 924] [--scale A B]
     [--out FILE]
Writes benchmarks/results/nlp_memory.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import corpus_files
from measure import field_mb, reset_peak, status_fields
from scale_corpus import write

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "nlp_memory.json"


def memory() -> dict[str, int]:
    """Resident (VmRSS) and high-water (VmHWM) memory in MiB."""
    fields = status_fields()
    return {name: int(field_mb(fields, name)) for name in ("VmRSS", "VmHWM")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=924)
    parser.add_argument("--scale", type=int, nargs=2, metavar=("FROM", "TO"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    import wiretrace.nlp.stage as nlp_stage
    from wiretrace.config import Config
    from wiretrace.ingest import ingest
    from wiretrace.nlp.models import NlpConfig, load_spacy, nlp_embedder
    from wiretrace.pipeline import NullReporter, Pipeline
    from wiretrace.store import Store

    config = Config()
    batches: list[dict[str, Any]] = []
    inner = nlp_stage.parse_batch

    def probed(cfg: NlpConfig, items: Sequence[Any]) -> Any:
        before, cpu = memory(), time.process_time()
        out = inner(cfg, items)
        after = memory()
        batches.append(
            {
                "articles": len(items),
                "longest_words": max(len(item[1].split()) for item in items),
                "rss_before_mb": before["VmRSS"],
                "rss_after_mb": after["VmRSS"],
                "peak_mb": after["VmHWM"],
                "cpu_s": round(time.process_time() - cpu, 1),
            }
        )
        print(json.dumps(batches[-1]), file=sys.stderr, flush=True)
        return out

    nlp_stage.parse_batch = probed  # type: ignore[assignment]
    stages = {s.name: s for s in Pipeline.default().stages}
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "b.db") as store:
        if args.scale:
            lo, hi = args.scale
            files = write(hi, Path(tmp) / "texts")[lo:]
        else:
            files = corpus_files(args.limit)
        ingest(store, [str(f) for f in files], config)
        stages["clean"].run(store, config, NullReporter())
        after_clean = memory()
        nlp_cfg = config.section("nlp", NlpConfig)
        load_spacy(nlp_cfg.spacy_model)
        nlp_embedder(nlp_cfg)
        after_models = memory()
        reset_peak()
        stages["nlp"].run(store, config, NullReporter())
        after_nlp = memory()
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "articles": len(files),
        "corpus": f"scale_corpus articles {lo}-{hi}" if args.scale else "polnear train+dev",
        "nlp_config": {k: getattr(nlp_cfg, k) for k in ("batch_size", "embedding_runtime")},
        "after_clean_mb": after_clean,
        "after_models_mb": after_models,
        "batches": batches,
        "nlp_peak_rss_mb": after_nlp["VmHWM"],
        "after_nlp_mb": after_nlp,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({"articles": len(files), "nlp_peak_rss_mb": after_nlp["VmHWM"]}))


if __name__ == "__main__":
    main()
