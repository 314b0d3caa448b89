"""Document labels: which narratives (and sub-narratives) a user says each document carries.

A label file is how judged documents become training data, and how predictions are written
back out in the same layout. Two formats:

- TSV, one line per document: the document's file name as ingested, its narrative labels
  joined by ``;``, optionally a third column with its sub-narrative labels joined by ``;``.
  A sub-narrative label starts with its narrative (``"URW: Blaming the war on others:
  The West are the aggressors"``); ``Other`` alone means no narrative applies, and
  ``<narrative>: Other`` means the narrative applies but none of its sub-narratives.
- JSONL, one object per document: ``{"document": NAME, "narratives": [...],
  "subnarratives": [...]}`` (``file``/``doc``/``id`` are accepted for ``document``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

OTHER = "Other"


class LabelFileError(ValueError):
    """A label file is unreadable or a line is malformed."""


@dataclass(frozen=True, slots=True)
class DocumentLabels:
    """The labels of one document; ``Other`` alone (or nothing) means no narrative."""

    document: str
    narratives: tuple[str, ...]
    subnarratives: tuple[str, ...] = ()

    @property
    def carried(self) -> tuple[str, ...]:
        """Narratives and sub-narratives the document carries (``Other`` markers left out)."""
        subs = tuple(s for s in self.subnarratives if not _is_other(s))
        return tuple(dict.fromkeys(n for n in (*self.narratives, *subs) if n != OTHER))

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label but ``Other`` alone: ``<narrative>: Other`` is a label a classifier can
        learn too (the narrative applies, none of its listed sub-narratives does)."""
        both = (*self.narratives, *self.subnarratives)
        return tuple(dict.fromkeys(n for n in both if n != OTHER))


def _is_other(label: str) -> bool:
    return label == OTHER or label.endswith(": " + OTHER)


def _split(field: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in field.split(";") if p.strip()))


def parent_of(sub: str, narratives: Iterable[str]) -> str | None:
    """The narrative a sub-narrative label belongs to: the longest narrative it extends."""
    best = None
    for n in narratives:
        if sub.startswith(n + ": ") and (best is None or len(n) > len(best)):
            best = n
    return best


def parse_labels(text: str, fmt: str, where: str = "labels") -> list[DocumentLabels]:
    """Labels from TSV (``fmt="tsv"``) or JSONL text."""
    out: list[DocumentLabels] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if fmt == "tsv":
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) < 2 or len(cols) > 3 or not cols[0].strip():
                raise LabelFileError(
                    f"{where}:{number}: expected 2 or 3 tab-separated columns "
                    "(document, narratives, sub-narratives)"
                )
            subs = _split(cols[2]) if len(cols) == 3 else ()
            out.append(DocumentLabels(cols[0].strip(), _split(cols[1]), subs))
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelFileError(f"{where}:{number}: not JSON ({exc.msg})") from exc
        name = next((raw.get(k) for k in ("document", "file", "doc", "id") if raw.get(k)), None)
        if not isinstance(raw, dict) or not isinstance(name, str):
            raise LabelFileError(f"{where}:{number}: an object with a 'document' name is needed")
        fields = []
        for key in ("narratives", "subnarratives"):
            value = raw.get(key) or []
            if isinstance(value, str):
                value = _split(value)
            if not all(isinstance(v, str) for v in value):
                raise LabelFileError(f"{where}:{number}: '{key}' must be a list of labels")
            fields.append(tuple(dict.fromkeys(v.strip() for v in value if v.strip())))
        out.append(DocumentLabels(name, fields[0], fields[1]))
    names = [d.document for d in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise LabelFileError(f"{where}: document(s) labelled twice: {', '.join(dupes[:5])}")
    return out


def read_labels(path: str | Path) -> list[DocumentLabels]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LabelFileError(f"{path}: cannot read ({exc})") from exc
    fmt = "jsonl" if path.suffix.lower() in (".jsonl", ".json", ".ndjson") else "tsv"
    return parse_labels(text, fmt, str(path))


def format_labels(rows: Sequence[DocumentLabels], fmt: str = "tsv") -> str:
    """Labels in the layout ``parse_labels`` reads (``Other`` where nothing applies)."""
    lines = []
    for r in rows:
        narratives = r.narratives or (OTHER,)
        subs = r.subnarratives or (OTHER,)
        if fmt == "tsv":
            lines.append(f"{r.document}\t{';'.join(narratives)}\t{';'.join(subs)}")
        else:
            lines.append(
                json.dumps(
                    {
                        "document": r.document,
                        "narratives": list(narratives),
                        "subnarratives": list(subs),
                    },
                    ensure_ascii=False,
                )
            )
    return "\n".join(lines) + ("\n" if lines else "")


def complete(narratives: Iterable[str], subnarratives: Iterable[str]) -> DocumentLabels:
    """A prediction in the task's conventions: every sub-narrative's parent is a narrative,
    a narrative without a predicted sub-narrative gets ``<narrative>: Other``, and a
    document with nothing gets ``Other``. (The document name is left empty.)"""
    coarse = [n for n in dict.fromkeys(narratives) if n != OTHER]
    fine = [s for s in dict.fromkeys(subnarratives) if s != OTHER]
    for s in fine:
        parent = parent_of(s, coarse)
        if parent is None:
            parent = s.rsplit(": ", 1)[0]
            coarse.append(parent)
    for n in coarse:
        if not any(s.startswith(n + ": ") for s in fine):
            fine.append(f"{n}: {OTHER}")
    if not coarse:
        return DocumentLabels("", (OTHER,), (OTHER,))
    return DocumentLabels("", tuple(coarse), tuple(fine))
