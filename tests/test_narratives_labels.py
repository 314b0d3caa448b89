"""Document label files (TSV / JSONL) and the document-level label F1."""

from __future__ import annotations

import pytest

from wiretrace.evaluation.narratives import label_f1
from wiretrace.narratives.labels import (
    DocumentLabels,
    LabelFileError,
    complete,
    format_labels,
    parent_of,
    parse_labels,
)

TSV = (
    "a.txt\tCC: Denial\tCC: Denial: Ice is not melting\n"
    "b.txt\tOther\tOther\n"
    "c.txt\tURW: Blame;URW: Fear\tURW: Blame: Other;URW: Fear: Nuclear\n"
)


def test_tsv_roundtrip_and_carried_labels() -> None:
    rows = parse_labels(TSV, "tsv")
    assert [r.document for r in rows] == ["a.txt", "b.txt", "c.txt"]
    assert rows[1].carried == ()
    assert rows[2].carried == ("URW: Blame", "URW: Fear", "URW: Fear: Nuclear")
    assert parse_labels(format_labels(rows), "tsv") == rows
    assert parse_labels(format_labels(rows, "jsonl"), "jsonl") == rows


def test_two_column_tsv_and_jsonl_aliases() -> None:
    assert parse_labels("x.txt\tA;B\n", "tsv") == [DocumentLabels("x.txt", ("A", "B"))]
    rows = parse_labels('{"file": "x.txt", "narratives": "A;B"}\n', "jsonl")
    assert rows == [DocumentLabels("x.txt", ("A", "B"))]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("only-one-column\n", "tsv"),
        ("a\tb\tc\td\n", "tsv"),
        ("{not json\n", "jsonl"),
        ('{"narratives": []}\n', "jsonl"),
        ("a.txt\tA\na.txt\tB\n", "tsv"),
    ],
)
def test_malformed_label_files_are_refused(text: str, fmt: str) -> None:
    with pytest.raises(LabelFileError):
        parse_labels(text, fmt)


def test_complete_follows_the_task_conventions() -> None:
    assert complete([], []) == DocumentLabels("", ("Other",), ("Other",))
    got = complete(["A"], ["B: x"])
    assert got.narratives == ("A", "B") and got.subnarratives == ("B: x", "A: Other")
    assert parent_of("A: B: c", ["A", "A: B"]) == "A: B"


def test_label_f1_per_document_average() -> None:
    gold = {d.document: d for d in parse_labels(TSV, "tsv")}
    assert label_f1(gold, gold) == {"coarse_f1": 1.0, "fine_f1": 1.0, "documents": 3}
    nothing = label_f1(gold, {})
    assert nothing["coarse_f1"] == pytest.approx(1 / 3)
    half = {"c.txt": DocumentLabels("c.txt", ("URW: Blame",), ("URW: Blame: Other",))}
    got = label_f1(gold, half)
    # a.txt 0, b.txt 1 (Other = Other), c.txt 2*1/(2+1)
    assert got["coarse_f1"] == pytest.approx((0 + 1 + 2 / 3) / 3)
    assert got["fine_f1"] == pytest.approx((0 + 1 + 2 / 3) / 3)
