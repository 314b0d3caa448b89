"""``wiretrace narratives ...``: keep the talking-point watchlist, read echoes and claims."""

# No ``from __future__ import annotations``: Typer reads these annotations at run time.
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ..store import Store

_Db = Annotated[Path, typer.Option("--db", help="SQLite store file.", envvar="WIRETRACE_DB")]
_Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
_AFTER = "run `wiretrace analyze` to find its echoes"


def register(app: typer.Typer) -> None:
    from rich.table import Table

    from . import LazyModule, console, fail, open_store, out, resolve_id
    from .change import change

    api = LazyModule("wiretrace.narratives.api")
    watchlist = LazyModule("wiretrace.narratives.watchlist")
    from .safe import literal, print_json

    def show(
        rows: list[dict[str, Any]],
        as_json: bool,
        title: str,
        columns: dict[str, Callable[[dict[str, Any]], str]],
    ) -> None:
        """Rows as JSON, or as a table: one column per heading, its cell from each row."""
        if as_json:
            print_json(rows)
            return
        table = Table(*columns, title=title)
        for row in rows:
            table.add_row(*(cell(row) for cell in columns.values()))
        out.print(table)

    group = typer.Typer(
        help="Talking points: a watchlist of narratives, their echoes, recurring claims.\n\n"
        "Example: wiretrace narratives add 'The West is to blame for the war.'",
        no_args_is_help=True,
    )
    app.add_typer(group, name="narratives")

    def need(db: Path) -> None:
        if not db.exists():
            raise fail(f"{db}: no such store; run `wiretrace ingest PATH` first")

    @group.command("add")
    def add_command(
        statement: Annotated[str, typer.Argument(help="The talking point, in one sentence.")],
        db: _Db = Path("wiretrace.db"),
        nid: Annotated[
            str | None, typer.Option("--id", help="Id (default: from the words).")
        ] = None,
        example: Annotated[
            list[str] | None, typer.Option("--example", "-e", help="A sentence that echoes it.")
        ] = None,
        notes: Annotated[str | None, typer.Option("--notes", help="Free text.")] = None,
    ) -> None:
        """Add (or replace) one narrative on the watchlist.

        Example: wiretrace narratives add "Russia is not to blame." --id not-russia
        """
        change(
            db,
            lambda store: api.add(store, statement, nid, tuple(example or ()), notes),
            lambda n: f"added {n.id}; {_AFTER}",
            refused=(watchlist.WatchlistError,),
            new_store=True,
        )

    @group.command("import")
    def import_command(
        file: Annotated[Path, typer.Argument(help="Watchlist file (.toml, .yaml or .yml).")],
        db: _Db = Path("wiretrace.db"),
    ) -> None:
        """Add every narrative of a TOML or YAML watchlist file.

        Example: wiretrace narratives import watchlist.toml
        """
        change(
            db,
            lambda store: api.import_file(store, file),
            lambda found: f"imported {len(found)} narratives from {file}; {_AFTER}",
            refused=(watchlist.WatchlistError,),
            new_store=True,
        )

    @group.command("list")
    def list_command(
        db: _Db = Path("wiretrace.db"),
        as_json: _Json = False,
        toml: Annotated[bool, typer.Option("--toml", help="Print as a watchlist file.")] = False,
    ) -> None:
        """The watchlist, with the number of echoes found for each narrative.

        Example: wiretrace narratives list --toml > watchlist.toml
        """
        need(db)
        with open_store(db) as store:
            rows = api.list_narratives(store)
        if toml:
            typer.echo(watchlist.dump_toml([n for n, _ in rows]))
            return
        if as_json:
            print_json(
                [
                    {
                        "id": n.id,
                        "statement": n.statement,
                        "examples": list(n.examples),
                        "counterexamples": list(n.counterexamples),
                        "parent": n.parent,
                        "label": n.label,
                        "notes": n.notes,
                        "echoes": k,
                    }
                    for n, k in rows
                ]
            )
            return
        table = Table("id", "statement", "examples", "echoes", title=f"{len(rows)} narratives")
        for n, k in rows:
            table.add_row(literal(n.id), literal(n.statement), str(len(n.examples)), str(k))
        out.print(table)

    @group.command("remove")
    def remove_command(
        nid: Annotated[str, typer.Argument(help="Narrative id.")], db: _Db = Path("wiretrace.db")
    ) -> None:
        """Drop a narrative and its echoes from the watchlist.

        Example: wiretrace narratives remove sovereignty
        """
        from ..narratives.tables import remove_narrative
        from ..read import resolve

        def remove(store: "Store") -> str:
            found = resolve(store.conn, "narrative", nid)
            remove_narrative(store, found)
            return found

        change(db, remove, lambda found: f"removed {found}")

    @group.command("hits")
    def hits_command(
        nid: Annotated[str, typer.Argument(help="Narrative id.")],
        db: _Db = Path("wiretrace.db"),
        as_json: _Json = False,
        unsure: Annotated[
            bool,
            typer.Option(
                "--unsure",
                help="Unjudged echoes nearest the narrative's threshold first (judge those).",
            ),
        ] = False,
    ) -> None:
        """Every sentence that echoes a narrative: score, speaker, outlet, date, verdict.

        Example: wiretrace narratives hits sovereignty --unsure
        """
        need(db)
        with open_store(db) as store:
            rows = api.hits(store, resolve_id(store, "narrative", nid), unsure)
        t = next((h["threshold"] for h in rows if h["threshold"] is not None), None)
        order = ", unsure first" if unsure else ""
        if unsure and t is not None:
            order += f" (threshold {t:.3f})"
        show(
            rows,
            as_json,
            f"{len(rows)} echoes{order}",
            {
                "id": lambda h: literal(h["id"]),
                "score": lambda h: f"{h['score']:.3f}",
                "date": lambda h: literal((h["published"] or "")[:10]),
                "outlet": lambda h: literal(h["outlet"] or ""),
                "speaker": lambda h: literal(h["speaker"] or ""),
                "verdict": lambda h: {None: "", True: "right", False: "wrong"}[h["verdict"]],
                "sentence": lambda h: literal(
                    ("[title] " if h["part"] == "title" else "") + (h["sentence"] or "")
                ),
            },
        )

    @group.command("spread")
    def spread_command(
        nid: Annotated[str, typer.Argument(help="Narrative id.")],
        db: _Db = Path("wiretrace.db"),
        as_json: _Json = False,
    ) -> None:
        """How a narrative spread: echoes per date for each outlet and each speaker.

        Example: wiretrace narratives spread sovereignty
        """
        need(db)
        with open_store(db) as store:
            data = api.spread(store, resolve_id(store, "narrative", nid))
        if as_json:
            print_json(data)
            return
        for what in ("by_outlet", "by_speaker"):
            table = Table(what.replace("by_", ""), "echoes per date", title=what.replace("_", " "))
            for name, days in data[what].items():
                per_day = ", ".join(f"{d}: {k}" for d, k in days.items())
                table.add_row(literal(name), literal(per_day))
            out.print(table)

    @group.command("claims")
    def claims_command(
        db: _Db = Path("wiretrace.db"),
        top: Annotated[int, typer.Option("--top", "-n", help="How many to show.")] = 20,
        as_json: _Json = False,
    ) -> None:
        """Recurring claims found without a watchlist, widest spread first.

        Example: wiretrace narratives claims --top 5
        """
        need(db)
        with open_store(db) as store:
            rows = api.claims(store, top)
        show(
            rows,
            as_json,
            "recurring claims",
            {
                "#": lambda c: str(c["rank"]),
                "id": lambda c: literal(c["id"]),
                "outlets": lambda c: str(c["outlets"]),
                "speakers": lambda c: str(c["speakers"]),
                "articles": lambda c: str(c["articles"]),
                "claim": lambda c: literal(c["text"]),
            },
        )
        if rows and not as_json:
            console.print("promote one to the watchlist: wiretrace narratives promote ID")

    @group.command("promote")
    def promote_command(
        claim_id: Annotated[str, typer.Argument(help="Claim id from `narratives claims`.")],
        db: _Db = Path("wiretrace.db"),
        nid: Annotated[str | None, typer.Option("--id", help="Id for the narrative.")] = None,
    ) -> None:
        """Put a discovered recurring claim on the watchlist.

        Example: wiretrace narratives promote claim-3f2a9c01de
        """
        from ..read import resolve

        change(
            db,
            lambda store: api.promote(store, resolve(store.conn, "claim", claim_id), nid),
            lambda n: f"added {n.id} with {len(n.examples)} examples; {_AFTER}",
            refused=(watchlist.WatchlistError,),
        )

    @group.command("learn")
    def learn_command(
        labels: Annotated[
            Path,
            typer.Argument(
                help="Label file: TSV (document, narratives;…, sub-narratives;…) or JSONL."
            ),
        ],
        db: _Db = Path("wiretrace.db"),
    ) -> None:
        """Learn narratives from documents a user has labelled.

        Each line names a document as ingested (its file name) and the narratives it
        carries; labels not on the watchlist are added (sub-narratives under their
        narrative). The next `wiretrace analyze` trains a classifier per labelled narrative.

        Example: wiretrace narratives learn labels.tsv
        """
        need(db)
        from ..narratives.labels import LabelFileError

        with open_store(db) as store:
            try:
                report = api.learn(store, labels)
            except (LabelFileError, watchlist.WatchlistError) as exc:
                raise fail(str(exc)) from exc
        console.print(
            f"{report.documents} documents matched, {len(report.added)} narratives added, "
            f"{report.examples} labelled examples stored; run `wiretrace analyze` to train"
        )
        if report.unmatched:
            shown = ", ".join(literal(n) for n in report.unmatched[:5])
            more = len(report.unmatched) - 5
            console.print(
                f"{len(report.unmatched)} documents not in the store: {shown}"
                + (f" and {more} more" if more > 0 else "")
            )
        if not report.documents:
            raise fail("no labelled document is in the store; ingest them first")

    @group.command("labels")
    def labels_command(
        db: _Db = Path("wiretrace.db"),
        fmt: Annotated[str, typer.Option("--format", help="tsv or jsonl.")] = "tsv",
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="File (default: stdout).")
        ] = None,
    ) -> None:
        """The narratives each document carries, in the label-file layout `learn` reads.

        Example: wiretrace narratives labels --format tsv -o predicted.tsv
        """
        need(db)
        if fmt not in ("tsv", "jsonl"):
            raise fail(f"unknown format {fmt!r}; use tsv or jsonl")
        from ..narratives.labels import format_labels

        with open_store(db) as store:
            text = format_labels(api.predicted_labels(store), fmt)
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            console.print(f"wrote {output}")

    @group.command("judge")
    def judge_command(
        hit: Annotated[str, typer.Argument(help="Echo id from `narratives hits`.")],
        verdict: Annotated[str, typer.Argument(help="right or wrong.")],
        db: _Db = Path("wiretrace.db"),
    ) -> None:
        """Mark an echo right or wrong; judgements train the narrative's classifier.

        Example: wiretrace narratives judge west-to-blame:3f2a9c01de0b4411:120 wrong
        """
        if verdict not in ("right", "wrong"):
            raise fail(f"verdict must be right or wrong, not {verdict!r}", 2)
        change(
            db,
            lambda store: api.judge(store, hit, verdict == "right"),
            lambda _: f"judged {hit} {verdict}; run `wiretrace analyze` to retrain",
            refused=(watchlist.WatchlistError,),
        )
