"""``wiretrace reuse``: who took which passage from whom, and an article's provenance."""

# No ``from __future__ import annotations``: Typer reads these annotations at run time.
from pathlib import Path
from typing import Annotated

import typer

_Db = Annotated[Path, typer.Option("--db", help="SQLite store file.", envvar="WIRETRACE_DB")]
_Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _snippet(text: str, start: int, end: int, width: int = 70) -> str:
    piece = " ".join(text[start:end].split())
    return piece if len(piece) <= width else piece[: width - 1] + "…"


def register(app: typer.Typer) -> None:
    from rich.table import Table

    from . import LazyModule, choice, fail, open_store, out, resolve_id

    queries = LazyModule("wiretrace.reuse.queries")
    from .safe import literal, print_json

    @app.command("reuse")
    def reuse_command(
        db: _Db = Path("wiretrace.db"),
        article: Annotated[
            str | None, typer.Option("--article", "-a", help="Only links touching this article id.")
        ] = None,
        kind: Annotated[
            str | None, typer.Option("--kind", help="verbatim, near-verbatim, paraphrase or quote.")
        ] = None,
        as_json: _Json = False,
    ) -> None:
        """Reused passages (source -> derived) and, with --article, its provenance.

        Example: wiretrace reuse --kind paraphrase
        """
        if not db.exists():
            raise fail(f"{db}: no such store; run `wiretrace ingest PATH` and `wiretrace analyze`")
        choice(kind, ("verbatim", "near-verbatim", "paraphrase", "quote"), "kind")
        with open_store(db) as store:
            article = resolve_id(store, "article", article) if article else None
            found = queries.links(store, article=article, kind=kind)
            texts = {
                a.id: a
                for a in store.iter_articles({x for lk in found for x in (lk.source, lk.derived)})
            }
            prov = queries.provenance(store, article) if article else None
            summary = queries.summary(store)
        if as_json:
            print_json(
                {
                    "summary": summary,
                    "links": [
                        {
                            "source": lk.source,
                            "derived": lk.derived,
                            "source_span": lk.source_span.as_list(),
                            "derived_span": lk.derived_span.as_list(),
                            "kind": lk.kind,
                            "score": lk.score,
                        }
                        for lk in found
                    ],
                    "provenance": None
                    if prov is None
                    else {
                        "article": prov.article,
                        "sources": [{"source": s, "share": v} for s, v in prov.sources],
                        "unsourced": [s.as_list() for s in prov.unsourced],
                        "duplicate_of": prov.duplicate_of,
                    },
                }
            )
            return
        table = Table(
            "kind",
            "score",
            "source",
            "derived",
            "source passage",
            "derived passage",
            title=f"{len(found)} reuse links",
        )
        for lk in found:
            src, der = texts[lk.source], texts[lk.derived]
            table.add_row(
                lk.kind,
                f"{lk.score:.2f}",
                literal(src.title or lk.source),
                literal(der.title or lk.derived),
                literal(_snippet(src.text, lk.source_span.start, lk.source_span.end)),
                literal(_snippet(der.text, lk.derived_span.start, lk.derived_span.end)),
            )
        out.print(table)
        if prov is not None:
            out.print(f"provenance of {literal(prov.article)}:")
            for source, share in prov.sources:
                out.print(f"  {share:6.1%} from {literal(source)}")
            if prov.duplicate_of:
                out.print(f"  near-duplicate of {literal(prov.duplicate_of)}")
            out.print(f"  {len(prov.unsourced)} unsourced passage(s) with no attribution")
        out.print(" ".join(f"{k}={v}" for k, v in summary.items()))
