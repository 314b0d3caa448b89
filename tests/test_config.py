from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from wiretrace.config import Config, ConfigError, load_config
from wiretrace.nlp import NlpConfig


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(None).section("nlp", NlpConfig) == NlpConfig()


def test_section_values_and_lists(tmp_path: Path) -> None:
    @dataclass(frozen=True)
    class Demo:
        size: int = 1
        names: tuple[str, ...] = ()

    path = tmp_path / "w.toml"
    path.write_text('[demo]\nsize = 3\nnames = ["a", "b"]\n', encoding="utf-8")
    assert load_config(path).section("demo", Demo) == Demo(3, ("a", "b"))


def test_unknown_key_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text("[nlp]\nspacy_modle = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"w\.toml.*spacy_modle"):
        load_config(path).section("nlp", NlpConfig)


def test_broken_toml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text("[nlp\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(path)


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Config().origin = "x"  # type: ignore[misc]
