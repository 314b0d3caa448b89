"""The talking-point watchlist: narratives a user keeps in a TOML or YAML file or in the store.

File format (TOML; YAML takes the same keys as a list or under ``narratives``)::

    [[narrative]]
    id = "west-to-blame"
    statement = "The West pressured the prime minister and shares responsibility."
    examples = ["an optional sentence that echoes it"]
    counterexamples = ["an optional sentence on the same topic that does not"]
    parent = "id of a broader narrative (optional)"
    label = "its label in an external taxonomy (optional)"
    notes = "optional free text"

Examples and counter-examples are training data as well as extra statements to match: a
narrative with labelled examples (these, judged echoes, labelled documents) gets a
classifier of its own (``learn.py``).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import Narrative
from ..store import content_hash


class WatchlistError(ValueError):
    """A watchlist file is unreadable or an entry lacks a statement."""


def narrative_id(statement: str) -> str:
    """A readable, stable id from the first words of the statement."""
    words = [w.strip(".,;:!?\"'()“”‘’").lower() for w in statement.split()]
    slug = "-".join(w for w in words if w.isalnum())[:40].strip("-") or "narrative"
    digest = hashlib.sha256(statement.encode("utf-8")).hexdigest()[:6]
    return f"{slug}-{digest}"


def _entry(raw: Mapping[str, Any], where: str) -> Narrative:
    statement = raw.get("statement")
    if not isinstance(statement, str) or not statement.strip():
        raise WatchlistError(f"{where}: every narrative needs a non-empty 'statement'")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise WatchlistError(f"{where}: unknown key(s) {', '.join(unknown)}")
    lists = {}
    for key in ("examples", "counterexamples"):
        values = raw.get(key) or []
        if isinstance(values, str):
            values = [values]
        if not all(isinstance(e, str) for e in values):
            raise WatchlistError(f"{where}: '{key}' must be a list of sentences")
        lists[key] = tuple(e.strip() for e in values if e.strip())
    notes, parent, label = raw.get("notes"), raw.get("parent"), raw.get("label")
    return Narrative(
        id=str(raw.get("id") or narrative_id(statement)),
        statement=statement.strip(),
        examples=lists["examples"],
        notes=None if notes is None else str(notes),
        parent=None if parent is None else str(parent),
        label=None if label is None else str(label),
        counterexamples=lists["counterexamples"],
    )


KEYS = frozenset({"id", "statement", "examples", "counterexamples", "parent", "label", "notes"})


def parse_watchlist(text: str, fmt: str, where: str = "watchlist") -> list[Narrative]:
    """Narratives from TOML (``fmt="toml"``) or YAML text."""
    data: Any
    try:
        if fmt == "toml":
            data = tomllib.loads(text)
        else:
            import yaml  # type: ignore[import-untyped]

            data = yaml.safe_load(text)
    except Exception as exc:  # both parsers raise their own error types
        raise WatchlistError(f"{where}: cannot parse ({exc})") from exc
    if isinstance(data, Mapping):
        data = data.get("narrative", data.get("narratives", []))
    if data is None:
        data = []
    if not isinstance(data, list) or not all(isinstance(d, Mapping) for d in data):
        raise WatchlistError(f"{where}: expected a list of narratives")
    narratives = [_entry(d, f"{where}[{i}]") for i, d in enumerate(data)]
    ids = [n.id for n in narratives]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise WatchlistError(f"{where}: duplicate id(s) {', '.join(dupes)}")
    for n in narratives:
        if n.parent == n.id:
            raise WatchlistError(f"{where}: {n.id} cannot be its own parent")
    return narratives


def read_watchlist(path: str | Path) -> list[Narrative]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WatchlistError(f"{path}: cannot read ({exc})") from exc
    fmt = "toml" if path.suffix.lower() == ".toml" else "yaml"
    return parse_watchlist(text, fmt, str(path))


def dump_toml(narratives: Iterable[Narrative]) -> str:
    """The watchlist as a TOML file (what ``read_watchlist`` reads back)."""
    out: list[str] = []
    for n in narratives:
        out.append("[[narrative]]")
        out.append(f"id = {json.dumps(n.id, ensure_ascii=False)}")
        out.append(f"statement = {json.dumps(n.statement, ensure_ascii=False)}")
        if n.examples:
            out.append(f"examples = {json.dumps(list(n.examples), ensure_ascii=False)}")
        if n.counterexamples:
            values = json.dumps(list(n.counterexamples), ensure_ascii=False)
            out.append(f"counterexamples = {values}")
        for key in ("parent", "label"):
            value = getattr(n, key)
            if value:
                out.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        if n.notes:
            out.append(f"notes = {json.dumps(n.notes, ensure_ascii=False)}")
        out.append("")
    return "\n".join(out)


def watchlist_key(narratives: Sequence[Narrative]) -> str:
    """Changes whenever a statement or example changes, so echoes are re-matched."""
    payload = json.dumps(
        [[n.id, n.statement, list(n.examples), list(n.counterexamples)] for n in narratives]
    )
    return content_hash(payload)


# -- labelled examples (training data of learnt narratives) -------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    """A judged document (``article``) or sentence (``text``) for one narrative."""

    narrative: str
    positive: bool
    article: str | None = None
    text: str | None = None
    origin: str = "labels"  # "labels" (a label file), "judge" (a judged echo)


def examples_key(examples: Sequence[Example]) -> str:
    """Changes whenever an example is added, removed or relabelled."""
    payload = json.dumps(
        sorted(json.dumps([e.narrative, e.positive, e.article, e.text]) for e in examples)
    )
    return content_hash(payload)
