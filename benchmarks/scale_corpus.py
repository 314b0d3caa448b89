"""Real news texts recombined into a corpus of any size, for the scaling benchmarks.

Sources beside the project (``../shared/corpora``): the PolNeAR train+dev texts, the
SemEval-2025 English training articles and the gold main texts of the extraction-dev pages
(English-looking ones, 80 words or more). The first ``R`` synthetic articles are the real
texts themselves; article ``i >= R`` joins the first half of one real text's paragraphs to
the second half of another's (both drawn with a seeded generator), so every article is
distinct, keeps real sentence and paragraph lengths, and shares whole paragraphs with two
real ones, as a wire copy or a merged rewrite would.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
MIN_WORDS = 80


def real_texts() -> list[str]:
    """Every source text, in a fixed order."""
    texts: list[str] = []
    polnear = CORPORA / "polnear-dev" / "data"
    for split in ("dev", "train"):
        folder = polnear / split / "text"
        texts += [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    semeval = CORPORA / "semeval25-narratives-train" / "dataset" / "train" / "raw-documents" / "EN"
    texts += [p.read_text(encoding="utf-8") for p in sorted(semeval.glob("*.txt"))]
    for path in sorted((CORPORA / "extraction-dev").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                text = json.loads(line).get("text") or ""
                if len(text.split()) >= MIN_WORDS and _englishish(text):
                    texts.append(text)
    return [t for t in texts if t.strip()]


def _englishish(text: str) -> bool:
    """Most words are ASCII and common English function words occur (no language model)."""
    words = text.lower().split()
    common = sum(w in {"the", "and", "of", "to", "in", "a", "is", "that", "for"} for w in words)
    ascii_share = sum(w.isascii() for w in words) / max(len(words), 1)
    return ascii_share > 0.95 and common / max(len(words), 1) > 0.12


def paragraphs(text: str) -> list[str]:
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    if len(parts) < 2:
        parts = [p.strip() for p in text.splitlines() if p.strip()]
    return parts


def corpus(n: int, seed: int = 12) -> list[str]:
    """``n`` article texts: the real ones first, then recombinations."""
    real = real_texts()
    out = real[:n]
    rng = random.Random(seed)
    split = [paragraphs(t) for t in real]
    while len(out) < n:
        a, b = rng.sample(range(len(real)), 2)
        first, second = split[a], split[b]
        out.append("\n\n".join(first[: max(1, len(first) // 2)] + second[len(second) // 2 :]))
    return out


def write(n: int, folder: Path, seed: int = 12) -> list[Path]:
    """The corpus as ``.txt`` files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, text in enumerate(corpus(n, seed)):
        path = folder / f"a{i:06d}.txt"
        path.write_text(text + "\n", encoding="utf-8")
        files.append(path)
    return files
