"""``wiretrace quotes`` and ``wiretrace statements``: who said what, from the command line."""

# No ``from __future__ import annotations``: Typer reads these annotations at run time.
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..store import Store

_Db = Annotated[Path, typer.Option("--db", help="SQLite store file.", envvar="WIRETRACE_DB")]
_Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    from rich.table import Table

    from . import choice, console, fail, open_store, out
    from .safe import literal, print_json

    def unknown_speaker(store: "Store", speaker: str) -> typer.Exit:
        """No quote names this speaker: exit 2 with the closest speakers."""
        from ..read import suggest

        guesses = suggest(store.conn, "speaker", speaker)
        hint = f"; did you mean {', '.join(guesses)}?" if guesses else ""
        return fail(f"no speaker matching {speaker!r}{hint}", 2)

    @app.command("quotes")
    def quotes_command(
        db: _Db = Path("wiretrace.db"),
        speaker: Annotated[
            str | None, typer.Option("--speaker", "-s", help="Any name or role of the speaker.")
        ] = None,
        kind: Annotated[
            str | None, typer.Option("--kind", help="direct, indirect or mixed.")
        ] = None,
        as_json: _Json = False,
    ) -> None:
        """Quotes found in the analysed articles, with cue, speaker and kind.

        Example: wiretrace quotes --speaker Peskov
        """
        if not db.exists():
            raise fail(f"{db}: no such store; run `wiretrace ingest PATH` and `wiretrace analyze`")
        choice(kind, ("direct", "indirect", "mixed"), "kind")
        with open_store(db) as store:
            from ..attribution import queries  # spaCy-backed: imported only when the command runs

            found = queries.quotes(store, speaker=speaker, kind=kind)
            if speaker and not found and not queries.quotes(store, speaker=speaker):
                raise unknown_speaker(store, speaker)
        if as_json:
            rows = [
                {
                    "id": q.id,
                    "article": q.article,
                    "span": q.span.as_list(),
                    "text": q.text,
                    "kind": q.kind,
                    "speaker": q.speaker,
                    "cue": q.cue,
                }
                for q in found
            ]
            print_json(rows)
            return
        table = Table("speaker", "kind", "cue", "quote", "article", title=f"{len(found)} quotes")
        for q in found:
            table.add_row(
                literal(q.speaker or "(unknown)"),
                q.kind,
                literal(q.cue or ""),
                literal(q.text),
                q.article[:8],
            )
        out.print(table)
        if not found:
            console.print("no quotes; has `wiretrace analyze` run?")

    @app.command("statements")
    def statements_command(
        db: _Db = Path("wiretrace.db"),
        speaker: Annotated[
            str | None, typer.Option("--speaker", "-s", help="Only this speaker's statements.")
        ] = None,
        as_json: _Json = False,
    ) -> None:
        """Statements quoted by several outlets, each outlet's version side by side.

        Example: wiretrace statements --speaker "Foreign Ministry"
        """
        if not db.exists():
            raise fail(f"{db}: no such store; run `wiretrace ingest PATH` and `wiretrace analyze`")
        with open_store(db) as store:
            from ..attribution import queries

            found = queries.statement_views(store, speaker=speaker)
            if speaker and not found and not queries.quotes(store, speaker=speaker):
                raise unknown_speaker(store, speaker)
        if as_json:
            rows = [
                {
                    "id": s.id,
                    "speaker": s.speaker,
                    "versions": [
                        {"outlet": o, "article": q.article, "kind": q.kind, "text": q.text}
                        for o, q in s.versions
                    ],
                }
                for s in found
            ]
            print_json(rows)
            return
        for s in found:
            table = Table("outlet", "kind", "version", title=literal(s.speaker or "(unknown)"))
            for outlet, q in s.versions:
                table.add_row(literal(outlet or q.article[:8]), q.kind, literal(q.text))
            out.print(table)
        console.print(f"{len(found)} statements reported by more than one article")
