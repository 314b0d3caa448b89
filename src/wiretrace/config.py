"""One TOML file configures every stage; each stage reads its own section.

A section is turned into that stage's frozen config dataclass, so a typo in a key is an
error at start-up rather than a silently ignored setting.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """The configuration file names an unknown key or holds a wrong type."""


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
    sections = {k: MappingProxyType(dict(v)) for k, v in data.items() if isinstance(v, dict)}
    return Config(sections=MappingProxyType(sections), origin=str(path))
