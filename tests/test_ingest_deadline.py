"""Fetches are bounded as a whole: a server that trickles bytes cannot stall ``ingest``.

The trickling server is owned by the test, bound to 127.0.0.1, and stops on its own after
``TRICKLE_FOR`` seconds; each test checks that ingest gave up long before that (the server
records whether its client hung up before it had finished) and that the good local file
of the same run was stored, and stored before the first request reached the server.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest_inputs import BODY
from wiretrace.cli import app
from wiretrace.config import Config
from wiretrace.ingest import ingest
from wiretrace.store import Store

TRICKLE_FOR = 20.0  # seconds the server would keep one response going
STEP = 0.05  # seconds between two bytes


@dataclass
class Trickler:
    """What the server saw: requests, documents already stored at each, early hang-ups."""

    db: Path | None
    mode: str = "headers"  # trickle from the status line, or only the body
    port: int = 0
    requests: list[str] = field(default_factory=list)
    stored_at_request: list[int] = field(default_factory=list)
    hung_up_early: int = 0
    finished: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _stored(db: Path | None) -> int:
    if db is None or not db.exists():
        return -1
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return -1
    finally:
        conn.close()


def _serve_one(conn: socket.socket, state: Trickler) -> None:
    with conn:
        conn.settimeout(5)
        try:
            request = conn.recv(65536).decode("latin-1")
        except OSError:
            return
        path = request.split(" ")[1] if " " in request else "?"
        state.requests.append(path)
        state.stored_at_request.append(_stored(state.db))
        if path == "/robots.txt" and state.mode == "body":
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
        if state.mode == "body":
            conn.sendall(head)
            payload = b"x" * 100000
        else:
            payload = head + b"x" * 100000
        started = time.monotonic()
        for i in range(len(payload)):
            if state.stop.is_set() or time.monotonic() - started > TRICKLE_FOR:
                return
            try:
                conn.sendall(payload[i : i + 1])
            except OSError:
                state.hung_up_early += 1
                return
            time.sleep(STEP)
        state.finished += 1


def _run(state: Trickler, listener: socket.socket) -> None:
    workers: list[threading.Thread] = []
    while not state.stop.is_set():
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        except OSError:
            break
        worker = threading.Thread(target=_serve_one, args=(conn, state), daemon=True)
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join(timeout=TRICKLE_FOR + 5)


@pytest.fixture
def trickler(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Trickler]:
    state = Trickler(db=tmp_path / "w.db", mode=getattr(request, "param", "headers"))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    state.port = listener.getsockname()[1]
    thread = threading.Thread(target=_run, args=(state, listener), daemon=True)
    thread.start()
    yield state
    state.stop.set()
    thread.join(timeout=TRICKLE_FOR + 10)
    listener.close()


def _config(tmp_path: Path, **ingest: object) -> Path:
    path = tmp_path / "wiretrace.toml"
    lines = [f"{k} = {v!r}" for k, v in ingest.items()]
    path.write_text("[ingest]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_trickled_headers_give_up_by_the_deadline_and_local_files_are_stored(
    trickler: Trickler, tmp_path: Path
) -> None:
    good = tmp_path / "good.txt"
    good.write_text(BODY, encoding="utf-8")
    # Per-read timeout far above the deadline, and retries on: only the deadline can end
    # this fetch, and a request over it is not retried.
    config = _config(tmp_path, fetch_deadline=1.0, timeout=15.0, retries=3, per_host_delay=0.0)
    started = time.monotonic()
    result = CliRunner().invoke(
        app,
        [
            "ingest",
            trickler.url("/article"),
            str(good),
            "--db",
            str(trickler.db),
            "--config",
            str(config),
            "-q",
        ],
    )
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "no complete response within 1 s" in result.output
    assert "1 new, 0 already stored, 1 failed" in result.output
    with Store(trickler.db) as store:
        assert [r["source"] for r in store.conn.execute("SELECT source FROM documents")] == [
            str(good)
        ]
    # The server would have trickled for TRICKLE_FOR s; ingest hung up well before.
    assert elapsed < TRICKLE_FOR / 2
    assert trickler.finished == 0
    assert trickler.requests == ["/robots.txt"]  # not retried, page not requested
    assert trickler.stored_at_request == [1]  # the local file was committed first


@pytest.mark.parametrize("trickler", ["body"], indirect=True)
def test_a_body_under_the_minimum_rate_is_abandoned(trickler: Trickler, tmp_path: Path) -> None:
    cfg = Config(
        sections={
            "ingest": {
                "fetch_deadline": 60.0,
                "min_transfer_rate": 1024,
                "rate_window": 0.5,
                "retries": 0,
                "per_host_delay": 0.0,
            }
        }
    )
    started = time.monotonic()
    with Store(trickler.db) as store:
        report = ingest(store, [trickler.url("/slow")], cfg)
    assert time.monotonic() - started < TRICKLE_FOR / 2
    [error] = report.errors
    assert "too slow" in error.message and "min_transfer_rate" in error.message
    assert trickler.finished == 0


@pytest.mark.parametrize("trickler", ["body"], indirect=True)
def test_a_slow_body_ends_at_the_deadline(trickler: Trickler, tmp_path: Path) -> None:
    cfg = Config(
        sections={
            "ingest": {
                "fetch_deadline": 1.0,
                "min_transfer_rate": 0,
                "retries": 2,
                "per_host_delay": 0.0,
            }
        }
    )
    with Store(trickler.db) as store:
        report = ingest(store, [trickler.url("/slow")], cfg)
    [error] = report.errors
    assert "no complete response within 1 s" in error.message
    assert trickler.requests == ["/robots.txt", "/slow"]
    assert trickler.finished == 0


def test_retries_never_outlast_the_deadline() -> None:
    """A Retry-After longer than the time left ends the fetch at once, without the wait."""
    import httpx

    from wiretrace.ingest.config import IngestConfig
    from wiretrace.ingest.http import Fetcher, FetchError

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(503, headers={"Retry-After": "30"})

    waits: list[float] = []
    cfg = IngestConfig(fetch_deadline=5.0, retries=3, per_host_delay=0.0)
    with (
        Fetcher(cfg, transport=httpx.MockTransport(answer), sleep=waits.append) as fetcher,
        pytest.raises(FetchError, match=r"HTTP 503.*no time left for another attempt within 5 s"),
    ):
        fetcher.fetch("https://slow.example/a", 1_000_000)
    assert waits == []
