"""One TOML file configures every stage; each stage reads its own section.

A section is turned into that stage's frozen config dataclass, so a typo in a key or in a
section name is an error at start-up rather than a silently ignored setting. The hash of a
frozen section (its ``fingerprint``) is part of each stage's key: changing a setting makes
exactly the stages that read it, and those downstream, redo their work.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """The configuration file names an unknown section or key, or holds a wrong type."""


# Every section a configuration file may hold, and the frozen dataclass it becomes.
SECTIONS: Mapping[str, str] = MappingProxyType(
    {
        "ingest": "wiretrace.ingest.config:IngestConfig",
        "clean": "wiretrace.clean.config:CleanConfig",
        "nlp": "wiretrace.nlp.models:NlpConfig",
        "attribution": "wiretrace.attribution.config:AttributionConfig",
        "figures": "wiretrace.figures.config:FiguresConfig",
        "reuse": "wiretrace.reuse.config:ReuseConfig",
        "stories": "wiretrace.stories.cluster:StoriesConfig",
        "narratives": "wiretrace.narratives.matching:NarrativesConfig",
    }
)

# Field metadata marking a setting that changes speed or memory, never results: it is left
# out of the section's fingerprint, so changing it redoes nothing.
RUNTIME_ONLY: Mapping[str, bool] = MappingProxyType({"runtime_only": True})


def section_class(name: str) -> type[Any]:
    """The frozen dataclass of section ``[name]``."""
    if name not in SECTIONS:
        raise ConfigError(f"unknown section [{name}]")
    module, _, cls = SECTIONS[name].partition(":")
    return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Config:
    """The parsed configuration file: one mapping per stage section."""

    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    origin: str | None = None

    def section(self, name: str, cls: type[T]) -> T:
        """Build the frozen config ``cls`` from ``[name]``, defaults for what is not set."""
        values = dict(self.sections.get(name, {}))
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls!r} is not a dataclass")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            where = self.origin or "configuration"
            raise ConfigError(f"{where}: unknown key(s) in [{name}]: {', '.join(unknown)}")
        for key, value in values.items():
            if isinstance(value, list):
                values[key] = tuple(value)
        return cls(**values)

    def fingerprint(self, name: str) -> str:
        """Hash of section ``[name]`` as the stage sees it (defaults filled in), without
        its runtime-only settings: equal fingerprints mean equal results."""
        values = dataclasses.asdict(self.section(name, section_class(name)))
        for f in dataclasses.fields(section_class(name)):
            if f.metadata.get("runtime_only"):
                values.pop(f.name, None)
        text = json.dumps([name, values], sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def check(self) -> None:
        """Every section is known and every key in it belongs to its dataclass."""
        where = self.origin or "configuration"
        unknown = sorted(set(self.sections) - set(SECTIONS))
        if unknown:
            raise ConfigError(
                f"{where}: unknown section(s) {', '.join(f'[{u}]' for u in unknown)};"
                f" sections are {', '.join(f'[{k}]' for k in SECTIONS)}"
            )
        for name in self.sections:
            try:
                self.section(name, section_class(name))
            except TypeError as exc:
                raise ConfigError(f"{where}: [{name}]: {exc}") from exc


def load_config(path: str | Path | None = None) -> Config:
    """Read ``wiretrace.toml`` (or the given file); no file means all defaults."""
    if path is None:
        default = Path("wiretrace.toml")
        if not default.exists():
            return Config()
        path = default
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc})") from exc
    stray = sorted(k for k, v in data.items() if not isinstance(v, dict))
    if stray:
        raise ConfigError(f"{path}: setting(s) outside any section: {', '.join(stray)}")
    sections = {k: MappingProxyType(dict(v)) for k, v in data.items()}
    config = Config(sections=MappingProxyType(sections), origin=str(path))
    config.check()
    return config
