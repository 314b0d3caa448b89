"""The Python API: ``Corpus(path)`` wraps a store with the everyday calls.

    corpus = Corpus("news.db")
    corpus.ingest(["articles/"])
    corpus.analyze()
    corpus.quotes(speaker="Peskov")

Results are the frozen dataclasses of ``wiretrace.models``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, load_config
from .models import (
    Article,
    Figure,
    FigureGroup,
    NarrativeHit,
    Quote,
    ReuseLink,
    Statement,
    Story,
)
from .pipeline import Engine, Pipeline, Reporter, StageReport
from .read import records
from .store import Store

if TYPE_CHECKING:
    from .figures.queries import TimelineEvent
    from .ingest import IngestReport


class Corpus:
    """A store plus its configuration; every method reads or writes through the store."""

    def __init__(self, path: str | Path = "wiretrace.db", config: Config | None = None) -> None:
        self.store = Store(path)
        self.config = config if config is not None else load_config(None)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ingest(
        self, inputs: Sequence[str | Path], reporter: Reporter | None = None
    ) -> IngestReport:
        from .ingest import ingest

        return ingest(self.store, [str(i) for i in inputs], self.config, reporter)

    def analyze(
        self,
        until: str | None = None,
        reporter: Reporter | None = None,
        *,
        only: Sequence[str] = (),
        redo: Sequence[str] = (),
        engine: Engine | None = None,
    ) -> list[StageReport]:
        """Run the stages on what is new or changed, as ``wiretrace analyze`` does.

        ``until``: that stage and what it requires; ``only``: exactly those stages; ``redo``:
        those stages and what depends on them on every article. Unknown names: ValueError.
        ``engine``: computes the per-article batches (default: this process), e.g.
        ``wiretrace.distributed.engine.RayEngine(address=...)``.
        """
        return Pipeline.default().run(
            self.store, self.config, reporter, until=until, only=only, redo=redo, engine=engine
        )

    def articles(self) -> Iterator[Article]:
        return self.store.iter_articles()

    def article(self, article_id: str) -> Article:
        return self.store.get_article(article_id)

    def quotes(
        self, speaker: str | None = None, article: str | None = None, kind: str | None = None
    ) -> list[Quote]:
        """Quotes, optionally of one speaker under any of its names or roles ("Peskov")."""
        from .attribution import queries

        return queries.quotes(self.store, speaker=speaker, article=article, kind=kind)

    def statements(self) -> list[Statement]:
        return records.statements(self.store.conn)

    def reuse(self, article: str | None = None) -> list[ReuseLink]:
        """Reuse links, optionally only those touching one article (either side)."""
        from .reuse.tables import links

        return links(self.store, article)

    def figures(self, article: str | None = None) -> list[Figure]:
        return [f.figure for f in records.figures(self.store.conn, article)]

    def figure_groups(self) -> list[FigureGroup]:
        """Figures counting the same thing across articles: agree, update (in order), conflict."""
        from .figures.queries import figure_groups

        return figure_groups(self.store)

    def timeline(self, story: str | None = None) -> list[TimelineEvent]:
        """Dated events (resolved time expressions with their sentences), in time order."""
        from .figures.queries import timeline

        return timeline(self.store, story)

    def stories(self) -> list[Story]:
        return records.stories(self.store.conn)

    def narrative_hits(self, narrative_id: str) -> list[NarrativeHit]:
        return records.narrative_hits(self.store.conn, narrative_id)
