"""Stages, their declared contracts, the order those imply, and incremental runs.

Stages never call each other: each reads what it ``requires`` from the store and writes
what it ``provides``, and it is the only writer of what it provides. Both name real store
tables, or blob kinds as ``blob:KIND``; ``tests/test_contracts.py`` runs every stage under
SQLite's authorizer and fails on any access the declarations do not cover. The run order is
a topological sort of the declarations; ``STAGE_MODULES`` only says where stages live.

Incremental state is versioned: a stage's *key* hashes its version, the fingerprints of the
configuration sections it reads and the keys of the stages it requires. An article is
pending for a stage while its text hash or that key differs from what the stage last did,
so a changed setting or an upgraded stage redoes exactly what depends on it. A stage that
applies the user's corrections at its next run (``Stage.user_inputs``) also carries, in
its own key, which corrections it applied: a new one makes its work pending.

Per-article stages share one loop (``each_article``): a batch's writes commit in the same
transaction as its bookkeeping, and an article that makes the stage raise is recorded in
``errors`` (stage, article, message), done with no output, and never blocks later runs.
Corpus stages guard their per-article (or per-pair) steps with ``Skips`` to the same end.
"""

from __future__ import annotations

import difflib
import importlib
import sqlite3
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Protocol, TypeVar

from .config import Config, section_class
from .store import Store, content_hash

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


class Reporter(Protocol):
    """Progress sink: the CLI shows a Rich bar, the library stays quiet."""

    def start(self, task: str, total: int) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def finish(self) -> None: ...


class NullReporter:
    def start(self, task: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True)
class StageReport:
    stage: str
    processed: int = 0
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stage:
    """One analysis step and its contract.

    ``requires``: tables and ``blob:KIND`` blobs it reads that another stage (or ingest)
    writes. ``provides``: what it writes, and nobody else does; it may read these too.
    ``config``: the configuration sections whose settings change its results. ``version``:
    raised when the stage's code changes its results, so stored results are redone.
    """

    name: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    run: Callable[[Store, Config, Reporter], StageReport]
    doc: str = ""
    version: int = 1
    config: tuple[str, ...] = ()
    works_on: str = "articles"  # or "documents" (raw inputs, for the stage that makes articles)
    # The user's tables (``USER_PROVIDES``, also in ``requires``) whose rows the stage
    # applies when it next runs: which rows it applied joins its key (see ``Pipeline.key``).
    user_inputs: tuple[str, ...] = ()


# What ``wiretrace ingest`` writes: every stage may depend on it.
INGEST_PROVIDES: tuple[str, ...] = ("documents", "document_sources")
# The user's corrections, kept across re-analysis: written only through ``read.edits`` (on
# the user's behalf: the CLI and the web UI), never by a stage; a stage that applies them
# declares them in ``requires``.
USER_PROVIDES: tuple[str, ...] = ("speaker_edits", "story_edits")
# Bookkeeping every stage writes through the store (its own rows only).
BOOKKEEPING: tuple[str, ...] = ("stage_state", "errors")
BLOB = "blob:"

# Where the stages live. Each module exposes ``STAGE``; the order here does not matter.
STAGE_MODULES: tuple[str, ...] = (
    "wiretrace.clean.stage",
    "wiretrace.nlp.stage",
    "wiretrace.attribution.stage",
    "wiretrace.attribution.statements",
    "wiretrace.figures.stage",
    "wiretrace.reuse.stage",
    "wiretrace.stories.stage",
    "wiretrace.narratives.stage",
    "wiretrace.figures.groups",
)


class ContractError(RuntimeError):
    """Stage declarations that name unknown things, overlap, or form a cycle."""


@dataclass(frozen=True)
class Pipeline:
    stages: tuple[Stage, ...] = field(default_factory=tuple)

    @classmethod
    def default(cls) -> Pipeline:
        return cls.of(importlib.import_module(m).STAGE for m in STAGE_MODULES)

    @classmethod
    def of(cls, stages: Iterable[Stage]) -> Pipeline:
        """The stages in dependency order, after checking their declarations."""
        return cls(order(tuple(stages)))

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        close = difflib.get_close_matches(name, self.names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(f"unknown stage {name!r}; {hint}stages are: {', '.join(self.names)}")

    def upstream(self, name: str) -> list[str]:
        """Stages that write what ``name`` requires (direct dependencies)."""
        providers = _providers(self.stages)
        found = {providers[r] for r in self.stage(name).requires if r in providers}
        return [s for s in self.names if s in found]

    def closure(self, names: Iterable[str]) -> list[str]:
        """The named stages and every stage they require, transitively, in run order."""
        wanted: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name not in wanted:
                wanted.add(name)
                todo.extend(self.upstream(name))
        return [s for s in self.names if s in wanted]

    def downstream(self, names: Iterable[str]) -> list[str]:
        """The named stages and every stage that depends on them, in run order."""
        hit = {self.stage(n).name for n in names}
        for s in self.names:
            if set(self.upstream(s)) & hit:
                hit.add(s)
        return [s for s in self.names if s in hit]

    def select(self, until: str | None = None, only: Sequence[str] = ()) -> list[Stage]:
        """``until``: that stage and what it requires; ``only``: exactly those stages."""
        names = list(self.names)
        if until is not None:
            names = self.closure([until])
        if only:
            for n in only:
                self.stage(n)
            names = [n for n in names if n in set(only)]
        return [self.stage(n) for n in names]

    def key(self, name: str, config: Config, inputs: Mapping[str, str] | None = None) -> str:
        """What the stage's stored results were made with (see the module docstring).

        ``inputs``: the fingerprint of each of the stage's ``user_inputs`` (``read.edits``
        makes them; empty or absent: no corrections). They are kept readable after the hash
        (``HASH+table@fingerprint``) so that the views can tell which corrections the stored
        results include, and they stay out of the dependents' keys: a renamed speaker
        re-resolves the speakers, it does not redo every stage after them.
        """
        stage = self.stage(name)
        parts = [stage.name, str(stage.version)]
        parts += [f"{s}={config.fingerprint(s)}" for s in stage.config]
        parts += [self.key(u, config) for u in self.upstream(name)]
        key = content_hash("|".join(parts))
        given = inputs or {}
        return key + "".join(f"+{t}@{given[t]}" for t in stage.user_inputs if given.get(t))

    def run(
        self,
        store: Store,
        config: Config,
        reporter: Reporter | None = None,
        until: str | None = None,
        only: Sequence[str] = (),
        redo: Sequence[str] = (),
        engine: Engine | None = None,
    ) -> list[StageReport]:
        """Run the selected stages in order. ``redo`` forgets what the named stages and
        the stages depending on them did, so they process every article again.
        ``engine`` computes the per-article batches (default: in this process).

        A stage that fails as a whole is recorded in ``errors`` and the stages depending
        on it are skipped in this run; the others still run. An unknown stage name in
        ``until``, ``only`` or ``redo`` raises ValueError before anything is touched.
        """
        token = ENGINE.set(engine or LocalEngine())
        try:
            with one_blas_thread():
                return self._run(store, config, reporter, until, only, redo)
        finally:
            ENGINE.reset(token)

    def _run(
        self,
        store: Store,
        config: Config,
        reporter: Reporter | None,
        until: str | None,
        only: Sequence[str],
        redo: Sequence[str],
    ) -> list[StageReport]:
        reporter = reporter or NullReporter()
        selected = self.select(until, only)
        for name in self.downstream(redo) if redo else ():
            store.forget_stage(name)
        failed: set[str] = set()
        reports = []
        for stage in selected:
            blocked = sorted(set(self.closure([stage.name])) & failed)
            if blocked:
                failed.add(stage.name)
                reports.append(StageReport(stage.name, notes=(f"skipped: {blocked[0]} failed",)))
                continue
            try:
                reports.append(stage.run(store, config, reporter))
            except Exception as exc:
                reporter.finish()  # its transaction has rolled back: the last state stands
                message = f"stage failed ({type(exc).__name__}: {exc})"
                store.log_error(stage.name, stage.name, message + "\n" + traceback.format_exc())
                failed.add(stage.name)
                reports.append(StageReport(stage.name, errors=(message,)))
        return reports


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Numpy's BLAS on one thread while stages run.

    The stages' matrix products are block-sized (a hash bucket, a block of quotes), and
    OpenBLAS's second thread busy-waits between them: on the 84 PolNeAR dev articles,
    discovery's similar-pair search took 12.4 CPU-seconds (53 s wall on a loaded 2-core
    machine) on two threads and 0.8 (3.5 s) on one, with the same pairs. The models keep
    their own threads (spaCy's blis runs on one, ONNX Runtime has its pool).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _providers(stages: Sequence[Stage]) -> dict[str, str]:
    return {p: s.name for s in stages for p in s.provides}


def order(stages: Sequence[Stage]) -> tuple[Stage, ...]:
    """Check the declarations and sort topologically (ties by name).

    Every name is provided by exactly one stage (or by ingest); every requirement has a
    provider; blob names carry the ``blob:`` prefix; the dependencies have no cycle.
    """
    providers: dict[str, str] = {}
    for s in stages:
        for p in s.provides:
            if p in providers or p in INGEST_PROVIDES or p in USER_PROVIDES or p in BOOKKEEPING:
                owner = providers.get(p, "ingest/bookkeeping")
                raise ContractError(f"{p!r} is provided by both {owner!r} and {s.name!r}")
            providers[p] = s.name
        for section in s.config:
            section_class(section)
        for table in s.user_inputs:
            if table not in USER_PROVIDES or table not in s.requires:
                raise ContractError(
                    f"stage {s.name!r} applies {table!r}: it must be a user's table it requires"
                )
    deps: dict[str, set[str]] = {}
    for s in stages:
        deps[s.name] = set()
        for r in s.requires:
            if r in INGEST_PROVIDES or r in USER_PROVIDES:
                continue
            if r not in providers:
                raise ContractError(f"stage {s.name!r} requires {r!r}, which no stage provides")
            if providers[r] != s.name:
                deps[s.name].add(providers[r])
    by_name = {s.name: s for s in stages}
    done: list[Stage] = []
    ready = sorted(n for n, d in deps.items() if not d)
    while ready:
        name = ready.pop(0)
        done.append(by_name[name])
        for n, d in deps.items():
            if name in d:
                d.discard(name)
                if not d:
                    ready = sorted([*ready, n])
    if len(done) != len(stages):
        stuck = sorted(n for n, d in deps.items() if d)
        raise ContractError(f"stages {stuck} require each other (a cycle)")
    return tuple(done)


def user_inputs(stage: Stage, store: Store) -> dict[str, str]:
    """The fingerprints of the user's corrections ``stage`` applies, as stored now."""
    from .read.edits import fingerprint

    return {t: fingerprint(store.conn, t) for t in stage.user_inputs}


def stage_key(name: str, config: Config, store: Store | None = None) -> str:
    """The key of a default-pipeline stage under ``config`` (with ``store``: and the user's
    corrections stored there, for a stage that applies them)."""
    pipeline = Pipeline.default()
    inputs = None if store is None else user_inputs(pipeline.stage(name), store)
    return pipeline.key(name, config, inputs)


def pending_work(store: Store, config: Config) -> dict[str, int]:
    """How many articles (raw documents, for a stage that works on them) each stage of the
    default pipeline has still to process under ``config``, in run order."""
    pipeline = Pipeline.default()
    out: dict[str, int] = {}
    for stage in pipeline.stages:
        key = pipeline.key(stage.name, config, user_inputs(stage, store))
        if stage.works_on == "documents":
            out[stage.name] = len(store.pending_documents(stage.name, key))
        else:
            out[stage.name] = len(store.pending(stage.name, key))
    return out


def pending(store: Store, config: Config, name: str) -> tuple[str, list[str]]:
    """A stage's key and the articles it has still to process with that key."""
    key = stage_key(name, config, store)
    return key, store.pending(name, key)


# -- contract checks -------------------------------------------------------------------

Access = tuple[str, str]  # ("read" | "write", table name or "blob:KIND")


@contextmanager
def recording(store: Store) -> Iterator[set[Access]]:
    """Every table and blob kind read or written through ``store`` while inside.

    Tables come from SQLite's authorizer (reads of a view count as reads of its tables;
    foreign-key checks count too; a stage's own TEMP tables do not count); blob kinds from
    the store's blob hook, since the authorizer sees the ``blobs`` table but not the kind.
    """
    seen: set[Access] = set()
    views = store.schema_names("view")
    actions = {
        sqlite3.SQLITE_READ: "read",
        sqlite3.SQLITE_INSERT: "write",
        sqlite3.SQLITE_UPDATE: "write",
        sqlite3.SQLITE_DELETE: "write",
    }

    def authorize(
        action: int, arg1: str | None, arg2: str | None, db: str | None, *_: str | None
    ) -> int:
        what = actions.get(action)
        # a TEMP table lives in one connection, so it is no other stage's input or output
        private = db == "temp"
        if what and arg1 and not private and not arg1.startswith("sqlite_") and arg1 not in views:
            seen.add((what, arg1))
        return sqlite3.SQLITE_OK

    def blob(kind: str, write: bool) -> None:
        seen.add(("write" if write else "read", BLOB + kind))

    store.conn.set_authorizer(authorize)
    store.on_blob = blob
    try:
        yield seen
    finally:
        store.conn.set_authorizer(None)
        store.on_blob = None


def violations(stage: Stage, seen: Iterable[Access]) -> list[str]:
    """Accesses ``stage``'s declarations do not allow: a read of something it neither
    requires nor provides, a write of something it does not provide."""
    readable = set(stage.requires) | set(stage.provides) | set(BOOKKEEPING) | {"blobs"}
    writable = set(stage.provides) | set(BOOKKEEPING) | {"blobs"}
    out = []
    for what, name in sorted(set(seen)):
        allowed = readable if what == "read" else writable
        if name not in allowed:
            out.append(f"stage {stage.name!r} {what}s {name!r} without declaring it")
    return out


def unknown_names(stages: Sequence[Stage], store: Store) -> list[str]:
    """Declared names that are not tables of ``store``'s schema nor blob kinds a stage
    provides."""
    tables = store.schema_names("table")
    blobs = {p for s in stages for p in s.provides if p.startswith(BLOB)}
    return [
        f"stage {s.name!r} names {n!r}, which is no table nor provided blob"
        for s in stages
        for n in (*s.requires, *s.provides)
        if n not in tables and n not in blobs
    ]


# -- the per-article loop -------------------------------------------------------------


@dataclass(frozen=True)
class Failed:
    """An article whose computation raised."""

    message: str


class Skips:
    """Items a corpus stage could not handle, by article: the stage leaves each out of its
    result, keeps going, and records it in ``errors``, so one article's bad data never sinks
    the whole stage. The articles still count as done: the next run carries on."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.failed: dict[str, str] = {}

    def guard(
        self,
        articles: str | Sequence[str],
        compute: Callable[P, T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """``compute(*args, **kwargs)``, or None (recorded against ``articles``) when it
        raises."""
        try:
            return compute(*args, **kwargs)
        except Exception as exc:
            self.note(articles, exc)
            return None

    def note(self, articles: str | Sequence[str], exc: BaseException) -> None:
        names = [articles] if isinstance(articles, str) else list(articles)
        message = f"{type(exc).__name__}: {exc}"
        for a in names:
            others = [o for o in names if o != a]
            self.failed.setdefault(a, message + (f" (with {', '.join(others)})" if others else ""))

    def record(self, store: Store, processed: Iterable[str]) -> tuple[str, ...]:
        """Inside the stage's transaction: forget its old errors on ``processed`` and log the
        new ones; the messages for the stage's report."""
        store.clear_errors(self.stage, processed)
        for article, message in sorted(self.failed.items()):
            store.log_error(self.stage, article, message, article)
        return tuple(f"{a}: {m}" for a, m in sorted(self.failed.items()))


def batches(ids: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def isolate(
    compute: Callable[[Sequence[R]], Sequence[T | None]], items: Sequence[R]
) -> list[T | Failed | None]:
    """``compute`` over a batch; when the batch raises, each item alone, so that one bad
    article fails by itself."""
    try:
        results = list(compute(items))
        if len(results) != len(items):
            raise RuntimeError(f"{len(results)} results for {len(items)} articles")
        return list(results)
    except Exception as exc:
        if len(items) == 1:
            return [Failed(f"{type(exc).__name__}: {exc}")]
    return [isolate(compute, [a])[0] for a in items]


# -- engines: where per-article batches are computed ------------------------------------


class Engine(Protocol):
    """Computes batches of per-article records with a stage's pure batch function.

    ``compute`` must be picklable (a module-level function, or a ``functools.partial`` of
    one with its settings): the Ray engine ships it to workers that load models once.
    Results come back in the order of ``chunks``, each batch through ``isolate``.
    ``batch``: articles per batch for every stage (None: each stage's own size).
    """

    batch: int | None

    def map(
        self,
        compute: Callable[[Sequence[R]], Sequence[T | None]],
        chunks: Iterable[Sequence[R]],
    ) -> Iterator[list[T | Failed | None]]: ...


class LocalEngine:
    """This process, one batch after another (the default)."""

    batch: int | None = None

    def map(
        self,
        compute: Callable[[Sequence[R]], Sequence[T | None]],
        chunks: Iterable[Sequence[R]],
    ) -> Iterator[list[T | Failed | None]]:
        for chunk in chunks:
            yield isolate(compute, chunk)


# The engine of the run in progress (``Pipeline.run`` sets it; stages keep their signature).
ENGINE: ContextVar[Any] = ContextVar("wiretrace_engine", default=None)


def current_engine() -> Engine:
    engine: Engine | None = ENGINE.get()
    return LocalEngine() if engine is None else engine


def batch_size(default: int) -> int:
    """Articles per batch: the engine's setting, else the stage's ``default``."""
    return current_engine().batch or default


def each_article(
    store: Store,
    config: Config,
    name: str,
    reporter: Reporter,
    load: Callable[[Sequence[str]], Sequence[R]],
    compute: Callable[[Sequence[R]], Sequence[T | None]],
    write: Callable[[str, T | None], None],
    *,
    task: str,
    batch: int = 32,
) -> StageReport:
    """The loop every per-article stage runs over its pending articles.

    ``load`` reads a batch's inputs from the store (one record per article id);
    ``compute`` turns the records into one result each (None: its input is not there yet,
    e.g. the parse is missing; it stays pending), reads no store and writes nothing, so the
    engine may run it elsewhere. ``write`` stores one article's result, replacing what the
    stage stored for it before; with None it only removes that (the article failed). A
    batch's writes, its errors and its bookkeeping commit in one transaction.
    """
    key, ids = pending(store, config, name)
    if not ids:
        return StageReport(name)
    reporter.start(task, len(ids))
    done = 0
    errors: list[str] = []
    waiting = 0
    chunks = list(batches(ids, batch_size(batch)))
    loaded = (load(chunk) for chunk in chunks)
    for chunk, results in zip(chunks, current_engine().map(compute, loaded), strict=True):
        with store.transaction():
            finished: list[str] = []
            for article_id, result in zip(chunk, results, strict=True):
                if result is None:
                    waiting += 1
                    continue
                finished.append(article_id)
                if isinstance(result, Failed):
                    write(article_id, None)
                    errors.append(f"{article_id}: {result.message}")
                else:
                    write(article_id, result)
                    done += 1
            store.clear_errors(name, finished)
            for article_id, result in zip(chunk, results, strict=True):
                if isinstance(result, Failed):
                    store.log_error(name, article_id, result.message, article_id)
            store.mark_done(name, finished, key)
        reporter.advance(len(chunk))
    reporter.finish()
    notes = (f"{waiting} article(s) wait for an earlier stage",) if waiting else ()
    return StageReport(name, processed=done, errors=tuple(errors), notes=notes)
