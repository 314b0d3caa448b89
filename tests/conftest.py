"""Shared fixtures: an in-memory store, and the karabakh-2023 corpus when it is present."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wiretrace.config import Config
from wiretrace.store import Store

ROOT = Path(__file__).resolve().parents[1]
KARABAKH = ROOT.parent / "shared" / "corpora" / "karabakh-2023"
EXAMPLES = ROOT / "examples"


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store(":memory:")
    yield s
    s.close()


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture(scope="session")
def karabakh_dir() -> Path:
    if not (KARABAKH / "gold.json").exists():
        pytest.skip("karabakh-2023 corpus not present beside the project")
    return KARABAKH


@pytest.fixture(scope="session")
def karabakh_export(karabakh_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The karabakh corpus ingested as plain files and fully analysed, once per session."""
    from wiretrace.export import export_dict
    from wiretrace.ingest import ingest
    from wiretrace.pipeline import Pipeline

    db = tmp_path_factory.mktemp("karabakh") / "k.db"
    with Store(db) as s:
        report = ingest(s, sorted(str(p) for p in karabakh_dir.glob("*.txt")), Config())
        assert not report.errors
        Pipeline.default().run(s, Config())
        return export_dict(s)


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The bundled demo corpus ingested and fully analysed, once per session."""
    from wiretrace.export import export_dict
    from wiretrace.ingest import ingest
    from wiretrace.pipeline import Pipeline

    corpus = EXAMPLES / "corpus"
    if not corpus.exists():
        pytest.skip("demo corpus not written yet")
    db = tmp_path_factory.mktemp("demo") / "d.db"
    with Store(db) as s:
        ingest(s, [str(corpus)], Config())
        Pipeline.default().run(s, Config())
        return export_dict(s)
