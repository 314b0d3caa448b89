"""One TOML file configures every stage; each stage reads its own section.

A section is turned into that stage's frozen config dataclass, so a typo in a key or in a
section name is an error at start-up rather than a silently ignored setting. The hash of a
frozen section (its ``fingerprint``) is part of each stage's key: changing a setting makes
exactly the stages that read it, and those downstream, redo their work.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import json
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from .store import content_hash

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
# Field metadata marking a file the stage reads on every run and keys its results by the
# content of (a watchlist): the fingerprint holds the field's default instead of the path,
# so setting or moving the file redoes only what its content changes, not every article.
KEYED_BY_CONTENT: Mapping[str, bool] = MappingProxyType({"keyed_by_content": True})


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
        where = self.origin or "configuration"
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError(f"{where}: unknown key(s) in [{name}]: {', '.join(unknown)}{hint}")
        hints = typing.get_type_hints(cls)
        for key, value in values.items():
            if not _fits(value, hints.get(key, Any)):
                raise ConfigError(
                    f"{where}: [{name}] {key} = {value!r}: expected {_describe(hints[key])}"
                )
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
            elif f.metadata.get("keyed_by_content"):
                values[f.name] = f.default
        text = json.dumps([name, values], sort_keys=True, default=str)
        return content_hash(text)

    def check(self) -> None:
        """Every section is known and every key in it belongs to its dataclass."""
        where = self.origin or "configuration"
        unknown = sorted(set(self.sections) - set(SECTIONS))
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(SECTIONS), n=1)
            hint = f" (did you mean [{close[0]}]?)" if close else ""
            raise ConfigError(
                f"{where}: unknown section(s) {', '.join(f'[{u}]' for u in unknown)}{hint};"
                f" sections are {', '.join(f'[{k}]' for k in SECTIONS)}"
            )
        for name in self.sections:
            try:
                self.section(name, section_class(name))
            except TypeError as exc:
                raise ConfigError(f"{where}: [{name}]: {exc}") from exc


def _fits(value: Any, hint: Any) -> bool:
    """Whether a TOML value can stand for a setting of type ``hint`` (types not understood
    here are let through: the dataclass has the last word)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint in (str, Path):
        return isinstance(value, str)
    if origin in (tuple, list) or hint in (tuple, list):
        if not isinstance(value, list | tuple):
            return False
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return all(_fits(v, args[0]) for v in value)
        if origin is tuple and args:
            return len(args) == len(value) and all(map(_fits, value, args))
        return not args or all(_fits(v, args[0]) for v in value)
    if origin in (dict, Mapping) or hint is dict:
        return isinstance(value, dict)
    return True


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(hint))
    if typing.get_origin(hint) is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if hint is type(None):
        return "nothing"
    if typing.get_origin(hint) in (tuple, list):
        return "a list"
    return getattr(hint, "__name__", str(hint))


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
