"""Stage order, what each stage requires and provides, and incremental runs.

Stages never call each other: each reads what it requires from the store and writes what
it provides. Per-article stages work on ``store.pending(name)`` (articles whose clean text
they have not seen), so re-running is cheap and adding articles touches only the new ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .config import Config
from .store import Store


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
    name: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    run: Callable[[Store, Config, Reporter], StageReport]
    doc: str = ""


# Stage modules, in dependency order. Each exposes ``STAGE``.
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


@dataclass(frozen=True)
class Pipeline:
    stages: tuple[Stage, ...] = field(default_factory=tuple)

    @classmethod
    def default(cls) -> Pipeline:
        stages = tuple(importlib.import_module(m).STAGE for m in STAGE_MODULES)
        _check_order(stages)
        return cls(stages)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def select(self, until: str | None = None) -> Sequence[Stage]:
        if until is None:
            return self.stages
        if until not in self.names:
            raise ValueError(f"unknown stage {until!r}; stages are: {', '.join(self.names)}")
        return self.stages[: self.names.index(until) + 1]

    def run(
        self,
        store: Store,
        config: Config,
        reporter: Reporter | None = None,
        until: str | None = None,
    ) -> list[StageReport]:
        reporter = reporter or NullReporter()
        return [stage.run(store, config, reporter) for stage in self.select(until)]


def _check_order(stages: Sequence[Stage]) -> None:
    """Every requirement must be provided by the ingest step or an earlier stage."""
    available = {"documents"}
    for stage in stages:
        missing = [r for r in stage.requires if r not in available]
        if missing:
            raise RuntimeError(f"stage {stage.name!r} requires {missing} before it is provided")
        available.update(stage.provides)
