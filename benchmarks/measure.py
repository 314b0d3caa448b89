"""What the benchmarks measure a run with, in one place: a process's memory and CPU read
from /proc, the high-water mark reset, pollers that watch processes while a run lives, a
child process that reports one JSON line, and result files that keep earlier labels."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import threading
import time
import tracemalloc
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Self


def status_fields(pid: int | str = "self") -> dict[str, str]:
    """The fields of /proc/PID/status (name -> raw value); raises OSError when gone."""
    text = Path(f"/proc/{pid}/status").read_text()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def field_mb(fields: Mapping[str, str], name: str) -> float:
    """A size field of /proc/PID/status (kB) in MiB (0 when absent)."""
    return float(fields.get(name, "0 kB").strip().split()[0]) / 1024


def status_mb(field: str, pid: int | str = "self") -> float:
    """A /proc/PID/status memory field (VmRSS, VmHWM, RssAnon, ...) in MiB."""
    return field_mb(status_fields(pid), field)


def rss_mb() -> float:
    """This process's resident set now (VmRSS) in MiB."""
    return status_mb("VmRSS")


def peak_rss_mb() -> float:
    """This process's resident high-water mark (VmHWM) in MiB: not ``getrusage``'s
    ru_maxrss, which Linux keeps across exec (a child started by a parent holding a
    generated corpus reported at least the parent's size); that only where /proc lacks it."""
    peak = status_mb("VmHWM")
    return peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Restart the high-water mark at the current RSS (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def cpu_s() -> float:
    """CPU seconds of this process so far (user and system): wall time on a shared
    machine says more about the other work than about this one."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_s(pid: int | str) -> float:
    """CPU seconds (user and system) of a process so far, from /proc/PID/stat; raises
    OSError when it is gone."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def processes() -> Iterator[tuple[int, Path]]:
    """(pid, /proc/PID) of every process now."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name), entry


class Clock:
    """Wall and CPU seconds since it was made."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def read(self) -> dict[str, float]:
        return {
            "wall_s": round(time.perf_counter() - self.wall, 2),
            "cpu_s": round(time.process_time() - self.cpu, 2),
        }


class Poller:
    """Calls ``poll`` every ``every`` seconds on a thread while its ``with`` block runs:
    for what only lives during a run (worker processes, the heap's peak)."""

    every = 1.0

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(self.every)

    def poll(self) -> None:
        raise NotImplementedError


def child_json(cmd: Sequence[str], env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` (a benchmark's child, in a fresh process so its peak memory is its own)
    and return the JSON object it printed last."""
    done = subprocess.run(
        list(cmd), check=True, capture_output=True, text=True, env=None if env is None else {**env}
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def save_label(out: Path, label: str, value: Any) -> None:
    """Write ``value`` under ``label`` in the results JSON ``out``, keeping the other
    labels' (before and after side by side)."""
    result: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    result[label] = value
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")


def store_run_parser(doc: str | None, out: Path, work: Path) -> argparse.ArgumentParser:
    """The options of a benchmark that runs a stage on an analysed store: ``--store`` (a
    COPY: the stage rewrites its tables), ``--work`` (where stores made once are kept),
    ``--out`` (the results JSON), ``--label`` (this run's entry in it), ``--tracemalloc``."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--work", type=Path, default=work)
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--label", default="run")
    parser.add_argument("--tracemalloc", action="store_true")
    return parser


def heap_peak(top: int) -> tuple[float, list[str]]:
    """The traced Python heap's peak (MiB) and its ``top`` largest live sites now (with
    ``tracemalloc`` started)."""
    _, peak = tracemalloc.get_traced_memory()
    stats = tracemalloc.take_snapshot().statistics("lineno")[:top]
    return round(peak / 2**20, 1), [str(s) for s in stats]
