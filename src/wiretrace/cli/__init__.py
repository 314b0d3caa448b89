"""The ``wiretrace`` command: a thin layer over the library.

Each command group lives in a module of this package with a ``register(app)``; the modules are
listed in ``COMMAND_MODULES`` so that this file stays small.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ..config import Config, ConfigError, load_config
from .safe import json_text, literal, print_json

if TYPE_CHECKING:  # imported where used: `wiretrace --help` needs neither
    from rich.progress import TaskID

    from ..evaluation.gold import Metric
    from ..pipeline import Reporter, StageReport
    from ..store import Store

app = typer.Typer(
    help=(
        "Trace a news story through the press.\n\n"
        "Example: wiretrace ingest articles/ && wiretrace analyze"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
# No emoji codes: an outlet called ":warning: News" prints as written.
console = Console(stderr=True, emoji=False)
out = Console(emoji=False)

DbOption = Annotated[Path, typer.Option("--db", help="SQLite store file.", envvar="WIRETRACE_DB")]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML configuration (default: ./wiretrace.toml).")
]

# Packages that add commands of their own (each defines ``register(app)``).
COMMAND_MODULES: tuple[str, ...] = (
    "wiretrace.cli.web",
    "wiretrace.cli.attribution",
    "wiretrace.cli.speakers",
    "wiretrace.cli.stories",
    "wiretrace.cli.narratives",
    "wiretrace.cli.figures",
    "wiretrace.cli.reuse",
)


class RichReporter:
    """Rich progress bar for long stages, on a terminal."""

    def __init__(self, quiet: bool = False) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=quiet,
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, task: str, total: int) -> None:
        if self._task is None:
            self._progress.start()
        else:
            self._progress.stop_task(self._task)
        self._task = self._progress.add_task(task, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def finish(self) -> None:
        if self._task is not None:
            self._progress.stop()
            self._task = None


class LogReporter:
    """Progress as plain log lines, for output that is not a terminal (a log file, a job
    runner): the task and done/total when it starts, then at most one line every
    ``every`` seconds with the rate and an estimate of the time left, and one when it ends."""

    def __init__(self, write: Callable[[str], None], every: float = 10.0) -> None:
        self._write = write
        self._every = every
        self._task = ""
        self._total = 0
        self._done = 0
        self._started = 0.0
        self._last = 0.0

    def start(self, task: str, total: int) -> None:
        self._task, self._total, self._done = task, total, 0
        self._started = self._last = time.monotonic()
        self._write(f"{task}: 0/{total}")

    def advance(self, n: int = 1) -> None:
        self._done += n
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            self._write(self._line(now))

    def finish(self) -> None:
        if self._task:
            self._write(self._line(time.monotonic()) + " done")
            self._task = ""

    def _line(self, now: float) -> str:
        elapsed = max(now - self._started, 1e-9)
        rate = self._done / elapsed
        line = f"{self._task}: {self._done}/{self._total} ({rate:.1f}/s, {elapsed:.0f} s"
        if 0 < self._done < self._total:
            line += f", about {(self._total - self._done) / rate:.0f} s left"
        return line + ")"


def reporter(quiet: bool = False) -> Reporter:
    """Rich bars on a terminal, periodic log lines otherwise, nothing with ``--quiet``."""
    from ..pipeline import NullReporter

    if quiet:
        return NullReporter()
    if console.is_terminal:
        return RichReporter()
    return LogReporter(lambda line: console.print(literal(line), soft_wrap=True, highlight=False))


LATEST_ERRORS = 10  # errors `stats` lists (all are in --json and in the store)


def fail(message: str, code: int = 1) -> typer.Exit:
    # one line however long (a log line, a grep-able message), not wrapped at the width
    console.print(f"[bold red]error:[/] {literal(message)}", soft_wrap=True)
    return typer.Exit(code)


class LazyModule:
    """A module imported on first attribute access: command modules name the analysis
    modules they use without importing them (numpy, scipy, spaCy, the web app) until a
    command runs, so ``wiretrace --help`` stays fast."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


def resolve_id(store: Store, what: str, value: str) -> str:
    """The full id an id or a printed id prefix names (see :func:`wiretrace.read.resolve`);
    exit 2 with the closest ids when none or several match."""
    from ..read import Unresolved, resolve

    try:
        return resolve(store.conn, what, value)
    except Unresolved as exc:
        raise fail(str(exc), 2) from exc


def choice(value: str | None, choices: Sequence[str], what: str) -> str | None:
    """``value`` if it is one of ``choices`` (or None); else exit 2 suggesting the closest."""
    if value is None or value in choices:
        return value
    import difflib

    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise fail(f"unknown {what} {value!r}: {hint}use one of {', '.join(choices)}", 2)


def open_store(db: Path) -> Store:
    from ..store import Store, StoreError

    try:
        return Store(db)
    except StoreError as exc:
        raise fail(str(exc)) from exc


def get_config(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:  # a typo: one line naming file, section and key
        raise fail(str(exc), 2) from exc


@app.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files, directories, globs, URLs or feeds.")],
    db: DbOption = Path("wiretrace.db"),
    config: ConfigOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Read articles into the store; the same content twice is stored once.

    Example: wiretrace ingest corpus/ 'more/*.html' feed.xml archive.warc.gz
    """
    from ..ingest import ingest as run_ingest

    cfg = get_config(config)
    with open_store(db) as store:
        report = run_ingest(store, inputs, cfg, reporter(quiet))
    for warning in report.warnings:  # one line each, for logs and grep
        console.print(
            f"[yellow]![/] {literal(warning.source)}: {literal(warning.message)}", soft_wrap=True
        )
    for error in report.errors:
        console.print(
            f"[red]✗[/] {literal(error.source)}: {literal(error.message)}", soft_wrap=True
        )
    console.print(
        f"{report.added} new, {report.duplicates} already stored, {len(report.errors)} failed"
        f" → {literal(db)}"
    )
    if report.errors:
        raise typer.Exit(1)


@app.command()
def analyze(
    db: DbOption = Path("wiretrace.db"),
    config: ConfigOption = None,
    until: Annotated[
        str | None, typer.Option(help="Run this stage and only the stages it requires.")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(help="Run only this stage (repeatable); what it requires must be done."),
    ] = None,
    redo: Annotated[
        list[str] | None,
        typer.Option(help="Redo this stage and those depending on it on every article."),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="local (this process) or ray (a Ray cluster; pip install 'wiretrace[ray]')."
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(help="With --engine ray: the cluster (`ray start --head` prints it)."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            help="With --engine ray: actors kept for the run; each loads the models once."
        ),
    ] = 2,
    inputs: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            help="Ingest this first (repeatable): e.g. ARTICLES.parquet, or a Parquet file or "
            "folder on any filesystem pyarrow reads (file://, s3://, gs://, abfs://, hdfs://).",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            help="Write the results to this folder as Parquet (`wiretrace load` reads it): "
            "a path or a URI pyarrow reads (file://, s3://, gs://, abfs://, hdfs://).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run the analysis stages on what is new or changed since the last run.

    A stage redoes an article when its text, the stage's version or the configuration
    it reads (or that of a stage it depends on) changed.

    Example: wiretrace analyze --until reuse; wiretrace analyze --redo figures;
    wiretrace analyze --engine ray --address HEAD:6379 --input articles.parquet --output out/
    """
    from ..pipeline import Pipeline

    cfg = get_config(config)
    pipeline = Pipeline.default()
    try:
        pipeline.select(until, only or ())
        pipeline.downstream(redo or ())
    except ValueError as exc:  # an unknown stage name: nothing is run
        raise fail(str(exc), 2) from exc
    choice(engine, ("local", "ray"), "engine")
    if address is not None and engine != "ray":
        raise fail("--address names a Ray cluster: add --engine ray")
    with open_store(db) as store:
        progress = reporter(quiet)
        if inputs:
            from ..ingest import ingest as run_ingest

            ingested = run_ingest(store, inputs, cfg, progress)
            for problem in ingested.errors:
                console.print(f"[red]✗[/] {literal(problem.source)}: {literal(problem.message)}")
            console.print(f"ingest: {ingested.added} new, {ingested.duplicates} already stored")
        reports = _run_analysis(
            store, cfg, engine, address, workers, output, progress, until, only, redo
        )
    failed = False
    for report in reports:
        console.print(f"{literal(report.stage)}: {report.processed} processed")
        for note in report.notes:
            console.print(f"  {literal(note)}")
        for error in report.errors:
            failed = True
            console.print(f"  [red]✗[/] {literal(error)}")
    if output is not None:
        console.print(f"results → {literal(output)} (load them with: wiretrace load {output})")
    if failed:
        console.print("errors are kept in the store: wiretrace stats lists them")
        raise typer.Exit(1)


def _run_analysis(
    store: Store,
    cfg: Config,
    engine: str,
    address: str | None,
    workers: int,
    output: str | None,
    reporter: Reporter,
    until: str | None,
    only: list[str] | None,
    redo: list[str] | None,
) -> list[StageReport]:
    """The pipeline on the chosen engine; Ray is imported only when asked for."""
    from ..distributed.run import analyze_to

    if engine == "local":
        return analyze_to(store, cfg, output, None, reporter, until, only or (), redo or ())
    from ..distributed.engine import EngineUnavailable, RayEngine

    try:
        with RayEngine(address=address, workers=workers) as ray_engine:
            return analyze_to(
                store, cfg, output, ray_engine, reporter, until, only or (), redo or ()
            )
    except EngineUnavailable as exc:
        raise fail(str(exc)) from exc


@app.command()
def load(
    results: Annotated[
        str, typer.Argument(help="A folder or URI (s3://...) `analyze --output` wrote.")
    ],
    db: DbOption = Path("wiretrace.db"),
) -> None:
    """Load analysis results (e.g. from a Ray cluster) into a new store, for serve, report
    and export.

    Example: wiretrace load out/ --db corpus.db && wiretrace serve --db corpus.db
    """
    from ..distributed.run import load_results

    if db.exists():
        raise fail(f"{db}: already exists; load results into a new store")
    from ..store import StoreError

    with open_store(db) as store:
        try:
            counts = load_results(results, store)
        except StoreError as exc:
            store.close()
            for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                leftover.unlink(missing_ok=True)
            raise fail(str(exc)) from exc
    console.print(
        f"loaded {counts.get('articles', 0)} articles, {sum(counts.values())} rows → {literal(db)}"
    )


@app.command()
def stats(
    db: DbOption = Path("wiretrace.db"),
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Counts of what the store holds, what each stage has still to do (under the
    configuration), and the errors recorded, latest first.

    Example: wiretrace stats --json
    """
    if not db.exists():
        raise fail(f"{db}: no such store; run `wiretrace ingest PATH` first")
    from ..pipeline import pending_work
    from ..read import records

    cfg = get_config(config)
    with open_store(db) as store:
        counts = store.stats()
        outlets = [(name or "(unknown)", n) for name, n in records.outlet_totals(store.conn)]
        errors = store.errors()
        todo = pending_work(store, cfg)
    by_stage: dict[str, int] = {}
    for e in errors:
        by_stage[e["stage"]] = by_stage.get(e["stage"], 0) + 1
    if as_json:
        print_json(
            {
                "counts": counts,
                "outlets": dict(outlets),
                "pending": todo,
                "error_counts": by_stage,
                "errors": errors,
            }
        )
        return
    table = Table("what", "count", title=literal(db))
    for key, value in counts.items():
        table.add_row(key, str(value))
    out.print(table)
    outlet_table = Table("outlet", "articles")
    for name, n in outlets:
        outlet_table.add_row(literal(name), str(n))
    out.print(outlet_table)
    stage_table = Table("stage", "pending", "errors", title="stages")
    for name, n in todo.items():
        stage_table.add_row(name, str(n), str(by_stage.pop(name, 0)))
    for name, n in by_stage.items():  # ingest, and stages no longer in the pipeline
        stage_table.add_row(literal(name), "", str(n))
    out.print(stage_table)
    if any(todo.values()):
        console.print("pending work: run `wiretrace analyze`")
    if errors:
        latest = sorted(errors, key=lambda e: e["at"] or "", reverse=True)[:LATEST_ERRORS]
        error_table = Table(
            "stage",
            "article / source",
            "error",
            "at",
            title=f"errors: {len(errors)} in all, the latest {len(latest)}",
        )
        for e in latest:
            first = (e["message"] or "").splitlines()[0] if e["message"] else ""
            error_table.add_row(
                literal(e["stage"]),
                literal(e["article"] or e["source"]),
                literal(first),
                literal(e["at"] or ""),
            )
        out.print(error_table)


@app.command()
def export(
    db: DbOption = Path("wiretrace.db"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, csv or parquet.")] = "json",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File (json) or folder (csv, parquet)."),
    ] = None,
    quote_marks: Annotated[
        bool,
        typer.Option(
            "--quote-marks", help="Quote contents include their quotation marks (some scorers)."
        ),
    ] = False,
) -> None:
    """Export everything found, in the stable schema (JSON) or one table per section.

    Example: wiretrace export --format parquet -o results/
    """
    from ..export import export as run_export
    from ..export import export_dict

    if not db.exists():
        raise fail(f"{db}: no such store; run `wiretrace ingest PATH` first")
    with open_store(db) as store:
        if output is None and fmt == "json":
            sys.stdout.write(json_text(export_dict(store, quote_marks), indent=1) + "\n")
            return
        target = output or Path(f"wiretrace-export-{fmt}")
        try:
            written = run_export(store, fmt, target, quote_marks)
        except ValueError as exc:
            raise fail(str(exc)) from exc
    for path in written:
        console.print(f"wrote {literal(path)}")


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold file (gold.json format).")],
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Score this analysed store instead of a fresh one."),
    ] = None,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Score the analyses against a gold file: precision/recall per capability. Exits 1
    when any pass mark fails.

    Without --db the documents next to the gold file are ingested into a temporary store
    and analysed first.

    Example: wiretrace eval ../shared/corpora/karabakh-2023/gold.json
    """
    from ..evaluation import evaluate_gold

    if not gold.exists():
        raise fail(f"{gold}: no such gold file")
    results = evaluate_gold(gold, db=db, config=get_config(config))
    if as_json:
        print_json([r.as_dict() for r in results])
    else:
        render_results(results, out)
    failed = [m for m in results if m.passed is False]
    if failed:
        # A failed pass mark is a failed run, so scripts and CI see it.
        names = ", ".join(f"{m.capability}/{m.name}" for m in failed)
        console.print(f"[red]{len(failed)} pass mark(s) failed:[/] {literal(names)}")
        raise typer.Exit(1)


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the results.")] = Path(
        "demo-output"
    ),
) -> None:
    """Ingest and analyse the bundled demo corpus (with its talking-point watchlist), then
    write the store, the export and the report.

    Example: wiretrace demo -o demo-output
    """
    from ..export import export as run_export
    from ..ingest import ingest as run_ingest
    from ..pipeline import Pipeline

    root = Path(__file__).resolve().parents[3] / "examples"
    examples = root / "corpus"
    if not examples.exists():
        raise fail(f"{examples}: demo corpus not found (run from a source checkout)")
    output.mkdir(parents=True, exist_ok=True)
    db = output / "wiretrace.db"
    cfg = get_config(None)
    with open_store(db) as store:
        report = run_ingest(store, [str(examples)], cfg, reporter())
        for error in report.errors:
            console.print(f"[red]✗[/] {literal(error.source)}: {literal(error.message)}")
        watchlist = root / "watchlist.toml"
        if watchlist.exists():
            from ..narratives.api import import_file

            import_file(store, watchlist)
        Pipeline.default().run(store, cfg, reporter())
        written = run_export(store, "json", output / "export.json")
        counts = store.stats()
    out.print(
        f"{counts['articles']} articles analysed: {counts['reuse_links']} reuse links, "
        f"{counts['quotes']} quotes, {counts['figures']} figures, {counts['stories']} stories, "
        f"{counts['narrative_hits']} talking-point echoes"
    )
    from ..web.report import write_report

    page = write_report(db, output / "report.html")
    out.print(
        f"store: {literal(db)}\nexport: {literal(written[0])}\n"
        f"report: {literal(page.path)} (open it in a browser)"
    )
    out.print(f"browse everything: wiretrace serve --db {literal(db)}  → http://127.0.0.1:8000/")


def render_results(results: list[Metric], console: Console) -> None:
    """Gold scores as a table; a failed check in red so it is seen."""
    table = Table("capability", "metric", "value", "check", "detail")
    for m in results:
        mark = "" if m.passed is None else ("[green]pass[/]" if m.passed else "[red]FAIL[/]")
        value = f"{m.value:.3f}" if isinstance(m.value, float) else str(m.value)
        table.add_row(literal(m.capability), literal(m.name), value, mark, literal(m.detail))
    console.print(table)


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
