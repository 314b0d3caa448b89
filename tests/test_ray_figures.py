"""Figure groups on Ray leave the same component records as the local engine, so the next
local run of the stage groups again only what its pending articles touch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import copy_store
from wiretrace.config import Config
from wiretrace.export import export_dict
from wiretrace.figures.groups import LABELS_BLOB, NAME
from wiretrace.pipeline import Pipeline
from wiretrace.store import Store

# Loopback only: Ray replaces 127.0.0.1 by the machine's address, but not 127.0.0.6.
SMALL_RAY = {"num_cpus": 2, "object_store_memory": 400 * 1024 * 1024, "node_ip": "127.0.0.6"}


def _records(store: Store) -> dict[str, dict[str, str]]:
    out = {}
    for article in store.article_ids():
        data = store.get_blob(LABELS_BLOB, article)
        out[article] = json.loads(data) if data is not None else None
    return out


def _clustered(notes: tuple[str, ...]) -> tuple[int, int]:
    for note in notes:
        found = re.match(r"clustered (\d+) of (\d+) figures", note)
        if found:
            return int(found[1]), int(found[2])
    raise AssertionError(notes)


def test_an_incremental_local_run_after_ray_does_not_start_over(
    demo_db: Path, demo_export: dict, tmp_path: Path
) -> None:
    pytest.importorskip("ray", reason="the Ray engine needs wiretrace[ray]")
    from wiretrace.distributed.engine import RayEngine

    db = copy_store(demo_db, tmp_path / "w.db")
    pipeline = Pipeline.default()
    with Store(demo_db) as s:
        local = _records(s)
    assert sum(len(r or {}) for r in local.values()) > 10
    with Store(db) as s, RayEngine(workers=2, **SMALL_RAY) as engine:  # type: ignore[arg-type]
        (report,) = pipeline.run(s, Config(), only=(NAME,), redo=(NAME,), engine=engine)
        assert not report.errors
        assert [m for m, *_ in engine.shuffles.moved] == ["figures by family"]
        assert _records(s) == local
        assert export_dict(s)["figure_groups"] == demo_export["figure_groups"]
    # The article with figures whose components are smallest pending again (as after a
    # change of the stage's key for it): the local run starts from the Ray run's records
    # and groups only what that article touches again.
    size: dict[str, int] = {}
    for found in local.values():
        for label in (found or {}).values():
            size[label] = size.get(label, 0) + 1
    article = min(
        (a for a, found in local.items() if found),
        key=lambda a: (sum(size[c] for c in set(local[a].values())), a),
    )
    with Store(db) as s:
        s.mark_done(NAME, [article], "an earlier key")
        (report,) = pipeline.run(s, Config(), only=(NAME,))
        again, total = _clustered(report.notes)
        assert 0 < again < total, (article, report.notes)
        assert export_dict(s)["figure_groups"] == demo_export["figure_groups"]
        assert _records(s) == local
