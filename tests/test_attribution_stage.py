"""The attribution and statements stages over a store: incremental, canonical speakers,
statements across articles that never mix speakers, library queries and commands."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from wiretrace.attribution import queries
from wiretrace.config import Config
from wiretrace.models import RawDocument
from wiretrace.pipeline import Pipeline
from wiretrace.store import Store

pytestmark = pytest.mark.slow

ARTICLE_A = (
    "Flood waters reached the old town on Monday.\n"
    "“We will rebuild every bridge that was lost before the winter comes,” "
    "Interior Minister Rui Salgado said.\n"
    "Opposition leader Mara Quint said the government had ignored every warning about the dam.\n"
)
ARTICLE_B = (
    "The river fell overnight.\n"
    "Salgado promised that all the destroyed bridges would be rebuilt before winter.\n"
    "“The government ignored all the warnings about the dam,” Quint told reporters.\n"
    "“The government heard no warnings about the dam,” said Rui Salgado.\n"
)


@pytest.fixture(scope="module")
def analysed() -> Iterator[Store]:
    store = Store(":memory:")
    store.add_documents(
        [
            RawDocument(source="a.txt", content=ARTICLE_A, fmt="text", outlet="Herald"),
            RawDocument(source="b.txt", content=ARTICLE_B, fmt="text", outlet="Courier"),
        ]
    )
    Pipeline.default().run(store, Config(), until="statements")
    yield store
    store.close()


def test_quotes_and_canonical_speakers(analysed: Store) -> None:
    salgado = queries.quotes(analysed, speaker="Salgado")
    assert {q.speaker for q in salgado} == {"Rui Salgado"}
    assert len(salgado) == 3
    assert {q.kind for q in salgado} == {"direct", "indirect"}
    by_role = queries.quotes(analysed, speaker="Interior Minister")
    assert {q.speaker for q in by_role} == {"Rui Salgado"}
    speakers = {s.name: s for s in queries.all_speakers(analysed)}
    assert speakers["Rui Salgado"].kind == "person"
    assert speakers["Rui Salgado"].role == "Interior Minister"


def test_statements_group_rewordings_and_never_mix_speakers(analysed: Store) -> None:
    views = queries.statement_views(analysed)
    for view in views:
        assert {q.speaker for _, q in view.versions} == {view.speaker}
    bridges = [v for v in views if any("bridge" in q.text for _, q in v.versions)]
    assert len(bridges) == 1
    assert {o for o, _ in bridges[0].versions} == {"Herald", "Courier"}
    dam = [v for v in views if any("dam" in q.text for _, q in v.versions)]
    # Quint's claim and Salgado's denial are alike in words but not one statement.
    assert all(v.speaker == "Mara Quint" for v in dam)


def test_rerun_is_incremental(analysed: Store) -> None:
    before = analysed.count("quotes")
    reports = {r.stage: r for r in Pipeline.default().run(analysed, Config(), until="statements")}
    assert reports["attribution"].processed == 0
    assert reports["statements"].processed == 0
    assert analysed.count("quotes") == before


def test_commands(analysed: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from wiretrace.cli.attribution import register

    db = tmp_path / "w.db"
    analysed.conn.execute("VACUUM INTO ?", (str(db),))
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["quotes", "--db", str(db), "--speaker", "Quint", "--json"])
    assert result.exit_code == 0, result.output
    assert "Mara Quint" in result.output and "Rui Salgado" not in result.output
    result = CliRunner().invoke(app, ["statements", "--db", str(db)])
    assert result.exit_code == 0 and "Courier" in result.output
    result = CliRunner().invoke(app, ["quotes", "--db", str(tmp_path / "none.db")])
    assert result.exit_code != 0
