"""`wiretrace serve` start-up: the Host check on every loopback address (IPv6 included),
valid printed URLs, and a clear refusal of a file that is not a Wiretrace store."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from wiretrace.cli import app
from wiretrace.store import Store
from wiretrace.web.app import allowed_hosts_for, create_app, is_loopback, server_url

runner = CliRunner()


def test_printed_urls_are_valid() -> None:
    assert server_url("::1", 8000) == "http://[::1]:8000/"
    assert server_url("[::1]", 8000) == "http://[::1]:8000/"
    assert server_url("0:0:0:0:0:0:0:1", 80) == "http://[::1]:80/"
    assert server_url("127.0.0.2", 8000) == "http://127.0.0.2:8000/"
    assert server_url("localhost", 8000) == "http://localhost:8000/"
    httpx.URL(server_url("::1", 8000))  # parses


def test_every_loopback_address_keeps_the_host_check() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost", "[::1]"):
        assert is_loopback(host), host
        assert "*" not in allowed_hosts_for(host), host
    assert allowed_hosts_for("0.0.0.0") == ["*"]
    assert allowed_hosts_for("192.168.1.5") == ["*"]


@pytest.mark.parametrize(
    ("bind", "good", "also_good"),
    [
        ("::1", "[::1]:8000", "[0:0:0:0:0:0:0:1]:8000"),
        ("127.0.0.2", "127.0.0.2:8000", "localhost:8000"),
        ("127.0.0.1", "127.0.0.1:8000", "[::1]"),
    ],
)
def test_host_header_is_checked_for_the_bound_loopback_address(
    web_db: tuple[Path, dict[str, str]], bind: str, good: str, also_good: str
) -> None:
    db, _ = web_db
    web = create_app(db, pool_size=1, allowed_hosts=allowed_hosts_for(bind))
    with TestClient(web) as c:
        for host in (good, also_good):
            assert c.get("/", headers={"host": host}).status_code == 200, host
        for foreign in (
            "evil.example",
            "evil.example:8000",
            "[::2]:8000",
            "127.0.0.1.evil.example",
            "[::1]evil",
            "",
        ):
            assert c.get("/", headers={"host": foreign}).status_code == 400, foreign


def _free_port(family: socket.AddressFamily, host: str) -> int:
    with socket.socket(family) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        _free_port(socket.AF_INET6, "::1")
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_serve_on_ipv6_loopback_rejects_a_foreign_host(
    web_db: tuple[Path, dict[str, str]],
) -> None:
    db, _ = web_db
    port = _free_port(socket.AF_INET6, "::1")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = ["serve", "--db", str(db), "--host", "::1", "--port", str(port)]
    server = subprocess.Popen(
        [sys.executable, "-m", "wiretrace", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        url = f"http://[::1]:{port}/"
        for _ in range(300):  # up to 30 s for the interpreter to start
            try:
                ours = httpx.get(url, timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        assert ours.status_code == 200
        foreign = httpx.get(url, headers={"host": "evil.example"}, timeout=2)
        assert foreign.status_code == 400
        rebound = httpx.get(url, headers={"host": f"evil.example:{port}"}, timeout=2)
        assert rebound.status_code == 400
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"Wiretrace on http://[::1]:{port}/" in output


@pytest.mark.parametrize("content", [b"just some notes\n", b"", b"SQLite format 3\x00garbage"])
def test_serve_refuses_a_file_that_is_not_a_database(tmp_path: Path, content: bytes) -> None:
    notes = tmp_path / "notes.db"
    notes.write_bytes(content)
    result = runner.invoke(app, ["serve", "--db", str(notes), "--port", "1"])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "not a Wiretrace store" in text or "without Wiretrace tables" in text
    assert "Traceback" not in result.output
    report = runner.invoke(app, ["report", "--db", str(notes), "-o", str(tmp_path / "r.html")])
    assert report.exit_code == 1 and "Wiretrace" in report.output


def test_serve_refuses_a_newer_or_foreign_schema(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (a)")
    conn.close()
    result = runner.invoke(app, ["serve", "--db", str(other), "--port", "1"])
    assert result.exit_code == 1 and "without Wiretrace tables" in " ".join(result.output.split())
    newer = tmp_path / "newer.db"
    Store(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    result = runner.invoke(app, ["serve", "--db", str(newer), "--port", "1"])
    assert result.exit_code == 1 and "newer than this Wiretrace" in result.output
