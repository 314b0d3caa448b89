"""``wiretrace serve`` and ``wiretrace report``: the two ways to look at an analysed store.

No ``from __future__ import annotations`` here: Typer reads the option annotations at
registration time, and they refer to names local to :func:`register`.
"""

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from . import ConfigOption, DbOption, console, fail, get_config, open_store, out, resolve_id
    from .safe import literal

    @app.command()
    def serve(
        db: DbOption = Path("wiretrace.db"),
        host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = (
            "127.0.0.1"
        ),
        port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
        threads: Annotated[int, typer.Option(help="Read connections per worker.")] = 8,
        workers: Annotated[int, typer.Option(help="Worker processes (one per core helps).")] = 1,
        config: ConfigOption = None,
    ) -> None:
        """Browse the analysed store in a web browser.

        On this machine (a loopback address) its pages also take the user's corrections:
        speakers merged, split or renamed, stories merged, split or moved, echoes judged,
        applied with --config as `wiretrace speakers|stories|narratives` do. Served beyond
        this machine, it is read-only.

        Example: wiretrace serve --db wiretrace.db --port 8000
        """
        import uvicorn

        from ..web.app import allowed_hosts_for, create_app, is_loopback, server_url

        if not db.exists():
            raise fail(f"{db}: no such store; run `wiretrace ingest PATH` first")
        host = host.strip("[]")  # --host [::1] and --host ::1 alike
        if not is_loopback(host):
            console.print(
                f"[yellow]warning:[/] serving on {literal(host)} makes the corpus readable from"
                " other machines; there is no login"
            )
        hosts = allowed_hosts_for(host)
        token = secrets.token_urlsafe(24)  # one for every worker: a page posts to any of them
        try:
            web = create_app(
                db,
                pool_size=max(1, threads),
                allowed_hosts=hosts,
                config=get_config(config),
                token=token,
            )
        except (OSError, ValueError) as exc:
            raise fail(str(exc)) from exc
        out.print(f"Wiretrace on {literal(server_url(host, port))}  (Ctrl-C to stop)")
        if workers > 1:
            os.environ["WIRETRACE_DB"] = str(db.resolve())
            os.environ["WIRETRACE_POOL"] = str(max(1, threads))
            os.environ["WIRETRACE_HOSTS"] = ",".join(hosts)
            os.environ["WIRETRACE_TOKEN"] = token
            os.environ["WIRETRACE_CONFIG"] = str(config.resolve()) if config else ""
            uvicorn.run(
                "wiretrace.web.app:app_from_env",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level="warning",
            )
        else:
            uvicorn.run(web, host=host, port=port, log_level="warning")

    @app.command()
    def report(
        output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = (
            Path("wiretrace-report.html")
        ),
        db: DbOption = Path("wiretrace.db"),
        story: Annotated[
            list[str] | None,
            typer.Option("--story", help="Only this story (repeatable); default: everything."),
        ] = None,
    ) -> None:
        """Write one self-contained HTML report that opens offline, with no script.

        Example: wiretrace report -o karabakh.html --story s01
        """
        from ..read import NotFound
        from ..web.app import check_store
        from ..web.report import write_report

        if not db.exists():
            raise fail(f"{db}: no such store; run `wiretrace ingest PATH` first")
        try:
            check_store(db)
        except (OSError, ValueError) as exc:
            raise fail(str(exc)) from exc
        if story:
            with open_store(db) as store:
                story = [resolve_id(store, "story", s) for s in story]
        try:
            with console.status(f"writing {literal(output)} …"):
                result = write_report(db, output, story or None)
        except NotFound as exc:
            raise fail(f"{exc}; see `wiretrace serve` → Stories for the ids") from exc
        console.print(
            f"wrote {literal(result.path)} ({result.bytes / 2**20:.1f} MiB, {result.articles}"
            f" articles, {result.stories} stories, {result.seconds:.1f} s)"
        )
