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

    config = Config(sections={"demo": {"size": 3, "names": ["a", "b"]}})
    assert config.section("demo", Demo) == Demo(3, ("a", "b"))


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


def test_unknown_section_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text("[reuze]\nmin_words = 8\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"w\.toml.*\[reuze\]"):
        load_config(path)


def test_unknown_key_is_found_when_the_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text("[figures]\nnot_a_setting = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not_a_setting"):
        load_config(path)


def test_the_spacy_model_is_named_once_in_nlp(tmp_path: Path) -> None:
    for section in ("clean", "reuse"):
        path = tmp_path / f"{section}.toml"
        path.write_text(f"[{section}]\nspacy_model = 'x'\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="spacy_model"):
            load_config(path)


def test_fingerprint_follows_results_not_runtime_settings() -> None:
    base = Config()
    assert base.fingerprint("reuse") == Config(sections={"reuse": {}}).fingerprint("reuse")
    assert base.fingerprint("reuse") != Config(sections={"reuse": {"min_words": 8}}).fingerprint(
        "reuse"
    )
    assert base.fingerprint("nlp") == Config(sections={"nlp": {"batch_size": 7}}).fingerprint("nlp")
    assert base.fingerprint("nlp") != Config(
        sections={"nlp": {"spacy_model": "en_core_web_sm"}}
    ).fingerprint("nlp")


def test_a_wrong_type_is_an_error_naming_file_section_and_key(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text('[reuse]\nmin_words = "eight"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"w\.toml: \[reuse\] min_words = 'eight': expected int"):
        load_config(path)
    path.write_text("[reuse]\nmin_words = 8.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_words"):
        load_config(path)


def test_every_default_passes_the_type_check() -> None:
    """A file that writes out every default is accepted: the check rejects no valid value."""
    import dataclasses

    from wiretrace.config import SECTIONS, section_class

    sections = {}
    for name in SECTIONS:
        defaults = dataclasses.asdict(section_class(name)())
        sections[name] = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in defaults.items()
            if v is not None and not isinstance(v, dict)
        }
    Config(sections=sections, origin="all-defaults.toml").check()


@pytest.mark.parametrize("command", [["analyze"], ["ingest", "nothing-here"], ["eval", "GOLD"]])
def test_the_cli_reports_a_config_typo_in_one_line_with_exit_2(
    tmp_path: Path, command: list[str]
) -> None:
    from typer.testing import CliRunner

    from wiretrace.cli import app

    path = tmp_path / "w.toml"
    path.write_text("[reuse]\nmin_wrods = 8\n", encoding="utf-8")
    (tmp_path / "g.json").write_text("{}", encoding="utf-8")
    command = [str(tmp_path / "g.json") if c == "GOLD" else c for c in command]
    result = CliRunner().invoke(
        app, [*command, "--db", str(tmp_path / "w.db"), "--config", str(path)]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = [x for x in result.output.splitlines() if x.strip()]
    assert "w.toml" in line and "[reuse]" in line and "min_wrods" in line
    assert "did you mean min_words" in line
