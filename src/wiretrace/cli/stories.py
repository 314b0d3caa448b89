"""``wiretrace stories ...``: stories, their articles, and outlets compared."""

# No ``from __future__ import annotations``: Typer reads these annotations at run time.
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..config import Config
    from ..store import Store

_Db = Annotated[Path, typer.Option("--db", help="SQLite store file.", envvar="WIRETRACE_DB")]
_Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    from rich.table import Table

    from . import LazyModule, fail, open_store, out, resolve_id
    from .change import NO_STORE, change

    tables = LazyModule("wiretrace.stories.tables")
    edits = LazyModule("wiretrace.read.edits")
    from .safe import literal, print_json

    group = typer.Typer(
        help="Stories: articles about the same events, and how outlets differ.\n\n"
        "Example: wiretrace stories list",
        no_args_is_help=True,
    )
    app.add_typer(group, name="stories")

    def need(db: Path) -> None:
        if not db.exists():
            raise fail(NO_STORE.format(db=db))

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

    def edited(db: Path, action: str, make: "Callable[[Store, Config], str]") -> None:
        """Record and apply one correction through ``read.edits`` (as the web UI does)."""
        from ..config import load_config

        change(
            db,
            lambda store: make(store, load_config(None)),
            lambda story: f"{action}: done; now in {story or '(none)'} (kept on re-analysis)",
        )

    @group.command("merge")
    def merge_command(
        story: Annotated[str, typer.Argument(help="Story whose articles move.")],
        into: Annotated[str, typer.Argument(help="Story they join.")],
        db: _Db = Path("wiretrace.db"),
    ) -> None:
        """Merge one story into another; the correction is kept across re-analysis.

        Example: wiretrace stories merge story-0a1b2c3d4e5f story-9f8e7d6c5b4a
        """
        edited(db, "merge", lambda store, cfg: edits.merge_stories(store, cfg, story, into))

    @group.command("move")
    def move_command(
        article: Annotated[str, typer.Argument(help="Article id.")],
        into: Annotated[str, typer.Argument(help="Story it joins.")],
        db: _Db = Path("wiretrace.db"),
    ) -> None:
        """Move one article to another story; kept across re-analysis.

        Example: wiretrace stories move 3f2a... story-9f8e7d6c5b4a
        """
        edited(db, "move", lambda store, cfg: edits.move_article(store, cfg, article, into))

    @group.command("split")
    def split_command(
        story: Annotated[str, typer.Argument(help="Story to split.")],
        articles: Annotated[list[str], typer.Argument(help="Articles that leave it together.")],
        db: _Db = Path("wiretrace.db"),
    ) -> None:
        """Split articles out of a story into a new story of their own; kept on re-analysis.

        Example: wiretrace stories split story-0a1b2c3d4e5f 3f2a... 7b1c...
        """
        edited(db, "split", lambda store, cfg: edits.split_story(store, cfg, story, articles))

    @group.command("edits")
    def edits_command(db: _Db = Path("wiretrace.db"), as_json: _Json = False) -> None:
        """The corrections made with merge, split and move, in order.

        Example: wiretrace stories edits
        """
        need(db)
        with open_store(db) as store:
            rows = edits.story_edits(store.conn)
        if as_json:
            from ..read import plain

            print_json([plain(r) for r in rows])
            return
        for r in rows:
            out.print(f"{r.seq} {r.made_at} {r.action} {literal(r.article)} → {literal(r.target)}")

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
            data = compare_outlets(store, resolve_id(store, "story", story))
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
