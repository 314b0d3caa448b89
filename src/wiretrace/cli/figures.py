"""``wiretrace figures`` and ``wiretrace timeline``: numbers and dates from the command line."""

# No ``from __future__ import annotations``: Typer reads these annotations at run time.
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

_Db = Annotated[Path, typer.Option("--db", help="SQLite store file.", envvar="WIRETRACE_DB")]
_Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _value(value: float | tuple[float, float], qualifier: str | None) -> str:
    def num(x: float) -> str:
        return f"{x:,.0f}" if x == int(x) else f"{x:,.2f}"

    text = num(value) if not isinstance(value, tuple) else f"{num(value[0])}–{num(value[1])}"
    return f"{qualifier} {text}" if qualifier else text


def register(app: typer.Typer) -> None:
    from rich.table import Table

    from . import LazyModule, fail, open_store, out, resolve_id

    queries = LazyModule("wiretrace.figures.queries")
    from .safe import literal, print_json

    @app.command("figures")
    def figures_command(
        db: _Db = Path("wiretrace.db"),
        article: Annotated[
            str | None, typer.Option("--article", "-a", help="Only this article id.")
        ] = None,
        as_json: _Json = False,
    ) -> None:
        """Figures found (value, unit, what is counted, as of when), how sources compare
        (agree / update / conflict), and anomalies such as a misprinted year.

        Example: wiretrace figures --json
        """
        if not db.exists():
            raise fail(f"{db}: no such store; run `wiretrace ingest PATH` and `wiretrace analyze`")
        with open_store(db) as store:
            article = resolve_id(store, "article", article) if article else None
            found = queries.figures(store, article)
            groups = queries.figure_groups(store)
            flagged = queries.anomalies(store)
        if as_json:
            data = {
                "figures": [{**asdict(f), "span": f.span.as_list()} for f in found],
                "figure_groups": [asdict(g) for g in groups],
                "anomalies": [{**asdict(a), "span": a.span.as_list()} for a in flagged],
            }
            print_json(data)
            return
        table = Table("value", "unit", "what", "as of", "article", title=f"{len(found)} figures")
        for f in found:
            table.add_row(
                literal(_value(f.value, f.qualifier)),
                literal(f.unit or ""),
                literal(f.what or ""),
                literal(f.as_of or ""),
                f.article[:10],
            )
        out.print(table)
        by_id = {f.id: f for f in found}
        groups_table = Table("relation", "what", "figures", title=f"{len(groups)} figure groups")
        for g in groups:
            values = " → " if g.relation == "update" else ", "
            shown = values.join(
                " ".join(
                    x for x in (_value(by_id[i].value, by_id[i].qualifier), by_id[i].unit) if x
                )
                for i in g.figures
                if i in by_id
            )
            groups_table.add_row(g.relation, literal(g.what), literal(shown))
        out.print(groups_table)
        for a in flagged:
            out.print(f"[yellow]anomaly[/] {a.article[:10]} {literal(a.detail)}")

    @app.command("timeline")
    def timeline_command(
        db: _Db = Path("wiretrace.db"),
        story: Annotated[str | None, typer.Option("--story", help="Only this story id.")] = None,
        relative: Annotated[
            bool, typer.Option("--relative", help="Also list time expressions left relative.")
        ] = False,
        as_json: _Json = False,
    ) -> None:
        """Dated events in time order, each with its sentence and article.

        Example: wiretrace timeline --story s1 --relative
        """
        if not db.exists():
            raise fail(f"{db}: no such store; run `wiretrace ingest PATH` and `wiretrace analyze`")
        with open_store(db) as store:
            story = resolve_id(store, "story", story) if story else None
            events = queries.timeline(store, story, include_relative=relative)
        if as_json:
            rows = [
                {**asdict(e), "span": e.span.as_list(), "sentence": e.sentence.as_list()}
                for e in events
            ]
            print_json(rows)
            return
        table = Table("date", "expression", "sentence", "article", title=f"{len(events)} events")
        for e in events:
            date = e.date if e.reason is None else f"{e.date} ({e.reason})"
            sentence = (
                e.sentence_text if len(e.sentence_text) <= 140 else e.sentence_text[:137] + "…"
            )
            table.add_row(literal(date), literal(e.expression), literal(sentence), e.article[:10])
        out.print(table)
