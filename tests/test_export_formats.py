"""Every export format loads back in the usual dataframe tools, and ``eval`` fails loudly."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from wiretrace.cli import app
from wiretrace.export import TABLE_COLUMNS, export
from wiretrace.store import Store

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _copy_db(src: Path, dst: Path) -> Path:
    """A private copy of a shared store (eval re-runs the pipeline on the store it scores)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


@pytest.fixture(scope="module")
def exported(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("export")
    with Store(demo_db) as store:
        json_file = export(store, "json", out / "export.json")[0]
        export(store, "csv", out / "csv")
        export(store, "parquet", out / "parquet")
    return {"json": json_file, "csv": out / "csv", "parquet": out / "parquet"}


def test_every_section_has_declared_columns(demo_export: dict[str, list[dict[str, Any]]]) -> None:
    # A section or field added to the JSON export without a column type would be dropped.
    assert set(demo_export) == set(TABLE_COLUMNS)
    for section, rows in demo_export.items():
        declared = [name for name, _ in TABLE_COLUMNS[section]]
        for row in rows:
            assert list(row) == declared, section


def test_parquet_tables_are_typed(
    exported: dict[str, Path], demo_export: dict[str, list[dict[str, Any]]]
) -> None:
    files = sorted(exported["parquet"].glob("*.parquet"))
    assert {f.stem for f in files} == set(demo_export)
    for f in files:
        table = pq.read_table(f)
        assert table.num_rows == len(demo_export[f.stem]), f.stem
    quotes = pq.read_table(exported["parquet"] / "quotes.parquet")
    assert quotes.schema.field("span_start").type == pa.int64()
    assert quotes.schema.field("parts").type == pa.list_(pa.list_(pa.int64()))
    first = demo_export["quotes"][0]
    assert quotes.column("span_start")[0].as_py() == first["span"][0]
    assert quotes.column("span_end")[0].as_py() == first["span"][1]
    assert quotes.column("parts")[0].as_py() == first["parts"]
    figures = pq.read_table(exported["parquet"] / "figures.parquet")
    assert figures.schema.field("value").type == pa.list_(pa.float64())
    ranges = [f["value"] for f in demo_export["figures"] if isinstance(f["value"], list)]
    assert ranges, "the demo has figure ranges; they must survive as two numbers"
    values = figures.column("value").to_pylist()
    assert [float(v) for v in ranges[0]] in values
    assert all(v is None or len(v) in (1, 2) for v in values)


def test_csv_tables_have_headers_and_rows(
    exported: dict[str, Path], demo_export: dict[str, list[dict[str, Any]]]
) -> None:
    files = sorted(exported["csv"].glob("*.csv"))
    assert {f.stem for f in files} == set(demo_export)
    for f in files:
        with f.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert header, f"{f.name}: no header"
        table = pacsv.read_csv(f)
        assert table.column_names == header
        assert table.num_rows == len(demo_export[f.stem]), f.stem
    reuse = pacsv.read_csv(exported["csv"] / "reuse.csv")
    if reuse.num_rows:
        assert pa.types.is_integer(reuse.schema.field("source_span_start").type)


def test_empty_tables_keep_their_columns(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.db") as store:
        export(store, "csv", tmp_path / "csv")
        export(store, "parquet", tmp_path / "parquet")
    with (tmp_path / "csv" / "quotes.csv").open(encoding="utf-8") as fh:
        assert next(csv.reader(fh))[:4] == ["id", "article", "span_start", "span_end"]
    table = pq.read_table(tmp_path / "parquet" / "quotes.parquet")
    assert table.num_rows == 0
    assert table.schema.field("span_start").type == pa.int64()


def test_every_format_loads_in_pandas(
    exported: dict[str, Path], demo_export: dict[str, list[dict[str, Any]]]
) -> None:
    pd = pytest.importorskip("pandas", reason="pandas not installed in this environment")
    data = json.loads(exported["json"].read_text(encoding="utf-8"))
    for section, rows in demo_export.items():
        assert len(pd.DataFrame(data[section])) == len(rows)
        assert len(pd.read_csv(exported["csv"] / f"{section}.csv")) == len(rows)
        assert len(pd.read_parquet(exported["parquet"] / f"{section}.parquet")) == len(rows)


def test_eval_exits_1_when_a_pass_mark_fails(demo_db: Path, tmp_path: Path) -> None:
    gold = json.loads((EXAMPLES / "gold.json").read_text(encoding="utf-8"))
    doc = gold["quotes"][0]["doc"]
    never_said = {"doc": doc, "speaker": "Nobody", "kind": "direct", "text": "Zebras ate it."}
    small = tmp_path / "gold.json"
    small.write_text(json.dumps({"documents": gold["documents"], "quotes": [never_said]}))
    db = _copy_db(demo_db, tmp_path / "d.db")
    result = runner.invoke(app, ["eval", str(small), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output
    assert "quotes/recall" in result.output


def test_eval_exit_code_follows_the_pass_marks(demo_db: Path, tmp_path: Path) -> None:
    db = _copy_db(demo_db, tmp_path / "d.db")
    result = runner.invoke(app, ["eval", str(EXAMPLES / "gold.json"), "--db", str(db), "--json"])
    metrics = json.loads(result.stdout)
    failed = [m for m in metrics if m["passed"] is False]
    assert any(m["passed"] for m in metrics)
    assert result.exit_code == (1 if failed else 0), failed
