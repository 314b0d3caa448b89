"""Gold files, and locating gold snippets in clean text despite quote and space variants."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models import Span

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": ".",
    }
)


@dataclass(frozen=True)
class Metric:
    """One number (or check) for one capability."""

    capability: str
    name: str
    value: float | int | str
    passed: bool | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "capability": self.capability,
            "name": self.name,
            "value": self.value,
            "passed": self.passed,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Gold:
    path: Path
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def documents(self) -> Mapping[str, Any]:
        return dict(self.data.get("documents", {}))

    def inputs(self) -> list[Path]:
        """What to ingest: the gold's ``inputs`` list if given, else the documents it names."""
        base = self.path.parent
        if "inputs" in self.data:
            return [base / p for p in self.data["inputs"]]
        return [base / name for name in self.documents]

    def section(self, name: str) -> list[dict[str, Any]]:
        return list(self.data.get(name, []))


def load_gold(path: Path) -> Gold:
    return Gold(path=path, data=json.loads(path.read_text(encoding="utf-8")))


def normalise(text: str) -> tuple[str, list[int]]:
    """Text with quote/dash/space/ellipsis variants folded, and each char's source offset.

    Runs of spaces become one space and runs of dots (``...`` or ``…``) one dot, so a gold
    snippet written with either form is found in text that uses the other.
    """
    out: list[str] = []
    offsets: list[int] = []
    for i, raw in enumerate(text):
        ch = raw.translate(_QUOTES)
        if ch.isspace():
            ch = " "
        if out and ch in (" ", ".") and out[-1] == ch:
            continue
        out.append(ch)
        offsets.append(i)
    return "".join(out), offsets


def locate(haystack: str, needle: str) -> Span | None:
    """Where ``needle`` occurs in ``haystack``, matching across quote/space/ellipsis variants."""
    hay, offsets = normalise(haystack)
    pin, _ = normalise(needle.strip())
    idx = hay.find(pin) if pin else -1
    if idx < 0:
        return None
    return Span(offsets[idx], offsets[idx + len(pin) - 1] + 1)


def doc_index(export: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Map every name a gold file may use for a document (file name, source, URL) to it."""
    index: dict[str, dict[str, Any]] = {}
    for article in export["articles"]:
        source = str(article["source"])
        index[source] = article
        index[Path(source).name] = article
        if article.get("url"):
            index[str(article["url"])] = article
    return index


def ratio(num: int, den: int) -> float:
    return num / den if den else 0.0
