"""``wiretrace stories ...``: stories, their articles, and outlets compared."""

# No ``from __future__ import annotations``: Typer reads these annotations at run time.
from pathlib import Path
from typing import Annotated

import typer

_Db = Annotated[Path, typer.Option("--db", help="SQLite store file.", envvar="WIRETRACE_DB")]
_Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    from rich.table import Table

    from ..stories import tables
    from . import fail, open_store, out
    from .safe import literal, print_json

    group = typer.Typer(
        help="Stories: articles about the same events, and how outlets differ.\n\n"
        "Example: wiretrace stories list",
        no_args_is_help=True,
    )
    app.add_typer(group, name="stories")

    def need(db: Path) -> None:
        if not db.exists():
            raise fail(f"{db}: no such store; run `wiretrace ingest PATH` and `wiretrace analyze`")

    @group.command("list")
    def list_command(db: _Db = Path("wiretrace.db"), as_json: _Json = False) -> None:
        """Stories, biggest first, with outlets, dates and their threads (sub-stories).

        Example: wiretrace stories list --json
        """
        need(db)
        with open_store(db) as store:
            rows = tables.list_stories(store)
            for row in rows:
                row["substories"] = tables.substories(store, row["id"])
        if as_json:
            print_json(rows)
            return
        table = Table("id", "articles", "outlets", "dates", "title", title=f"{len(rows)} stories")
        for s in rows:
            dates = " – ".join(sorted({(s["first"] or "")[:10], (s["last"] or "")[:10]} - {""}))
            table.add_row(
                literal(s["id"]),
                str(s["articles"]),
                literal(", ".join(s["outlets"])),
                literal(dates),
                literal(s["title"]),
            )
            for sub in s["substories"]:
                table.add_row("", str(len(sub["articles"])), "", "", literal(f"  › {sub['title']}"))
        out.print(table)

    @group.command("compare")
    def compare_command(
        story: Annotated[str, typer.Argument(help="Story id from `stories list`.")],
        db: _Db = Path("wiretrace.db"),
        as_json: _Json = False,
    ) -> None:
        """Outlets of one story side by side: what each adds, omits, quotes, counts and words.

        Example: wiretrace stories compare story-0a1b2c3d4e5f
        """
        from ..stories.compare import compare_outlets

        need(db)
        with open_store(db) as store:
            try:
                data = compare_outlets(store, story)
            except KeyError as exc:
                raise fail(f"no story {story!r}; see `wiretrace stories list`") from exc
        if as_json:
            print_json(data)
            return
        for outlet, d in data["outlets"].items():
            out.rule(literal(f"{outlet} ({len(d['articles'])} articles)"))
            for e in d["exclusive"]:
                out.print(f"  [green]only here[/] {literal(e['text'])}")
            for e in d["omits"]:
                out.print(f"  [red]omits[/] ({e['carried_by']} others) {literal(e['text'])}")
            if d["voices"]:
                out.print(
                    "  voices: "
                    + literal(", ".join(f"{v['speaker']} ×{v['quotes']}" for v in d["voices"]))
                )
            if d["figures"]:
                out.print("  figures: " + literal(", ".join(f["text"] for f in d["figures"])))
            for w in d["wording"]:
                word, instead = literal(w["word"]), literal(w["instead_of"])
                out.print(f"  wording: {word} where others say {instead}")
