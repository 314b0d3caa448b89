"""``wiretrace speakers``: who the corpus's speakers are, why names were joined, and a
user's corrections (merge, split, rename): recorded at once, applied by the next
``wiretrace analyze``, kept across every re-analysis."""

# No ``from __future__ import annotations``: Typer reads these annotations at run time.
from pathlib import Path
from typing import Annotated

import typer

_Db = Annotated[Path, typer.Option("--db", help="SQLite store file.", envvar="WIRETRACE_DB")]
_Json = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    from rich.table import Table

    from . import fail, open_store, out
    from .change import NO_STORE, change
    from .safe import literal, print_json

    group = typer.Typer(
        help="Canonical speakers: list, show the evidence, merge, split, rename.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="speakers")

    def store_or_fail(db: Path):  # type: ignore[no-untyped-def]
        if not db.exists():
            raise fail(NO_STORE.format(db=db))
        return open_store(db)

    @group.command("list")
    def list_command(db: _Db = Path("wiretrace.db"), as_json: _Json = False) -> None:
        """Canonical speakers with kind, role and how many quotes each has.

        Example: wiretrace speakers list --json
        """
        from ..attribution import queries
        from ..read import quotes as read_quotes

        with store_or_fail(db) as store:
            speakers = queries.all_speakers(store)
            counts: dict[str, int] = {}
            for q in read_quotes.quotes_in(store.conn, None):  # canonical speakers
                if q.speaker:
                    counts[q.speaker] = counts.get(q.speaker, 0) + 1
        rows = [
            {
                "id": s.id,
                "name": s.name,
                "kind": s.kind,
                "role": s.role,
                "quotes": counts.get(s.name, 0),
                "aliases": list(s.aliases),
            }
            for s in sorted(speakers, key=lambda s: (-counts.get(s.name, 0), s.name))
        ]
        if as_json:
            print_json(rows)
            return
        table = Table("speaker", "kind", "role", "quotes", "aliases", title=f"{len(rows)} speakers")
        for r in rows:
            table.add_row(
                literal(str(r["name"])),
                str(r["kind"]),
                literal(str(r["role"] or "")),
                str(r["quotes"]),
                literal(", ".join(r["aliases"])[:80]),  # type: ignore[arg-type]
            )
        out.print(table)

    @group.command("show")
    def show_command(
        name: Annotated[str, typer.Argument(help="Canonical name of the speaker.")],
        db: _Db = Path("wiretrace.db"),
        as_json: _Json = False,
    ) -> None:
        """One speaker: every name joined to it, the evidence for each join, and the user's
        corrections of it (those the next analyze applies marked waiting).

        Example: wiretrace speakers show "Hillary Clinton"
        """
        from ..attribution import queries
        from ..read import plain, speaker_edits
        from ..read.edits import waiting_speaker_edits

        with store_or_fail(db) as store:
            speaker = next((s for s in queries.all_speakers(store) if s.name == name), None)
            if speaker is None:
                raise fail(f"no speaker named {literal(name)}; see `wiretrace speakers list`")
            evidence = queries.speaker_evidence(store, name)
            edits = speaker_edits(store.conn)
            waiting = {e.seq for e in waiting_speaker_edits(store.conn)}
        mine = [e for e in edits if name in (e.name, e.target)]
        data = {
            "id": speaker.id,
            "name": speaker.name,
            "kind": speaker.kind,
            "role": speaker.role,
            "evidence": [{"alias": a, "reason": r} for a, r in evidence],
            "edits": [{**plain(e), "waiting": e.seq in waiting} for e in mine],
        }
        if as_json:
            print_json(data)
            return
        out.print(f"{literal(speaker.name)} ({speaker.kind}; {literal(speaker.role or 'no role')})")
        table = Table("name", "why it is this speaker")
        for alias, reason in evidence:
            table.add_row(literal(alias), literal(reason))
        out.print(table)
        for e in mine:
            if e.seq in waiting:
                to = f" → {e.target}" if e.target else ""
                out.print(literal(f"waiting for the next analyze: {e.action} {e.name}{to}"))

    def record(db: Path, action: str, name: str, target: str | None = None) -> None:
        """Record one correction; the next `wiretrace analyze` applies it."""
        from ..read.edits import edit_speaker

        change(
            db,
            lambda store: edit_speaker(store, action, name, target),
            lambda e: (
                f"recorded {e.action}: {e.name}"
                + (f" → {e.target}" if e.target else "")
                + "; run `wiretrace analyze` to apply it"
            ),
        )

    @group.command("merge")
    def merge_command(
        name: Annotated[str, typer.Argument(help="A name of the speaker to fold in.")],
        into: Annotated[str, typer.Argument(help="A name of the speaker to keep.")],
        db: _Db = Path("wiretrace.db"),
    ) -> None:
        """Treat two names as one speaker, from the next analyze on (kept across re-analysis).

        Example: wiretrace speakers merge Trump "Donald J. Trump"
        """
        record(db, "merge", name, into)

    @group.command("split")
    def split_command(
        name: Annotated[str, typer.Argument(help="The name to take off its speaker.")],
        db: _Db = Path("wiretrace.db"),
    ) -> None:
        """Take a name off the speaker it was joined to; it stands alone from the next analyze.

        Example: wiretrace speakers split "Democratic presidential candidate"
        """
        record(db, "split", name)

    @group.command("rename")
    def rename_command(
        name: Annotated[str, typer.Argument(help="A name of the speaker.")],
        to: Annotated[str, typer.Argument(help="The canonical name to show.")],
        db: _Db = Path("wiretrace.db"),
    ) -> None:
        """Give a speaker the canonical name you choose, from the next analyze on.

        Example: wiretrace speakers rename "Clinton" "Hillary Clinton"
        """
        record(db, "rename", name, to)
