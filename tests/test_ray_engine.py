"""The Ray engine: same stage functions, same results as the local engine; Parquet in and
out; and the local default never imports Ray."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES
from wiretrace.config import Config
from wiretrace.export import export_dict
from wiretrace.store import Store, dump_tables, load_tables

ROOT = Path(__file__).resolve().parents[1]
# Loopback only: Ray replaces 127.0.0.1 by the machine's address, but not 127.0.0.2.
HEAD_IP, NODE_IP = "127.0.0.2", "127.0.0.3"
SMALL_RAY = {"num_cpus": 2, "object_store_memory": 400 * 1024 * 1024, "node_ip": HEAD_IP}


def _python(code: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout
    )


def test_analyze_without_engine_never_imports_ray(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    code = f"""
import sys
from typer.testing import CliRunner
from wiretrace.cli import app
from wiretrace.api import Corpus
with Corpus({str(db)!r}) as c:
    c.ingest([{str(tmp_path / "none.txt")!r}])
result = CliRunner().invoke(app, ["analyze", "--db", {str(db)!r}, "-q"])
assert result.exit_code == 0, result.output
print("ray" in sys.modules, any(m.startswith("ray.") for m in sys.modules))
"""
    (tmp_path / "none.txt").write_text("", encoding="utf-8")
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_parquet_rows_ingest_like_json_lines(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from wiretrace.ingest import ingest

    rows = [
        {"text": "First report.\n\nIt rained.", "title": "Rain", "outlet": "Herald",
         "published": "2025-03-12", "url": "https://example.org/a"},
        {"text": "Second report.", "title": None, "outlet": "Courier",
         "published": None, "url": None},
        {"text": "   ", "title": "Empty", "outlet": None, "published": None, "url": None},
    ]  # fmt: skip
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "articles.parquet")
    (tmp_path / "articles.jsonl").write_text(
        "\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8"
    )
    docs = {}
    for name in ("articles.parquet", "articles.jsonl"):
        with Store(":memory:") as s:
            report = ingest(s, [str(tmp_path / name)], Config())
            assert report.added == 2 and len(report.errors) == 1
            assert "#3" in report.errors[0].source and "empty" in report.errors[0].message
            docs[name] = [
                (d.content, d.title, d.outlet, d.published, d.url) for _, d in s.iter_documents()
            ]
    assert docs["articles.parquet"] == docs["articles.jsonl"]
    assert docs["articles.parquet"][0] == (
        "First report.\n\nIt rained.", "Rain", "Herald", "2025-03-12", "https://example.org/a"
    )  # fmt: skip


def test_parquet_input_from_a_filesystem_uri(tmp_path: Path) -> None:
    """Articles named by a filesystem URI (here file://; s3:// and the like on a cluster)
    ingest like the same files named by local path: one file, or a Parquet dataset folder
    (metadata files such as _SUCCESS skipped); other kinds there are refused by name."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from wiretrace.ingest import ingest

    folder = tmp_path / "dataset"
    folder.mkdir()
    for part, outlet in enumerate(("Herald", "Courier")):
        rows = [{"text": f"Report {part}-{k}.\n\nIt rained {k} days.", "outlet": outlet}
                for k in range(3)]  # fmt: skip
        pq.write_table(pa.Table.from_pylist(rows), folder / f"part-{part}.parquet")
    (folder / "_SUCCESS").write_text("", encoding="utf-8")
    (tmp_path / "notes.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")

    def docs(inputs: list[str]) -> tuple[list[tuple[str, str | None]], list[str], list[str]]:
        with Store(":memory:") as s:
            report = ingest(s, inputs, Config())
            got = sorted((d.content, d.outlet) for _, d in s.iter_documents())
            sources = sorted(r[0] for r in s.conn.execute("SELECT source FROM document_sources"))
            return got, [e.message for e in report.errors], sources

    local, errors, _ = docs([str(folder / "part-0.parquet"), str(folder / "part-1.parquet")])
    assert len(local) == 6 and not errors
    remote, errors, sources = docs([folder.as_uri()])
    assert remote == local and not errors
    assert sources[0] == f"{folder.as_uri()}/part-0.parquet#1", sources[:2]
    one, errors, _ = docs([(folder / "part-1.parquet").as_uri()])
    assert one == [d for d in local if d[1] == "Courier"] and not errors
    _, errors, _ = docs([(tmp_path / "notes.jsonl").as_uri()])
    assert errors and "only Parquet" in errors[0]
    _, errors, _ = docs([(tmp_path / "missing").as_uri()])
    assert errors and "no such file" in errors[0]


def test_store_tables_round_trip_through_parquet(demo_db: Path, tmp_path: Path) -> None:
    with Store(demo_db) as s:
        dump_tables(s, tmp_path / "tables")
        want = export_dict(s)
    with Store(tmp_path / "loaded.db") as s:
        counts = load_tables(s, tmp_path / "tables")
        assert counts["articles"] == len(want["articles"]) > 0
        assert export_dict(s) == want
        with pytest.raises(Exception, match="not empty"):
            load_tables(s, tmp_path / "tables")


def _memory_filesystem() -> Any:
    """An fsspec in-memory filesystem seen through pyarrow, standing in for object storage."""
    fsspec = pytest.importorskip("fsspec", reason="the in-memory filesystem comes from fsspec")
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    memory = fsspec.filesystem("memory")
    memory.store.clear()
    memory.pseudo_dirs[:] = [""]
    return PyFileSystem(FSSpecHandler(memory))


def test_results_go_through_any_pyarrow_filesystem(demo_db: Path, tmp_path: Path) -> None:
    """Results written to a file:// URI and to a non-local filesystem load back the same."""
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    from wiretrace.distributed.run import load_results, write_results

    memory = _memory_filesystem()
    with Store(demo_db) as s:
        want = export_dict(s)
        written = write_results(s, "/bucket/run-1", memory)
        write_results(s, (tmp_path / "uri").as_uri())
    assert "/bucket/run-1/export/quotes.parquet" in written
    assert memory.get_file_info("/bucket/run-1/store/schema_version").type == pafs.FileType.File
    quotes = pq.read_table("/bucket/run-1/export/quotes.parquet", filesystem=memory)
    assert quotes.num_rows == len(want["quotes"]) > 0
    assert (tmp_path / "uri" / "store" / "articles.parquet").exists()
    for n, (where, fs) in enumerate(
        ((f"{tmp_path.as_uri()}/uri", None), ("/bucket/run-1", memory))
    ):
        with Store(tmp_path / f"loaded-{n}.db") as s:
            load_results(where, s, fs)
            assert export_dict(s) == want
    with Store(tmp_path / "empty.db") as s, pytest.raises(Exception, match="not a results"):
        load_results("/bucket/nothing", s, memory)


# -- the Ray engine --------------------------------------------------------------------


def _ray() -> Any:
    return pytest.importorskip("ray", reason="the Ray engine needs wiretrace[ray]")


def _demo_store(db: Path) -> Path:
    from wiretrace.ingest import ingest
    from wiretrace.narratives.api import import_file

    with Store(db) as s:
        assert not ingest(s, [str(EXAMPLES / "corpus")], Config()).errors
        import_file(s, EXAMPLES / "watchlist.toml")
    return db


def _comparable(export: dict[str, Any]) -> dict[str, Any]:
    """The sections the engines must agree on, with scores rounded (float sums may differ
    in the last bits between processes with different thread counts)."""

    def rounded(x: Any) -> Any:
        if isinstance(x, float):
            return round(x, 4)
        if isinstance(x, list):
            return [rounded(v) for v in x]
        if isinstance(x, dict):
            return {k: rounded(v) for k, v in x.items()}
        return x

    return rounded(export)


def test_ray_engine_matches_the_local_engine(demo_export: dict, tmp_path: Path) -> None:
    """The demo corpus on a local Ray (2 CPUs, started here): the exports are the same, and
    so is the store loaded back from the Parquet results."""
    ray = _ray()
    from wiretrace.distributed import analyze_to, load_results
    from wiretrace.distributed.engine import RayEngine

    db = _demo_store(tmp_path / "ray.db")
    engine = RayEngine(workers=2, **SMALL_RAY)
    try:
        engine.start()
        with Store(db) as s:
            reports = analyze_to(s, Config(), tmp_path / "out", engine)
            assert not [e for r in reports for e in r.errors]
            got = export_dict(s)
    finally:
        engine.stop()
    assert not ray.is_initialized()
    assert sum(engine.nodes.values()) > 0  # the batches did go through Ray
    # One pool for the whole run: the batches of every per-article stage (clean, nlp,
    # attribution, figures, narrative segments) ran in the same worker processes.
    assert sum(engine.nodes.values()) >= 5 and 1 <= len(engine.processes) <= 2, engine
    # Corpus stages ran as keyed shuffles: reuse (band keys, specific tokens, the neighbour
    # searches' vectors by cell and hits by searched item, sentence hits by article pair,
    # nearest articles' rows of near_best made in the cells, articles to pairs, pairs), statements
    # (quotes by speaker), figure groups (figures by family),
    # stories (articles and stories by time block), recurring claims (segment blocks shared
    # once, batches of buckets sent as places, their findings back to the local engine's
    # files of pairs); and echo matching sent
    # the segments to the workers in units (not a shuffle: each unit to one task).
    assert sorted(name for name, *_ in engine.shuffles.moved) == [
        "articles to pairs",
        "band keys",
        "bucket places sent",
        "centroid hits by article",
        "centroids by cell",
        "figures by family",
        "nearest articles by article",
        "pairs",
        "quotes by speaker",
        "segment blocks shared",
        "segments to matching",
        "sentence hits by pair",
        "sentence hits by sentence",
        "sentences by cell",
        "specific tokens",
        "stories by time block",
        "verified findings back",
    ], engine.shuffles.moved
    want = _comparable(demo_export)
    got = _comparable(got)
    for section in ("articles", "quotes", "figures", "reuse", "stories", "narratives"):
        assert got[section] == want[section], section
    assert got == want
    with Store(tmp_path / "loaded.db") as s:
        load_results(tmp_path / "out", s)
        assert _comparable(export_dict(s)) == want
    assert (tmp_path / "out" / "export" / "quotes.parquet").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HEAD_IP, 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def two_nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A Ray head and a second node, as separate processes on this machine (one CPU each,
    loopback only); both stopped by process group, whatever the test did. Every process
    authenticates with the user's Ray token (made once by ``ray get-auth-token --generate``),
    as the nodes of a real cluster share one."""
    ray_bin = Path(sys.executable).with_name("ray")
    if not ray_bin.exists():
        pytest.skip("the ray command is not installed (wiretrace[ray])")
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    subprocess.run(
        [str(ray_bin), "get-auth-token", "--generate"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    port = _free_port()
    address = f"{HEAD_IP}:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "RAY_USAGE_STATS_ENABLED": "0"}
    common = ["--num-cpus", "1", "--object-store-memory", str(300 * 1024 * 1024), "--block"]
    common += ["--disable-usage-stats"]
    head_cmd = [str(ray_bin), "start", "--head", "--port", str(port), "--include-dashboard=false"]
    head_cmd += ["--node-ip-address", HEAD_IP]
    procs = []
    try:
        procs.append(
            subprocess.Popen(
                head_cmd + common,
                env=env,
                stdout=open(tmp_path / "head.log", "wb"),  # noqa: SIM115 - closed by the process
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        _wait_for_log(tmp_path / "head.log", procs)
        procs.append(
            subprocess.Popen(
                [
                    str(ray_bin),
                    "start",
                    "--address",
                    address,
                    "--node-ip-address",
                    NODE_IP,
                    *common,
                ],
                env=env,
                stdout=open(tmp_path / "node.log", "wb"),  # noqa: SIM115 - closed by the process
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        _wait_for_log(tmp_path / "node.log", procs)
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


def _wait_for_log(log: Path, procs: list[subprocess.Popen[bytes]]) -> None:
    """Until the node writing ``log`` says its runtime started (bounded)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if "Ray runtime started" in text:
            return
        if any(p.poll() is not None for p in procs):
            pytest.fail(f"a Ray node exited: {text[-2000:]}")
        time.sleep(1)
    pytest.fail(f"{log.name}: the Ray node did not start in time")


def _connect(address: str, nodes: int) -> Any:
    """This process as the cluster's driver, once ``nodes`` nodes are alive (bounded)."""
    ray = _ray()
    ray.init(address=address, log_to_driver=False, _node_ip_address=HEAD_IP)
    deadline = time.monotonic() + 300
    # A node counts once it reports its CPUs: the engine deals its actors over those nodes
    # only, and a node can be alive a moment before its resources are known.
    while sum(1 for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU")) < nodes:
        if time.monotonic() > deadline:
            pytest.fail(f"the Ray cluster at {address} did not reach {nodes} nodes in time")
        time.sleep(1)
    return ray


@pytest.mark.slow
def test_two_nodes_share_the_work_and_agree(
    two_nodes: str, demo_export: dict, tmp_path: Path
) -> None:
    from wiretrace.distributed import analyze_to
    from wiretrace.distributed.engine import RayEngine

    db = _demo_store(tmp_path / "two.db")
    ray = _connect(two_nodes, 2)
    engine = RayEngine(address=two_nodes, workers=2, batch=6, node_ip=HEAD_IP)
    try:
        engine.start()  # joins the connection made above
        with Store(db) as s:
            analyze_to(s, Config(), None, engine)
            got = export_dict(s)
    finally:
        ray.shutdown()
    # shown with pytest -s: where each actor was dealt and placed, and how many were made
    # again because Ray first put them on the other node
    print("batches per node id:", dict(engine.nodes), engine.placed, engine.replaced)
    assert _comparable(got) == _comparable(demo_export)
    assert len({node for _, node in engine.placed}) == 2, engine.placed  # one actor per node
    assert all(dealt == node for dealt, node in engine.placed), engine.placed
    assert len(engine.nodes) == 2, engine.nodes  # batches ran on both node ids


def test_load_refuses_what_is_not_a_results_folder(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from wiretrace.cli import app

    db = tmp_path / "new.db"
    result = CliRunner().invoke(app, ["load", str(tmp_path), "--db", str(db)])
    assert result.exit_code == 1 and "not a results folder" in result.output
    assert not db.exists()  # nothing half-made is left behind
    db.write_bytes(b"")
    result = CliRunner().invoke(app, ["load", str(tmp_path), "--db", str(db)])
    assert result.exit_code == 1 and "already exists" in result.output
