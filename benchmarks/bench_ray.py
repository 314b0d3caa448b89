"""Reuse detection, local engine vs Ray: wall time, driver and per-worker peak memory,
shuffled bytes, and the same reused passages from both.

The reuse stage's detection end to end (LSH candidates, then alignment of every pair): the
local engine runs ``reuse.blocks.find_reuse_blocks`` in one process, reading the articles
a block at a time by index from a flat file of the texts (as the stage reads them from the
store), spilling band keys and candidate pairs to temporary files; the Ray
engine runs ``distributed.reuse.find_reuse`` (keyed shuffles: band keys → candidate pairs,
articles → pairs, pairs → ``align_pair`` in workers). The driver of the Ray run reads the
articles a chunk at a time from a Parquet file (as the stage reads them from the store)
and never holds them all. Both must return the same passages (digest).

Each size and engine runs in its own process (peak RSS is per process). Ray runs on this
machine with ``num_cpus=2`` and a 1 GB object store, started and shut down by the child.
Worker peak memory: the largest VmHWM (peak resident set) of the Ray worker processes
started under the child, read from /proc every second. Articles: generated pseudo-word
articles (``reuse_synth.scaling_corpus``: 250 words, 20% carry a copied passage).
Paraphrase alignment is off (stage ``reuse``: generated articles have no embeddings worth
aligning), or on (stage ``reuse-paraphrase``: each sentence a random unit vector of
``--dim`` values, so the nearest-neighbour searches, by centroid and by sentence, run in
full; few hits pass their thresholds, and the nearest articles of every article in a pair
are computed and sent to it).

    nice -n 10 .venv/bin/python benchmarks/bench_ray.py [--sizes 10000 30000 100000]
    [--stages reuse reuse-paraphrase stories stories-store narratives narratives-store]
    [--dim 64] [--engines local ray] [--trace: results/ray_trace.json] [--out results/other.json]

``stories-store``: the stories stage's ``place_stored`` over a generated store of features
(as ``bench_corpus_ladder.py`` prepares it), so what the driver holds is the stage's own;
with ``--stored F``, the oldest fraction F of the articles is clustered and stored first
(untimed, locally), and the rest, the newest, is placed among those stored stories.
``narratives-store``: the narratives stage's recurring-claim discovery on a generated store
of segments (``run_narratives_store``): a whole run, then an update adding ``ADDED``
articles.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Self

from measure import (
    Poller,
    child_json,
    cpu_s,
    field_mb,
    peak_rss_mb,
    process_cpu_s,
    processes,
    status_fields,
)

OUT = Path(__file__).parent / "results" / "ray.json"
CHUNK = 1000  # articles per Parquet row group (and per chunk the Ray driver reads)
LADDER = str(Path(__file__).parent / "bench_corpus_ladder.py")  # prepares stories' stores
TRACE = "BENCH_RAY_TRACE"  # set (``--trace``): the children trace the driver's memory
# (``proc``: reuse on Ray from /proc only, without tracemalloc)
# The loopback address the reuse runs' Ray binds (another one keeps two runs apart).
NODE_IP = os.environ.get("BENCH_RAY_NODE_IP", "127.0.0.4")


def write_corpus(n: int, path: Path, dim: int = 0) -> None:
    """The texts; with ``dim``, each article's sentence bounds and unit sentence vectors
    (float32 bytes) too."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sys.path.insert(0, str(Path(__file__).parent))
    from reuse_synth import scaling_corpus

    corpus = scaling_corpus(n, dim=dim or 8)
    columns: dict[str, Any] = {"text": corpus.texts}
    if dim:
        columns["bounds"] = [[x for span in s for x in span] for s in corpus.sentences]
        columns["vectors"] = [v.astype("float32").tobytes() for v in corpus.vectors]
    pq.write_table(pa.table(columns), path, row_group_size=CHUNK)


def _doc(key: str, row: dict[str, Any]) -> Any:
    import numpy as np

    from wiretrace.reuse.detect import DocInput

    if "vectors" not in row:
        return DocInput(key, row["text"])
    flat = row["bounds"]
    spans = tuple(zip(flat[::2], flat[1::2], strict=True))
    vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(spans), -1)
    return DocInput(key, row["text"], None, spans, vectors)


def digest(results: Sequence[Any]) -> str:
    return digest_of([results])


def digest_of(parts: Iterable[Sequence[Any]]) -> str:
    """The digest of the results given a part at a time (the same bytes as one list)."""
    h = hashlib.sha256(b"[")
    first = True
    for part in parts:
        for r in part:
            row = (r.a, r.b, [(p.a_start, p.a_end, p.b_start, p.b_end, p.kind, round(p.score, 6))
                              for p in r.passages])  # fmt: skip
            h.update((b"" if first else b", ") + json.dumps(row).encode())
            first = False
    h.update(b"]")
    return h.hexdigest()[:16]


def _config(paraphrase: bool) -> Any:
    from wiretrace.reuse.config import ReuseConfig

    return ReuseConfig(paraphrase=paraphrase)


def run_local(path: Path, paraphrase: bool = False) -> dict[str, Any]:
    """The local engine as the stage runs it: articles read a block at a time by index
    (here from a flat file of the pickled inputs, as the stage reads them from the store),
    results taken a slice at a time."""
    import pickle

    import pyarrow.parquet as pq

    from wiretrace.reuse.blocks import Aligned, find_reuse_blocks
    from wiretrace.reuse.detect import DocInput

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        flat = Path(tmp) / "inputs.bin"
        offsets = [0]
        parquet = pq.ParquetFile(path)
        with flat.open("wb") as out:
            for g in range(parquet.num_row_groups):
                for row in parquet.read_row_group(g).to_pylist():
                    doc = _doc(f"a{len(offsets) - 1}", row)
                    offsets.append(offsets[-1] + out.write(pickle.dumps(doc)))
        with flat.open("rb") as f:

            def load(indices: Sequence[int]) -> list[DocInput]:
                docs = []
                for k in indices:
                    f.seek(offsets[k])
                    docs.append(pickle.loads(f.read(offsets[k + 1] - offsets[k])))
                return docs

            counts = {"pairs_with_reuse": 0, "passages": 0}

            def counted(parts: Iterable[Aligned]) -> Iterator[list[Any]]:
                for part in parts:
                    counts["pairs_with_reuse"] += len(part.results)
                    counts["passages"] += sum(len(r.passages) for r in part.results)
                    yield part.results

            config = _config(paraphrase)
            found = digest_of(counted(find_reuse_blocks(len(offsets) - 1, load, config)))
    return {
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(cpu_s(), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **counts,
        "digest": found,
    }


class WorkerPeaks(Poller):
    """Peak memory of every process descending from this one whose command line starts
    ``ray::`` (Ray's workers), polled from /proc every second: ``peak`` is VmHWM (all
    resident pages, including the object store's shared pages a worker has read, which
    belong to the node's object store, not to the worker), ``private`` the largest
    RssAnon seen (the worker's own heap: what grows if a task holds a group); ``cpu``
    each worker's CPU seconds when last seen (a worker's last second before it exits is
    missed)."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: dict[int, float] = {}
        self.peak: dict[int, float] = {}
        self.private: dict[int, float] = {}
        self.shared: dict[int, float] = {}
        self.name: dict[int, str] = {}  # the task the process ran when its heap peaked

    def poll(self) -> None:
        me = os.getpid()
        parents: dict[int, int] = {}
        status: dict[int, tuple[dict[str, str], str]] = {}
        for pid, entry in processes():
            try:
                fields = status_fields(pid)
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parents[pid] = int(fields.get("PPid", "0").strip())
            if cmd.startswith(b"ray::") and "VmHWM" in fields:
                status[pid] = fields, cmd.split(b"\0")[0].decode(errors="replace")
        for pid, (fields, name) in status.items():
            up, seen = parents.get(pid, 0), 0
            while up not in (0, 1, me) and seen < 20:
                up, seen = parents.get(up, 0), seen + 1
            if up != me:
                continue
            with contextlib.suppress(OSError):
                self.cpu[pid] = process_cpu_s(pid)

            hwm, shm, anon = (
                round(field_mb(fields, f), 1) for f in ("VmHWM", "RssShmem", "RssAnon")
            )
            self.peak[pid] = max(self.peak.get(pid, 0.0), hwm)
            self.shared[pid] = max(self.shared.get(pid, 0.0), shm)
            if anon >= self.private.get(pid, 0.0):
                self.private[pid] = anon
                self.name[pid] = name

    def summary(self) -> dict[str, Any]:
        return {
            "worker_peak_rss_mb": max(self.peak.values(), default=0.0),
            "worker_peak_private_mb": max(self.private.values(), default=0.0),
            "worker_peak_shared_mb": max(self.shared.values(), default=0.0),
            "worker_processes": len(self.peak),
            "worker_cpu_s": round(sum(self.cpu.values()), 1),
            "worker_peaks_mb": sorted(
                ((self.private[pid], self.peak[pid], self.name.get(pid, "")) for pid in self.peak),
                reverse=True,
            )[:6],
        }


class DriverTrace(Poller):
    """What the driver's memory is made of, polled from /proc/self/status every half
    second (``--trace``): the peaks of RssAnon (its own heap, Python's and native
    libraries'), RssShmem (object-store pages it mapped) and RssFile; and Python's own
    share from ``tracemalloc``, with the lines that held most at the heap's peak. What
    RssAnon holds beyond Python's traced memory is native (Arrow buffers, Ray's core
    worker)."""

    every = 0.5

    def __init__(self, shuffles: Any = None, python: bool = True) -> None:
        import tracemalloc

        super().__init__()
        # Python's share (``tracemalloc``) is optional: on a long Ray run it can crash the
        # driver (a SIGSEGV in traceback_new, from a thread of Ray's, seen twice at 10-25k).
        self.tracemalloc = tracemalloc if python else None
        self.shuffles = shuffles  # the engine's: each shuffle's start marks a phase
        self.phases: list[tuple[float, str, float, float]] = []  # (s, shuffle, anon, shmem)
        self.peaks = {"RssAnon": 0.0, "RssShmem": 0.0, "RssFile": 0.0, "VmRSS": 0.0}
        self.samples: list[tuple[float, float, float]] = []  # (s, anon, shmem)
        self.top: list[tuple[str, float]] = []
        self.traced_at_peak = self.traced_peak = 0.0
        self._taken = 0.0  # RssAnon when the heap was last looked into
        self._t0 = time.perf_counter()

    def __enter__(self) -> Self:
        if self.tracemalloc is not None:
            self.tracemalloc.start(1)
        return super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        if self.tracemalloc is not None:
            self.traced_peak = round(self.tracemalloc.get_traced_memory()[1] / 2**20, 1)
            self.tracemalloc.stop()

    def poll(self) -> None:
        fields = status_fields()
        now = {k: round(field_mb(fields, k), 1) for k in self.peaks}
        for k, v in now.items():
            self.peaks[k] = max(self.peaks[k], v)
        t = round(time.perf_counter() - self._t0, 1)
        self.samples.append((t, now["RssAnon"], now["RssShmem"]))
        moved = self.shuffles.moved if self.shuffles is not None else []
        for name, *_ in moved[len(self.phases) :]:
            self.phases.append((t, name, now["RssAnon"], now["RssShmem"]))
        if self.tracemalloc is not None and now["RssAnon"] >= self._taken + 16:
            self._taken = now["RssAnon"]
            snap = self.tracemalloc.take_snapshot()
            stats = snap.statistics("lineno")
            self.traced_at_peak = round(sum(st.size for st in stats) / 2**20, 1)
            self.top = [(str(st.traceback[0]), round(st.size / 2**20, 1)) for st in stats[:8]]

    def summary(self) -> dict[str, Any]:
        step = max(1, len(self.samples) // 40)
        return {
            "peak_mb": self.peaks,
            "python_traced_at_anon_peak_mb": self.traced_at_peak,
            "python_traced_peak_mb": self.traced_peak,
            "top_python_lines_at_anon_peak_mb": self.top,
            "anon_shmem_mb_over_time": self.samples[::step],
            "shuffles_seen_at_s_anon_shmem_mb": self.phases,
        }


STORY_DIM = 384  # the sentence model's width
PER_DAY = 300  # generated articles per day (a national press)
SEGMENTS = 2  # generated clause segments per article (narratives)


def story_features(n: int, seed: int = 0) -> list[Any]:
    """``n`` generated article features (``stories_synth.features``): every day of
    ``n / PER_DAY`` days has articles, so the corpus is one time block."""
    sys.path.insert(0, str(Path(__file__).parent))
    from stories_synth import features

    return features(n, STORY_DIM, PER_DAY, seed)


def segment_chunks(n: int, seed: int = 1) -> Iterator[tuple[Any, Any, Any]]:
    """``SEGMENTS`` generated clause vectors per article (float16, unit length, as the
    segment index stores them), as (rows, articles, vectors) blocks: a quarter are
    rewordings of one of ``n / 25`` recurring claims (cosine ~0.8 to each other), the rest
    unrelated."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = n * SEGMENTS
    claims = rng.standard_normal((max(1, n // 25), STORY_DIM)).astype(np.float32)
    claims /= np.linalg.norm(claims, axis=1, keepdims=True)
    for lo in range(0, rows, 65536):
        hi = min(rows, lo + 65536)
        block = rng.standard_normal((hi - lo, STORY_DIM)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        echo = rng.random(hi - lo) < 0.25
        pick = claims[rng.integers(0, len(claims), int(echo.sum()))]
        block[echo] = pick + 0.5 * block[echo]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        index = np.arange(lo, hi, dtype=np.int64)
        yield index, (index // SEGMENTS).astype(np.int32), block.astype(np.float16)


def write_segments(n: int, folder: Path) -> None:
    """The generated segments as the Parquet folder discovery's workers read
    (``distributed.claims.write_segments``), written a block at a time."""
    from wiretrace.distributed.claims import write_segments

    write_segments(str(folder), segment_chunks(n))


def read_segments(folder: Path) -> tuple[Any, Any]:
    """The whole folder in memory (the local engine's segment index), filled file by file
    so that memory holds the index once."""
    import numpy as np
    import pyarrow.parquet as pq

    from wiretrace.distributed.claims import vectors_of

    files = sorted(folder.glob("*.parquet"))
    metas = [pq.ParquetFile(f) for f in files]
    total = sum(m.metadata.num_rows for m in metas)
    dim = metas[0].schema_arrow.field("vector").type.byte_width // 2
    vectors = np.empty((total, dim), dtype=np.float16)
    owner = np.empty(total, dtype=np.int32)
    for m in metas:
        for batch in m.iter_batches():
            pos = batch.column("pos").to_numpy()
            vectors[pos] = vectors_of(batch.column("vector"), dim)
            owner[pos] = batch.column("article").to_numpy()
    return vectors, owner


def stories_digest(assignment: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(assignment.items())).encode()).hexdigest()[:16]


def pairs_digest(pairs: Any, sims: Any) -> str:
    import numpy as np

    blob = np.asarray(pairs, np.int64).tobytes() + np.round(np.asarray(sims), 5).tobytes()
    return hashlib.sha256(blob).hexdigest()[:16]


def streamed_digest(files: list[str], n: int) -> tuple[int, str]:
    """``pairs_digest`` of the pairs ``find_pairs`` wrote, read a chunk at a time (twice:
    the pairs, then the cosines), and how many."""
    import numpy as np

    from wiretrace.distributed.claims import read_pairs

    digest = hashlib.sha256()
    count = 0
    for pairs, _ in read_pairs(files, n):
        digest.update(np.asarray(pairs, np.int64).tobytes())
        count += len(pairs)
    for _, sims in read_pairs(files, n):
        digest.update(np.round(np.asarray(sims), 5).tobytes())
    return count, digest.hexdigest()[:16]


def run_stage(engine_name: str, stage: str, n: int, folder: Path | None = None) -> dict[str, Any]:
    """Stories (``cluster``) or recurring-claim discovery (``similar_pairs``) on generated
    inputs, locally or on Ray (the engine methods the stages call). Discovery on Ray reads
    the segments from the Parquet ``folder`` in its workers and writes the pairs there too
    (``find_pairs``): the driver never holds them."""
    import functools

    from wiretrace.narratives.discovery import similar_pairs
    from wiretrace.narratives.matching import NarrativesConfig
    from wiretrace.stories.cluster import StoriesConfig, cluster, cluster_in_blocks

    made: Any = story_features(n) if stage == "stories" else None
    if stage != "stories" and engine_name != "ray":
        assert folder is not None
        made = read_segments(folder)
    out: dict[str, Any] = {}
    peaks = WorkerPeaks()
    engine = None
    trace = DriverTrace() if os.environ.get(TRACE) else None
    if engine_name == "ray":
        from wiretrace.distributed.engine import RayEngine

        engine = RayEngine(workers=2, num_cpus=2, object_store_memory=1024**3).start()
        peaks.__enter__()
    if trace is not None:
        trace.__enter__()
    t0 = time.perf_counter()
    if stage == "stories":
        cfg = StoriesConfig()
        if engine is None:
            assignment, states = cluster(made, [], cfg)
        else:
            run = functools.partial(engine.cluster_blocks, cfg=cfg)
            assignment, states = cluster_in_blocks(made, [], cfg, run)
        out.update(stories=len(states), digest=stories_digest(assignment))
    elif engine is None:
        vectors, owner = made
        pairs, sims = similar_pairs(vectors, owner, NarrativesConfig())
        out.update(segments=len(vectors), pairs=len(pairs), digest=pairs_digest(pairs, sims))
    else:
        assert folder is not None
        segments = n * SEGMENTS
        files = engine.find_pairs(str(folder), f"{folder}-pairs", segments, NarrativesConfig())
        count, found = streamed_digest(files, segments)
        out.update(segments=segments, pairs=count, digest=found)
    wall = time.perf_counter() - t0
    if trace is not None:
        trace.__exit__()
        out["driver_trace"] = trace.summary()
    if engine is None:
        return {"wall_s": round(wall, 1), "peak_rss_mb": round(peak_rss_mb(), 1), **out}
    peaks.__exit__()
    engine.stop()
    return {
        "wall_s": round(wall, 1),
        **_ray_costs(engine, peaks),
        **out,
    }


def run_stories_store(
    engine_name: str, n: int, folder: Path, stored: float = 0.0
) -> dict[str, Any]:
    """The stories stage's ``place_stored`` on a copy of a store holding ``n`` articles'
    features (``bench_corpus_ladder.prepare_stories``: what the stage has written when it
    clusters), locally or on Ray: what the driver holds while it clusters and writes
    (its VmHWM above its RSS before, and Python's traced peak), what moved, how many
    stored story states and article features it read, and a digest of the stories'
    members. ``stored``: the fraction of the articles, oldest first, clustered and stored
    beforehand (untimed, here)."""
    import shutil
    import tracemalloc

    import numpy as np
    from measure import reset_peak, rss_mb

    from wiretrace.pipeline import ENGINE, NullReporter
    from wiretrace.store import Store
    from wiretrace.stories import tables
    from wiretrace.stories.cluster import StoriesConfig
    from wiretrace.stories.stage import NAME, place_stored

    reads = {"states": 0, "state_reads": 0, "largest_state_read": 0, "features": 0}
    load_states, load_features = tables.load_states, tables.load_features

    def states(*args: Any) -> Any:
        found = load_states(*args)
        reads["states"] += len(found)
        reads["state_reads"] += 1
        reads["largest_state_read"] = max(reads["largest_state_read"], len(found))
        return found

    def features(store: Any, ids: Any) -> Any:
        found = load_features(store, ids)
        reads["features"] += len(found)
        return found

    db = folder / "work.db"
    shutil.copy(folder / "store.db", db)
    engine = None
    peaks = WorkerPeaks()
    if engine_name == "ray":
        from wiretrace.distributed.engine import RayEngine

        engine = RayEngine(workers=2, num_cpus=2, object_store_memory=1024**3).start()
        peaks.__enter__()
    token = ENGINE.set(engine)
    try:
        with Store(db) as store:
            ids = store.pending(NAME, "bench")
            days = np.load(folder / "days.npy")
            old = np.lexsort((np.arange(len(ids)), days))[: int(len(ids) * stored)]
            if len(old):
                token_old = ENGINE.set(None)
                with store.transaction():
                    place_stored(
                        store, [ids[k] for k in old], days[old], StoriesConfig(), NullReporter()
                    )
                ENGINE.reset(token_old)
                new = np.setdiff1d(np.arange(len(ids)), old)
                ids, days = [ids[k] for k in new], days[new]
            stored_stories = store.conn.execute("SELECT COUNT(*) FROM story_state").fetchone()[0]
            tables.load_states, tables.load_features = states, features
            before = rss_mb()
            reset_peak()
            tracemalloc.start()
            cpu0, t0 = cpu_s(), time.perf_counter()
            with store.transaction():
                touched, created = place_stored(store, ids, days, StoriesConfig(), NullReporter())
            cpu, wall = cpu_s() - cpu0, time.perf_counter() - t0
            traced = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            tables.load_states, tables.load_features = load_states, load_features
            stage_mb = peak_rss_mb() - before
            rows = [
                tuple(r)
                for r in store.conn.execute(
                    "SELECT story_id, article_id FROM story_articles ORDER BY 1, 2"
                )
            ]
    finally:
        ENGINE.reset(token)
    db.unlink()
    out = {
        "wall_s": round(wall, 1),
        "driver_cpu_s": round(cpu, 1),
        "driver_stage_mb": round(stage_mb, 1),
        "driver_traced_peak_mb": round(traced, 1),
        "stories": touched,
        "created": created,
        "placed": len(ids),
        "stored_stories_before": stored_stories,
        "stored_states_read": reads["states"],
        "state_reads": reads["state_reads"],
        "largest_state_read": reads["largest_state_read"],
        "features_read": reads["features"],
        "digest": hashlib.sha256(repr(rows).encode()).hexdigest()[:16],
    }
    if engine is None:
        return {**out, "peak_rss_mb": round(peak_rss_mb(), 1)}
    peaks.__exit__()
    engine.stop()
    return {**out, **_ray_costs(engine, peaks)}


ADDED = 100  # articles the update of ``narratives-store`` adds


def run_narratives_store(engine_name: str, n: int, folder: Path) -> dict[str, Any]:
    """The narratives stage's recurring-claim discovery (``claim_pairs.discover``, the
    stage's own code, with the buckets verified and the keys hashed in Ray's workers on
    the Ray engine) on a copy of a store of ``n`` articles' segments
    (``bench_corpus_ladder.prepare_narratives``): a whole run over all but the last
    ``ADDED`` articles, then the update adding them. Per run: the driver's CPU seconds,
    its peak RSS above its RSS before (``driver_stage_mb``), the workers' CPU, what moved,
    the rows verified again, and digests of the claims and of the stored records."""
    import shutil

    from measure import reset_peak, rss_mb

    from wiretrace.narratives.buckets import Verifier
    from wiretrace.narratives.claim_pairs import (
        KEYS_BLOB,
        PAIRS_BLOB,
        STATE,
        discover,
        spill_segments,
    )
    from wiretrace.narratives.discovery import CorpusView
    from wiretrace.narratives.matching import NarrativesConfig
    from wiretrace.narratives.stage import Lookup, segment_pieces
    from wiretrace.narratives.tables import get_state, outlet_and_date
    from wiretrace.pipeline import Skips
    from wiretrace.store import Store

    db = folder / f"work-{engine_name}.db"
    shutil.copy(folder / "store.db", db)
    engine = None
    peaks = WorkerPeaks()
    verifier: Any = Verifier
    keys_map = None
    if engine_name == "ray":
        from wiretrace.distributed.engine import RayEngine

        engine = RayEngine(workers=2, num_cpus=2, object_store_memory=1024**3).start()
        peaks.__enter__()
        verifier, keys_map = engine.claim_verifier, engine.map
    cfg = NarrativesConfig()
    out: dict[str, Any] = {}
    with Store(db) as store:
        ids = store.article_ids()
        corpus = CorpusView(
            Lookup(lambda a: store.get_article(a).text, keep=False),
            Lookup(lambda a: outlet_and_date(store, a)[0], keep=False),
            Lookup(lambda a: outlet_and_date(store, a)[1], keep=False),
            {},
        )
        for name, run_ids, pending in (
            ("whole", ids[:-ADDED], ids[:-ADDED]),
            ("update", ids, ids[-ADDED:]),
        ):
            before = rss_mb()
            reset_peak()
            moved = len(engine.shuffles.moved) if engine else 0
            worker_cpu = sum(peaks.cpu.values())
            cpu0, t0 = cpu_s(), time.perf_counter()
            pieces, _ = segment_pieces(store, run_ids, Skips("narratives"))
            index, vectors = spill_segments(pieces)
            try:
                with store.transaction():
                    claims, update = discover(
                        store,
                        index,
                        corpus,
                        cfg,
                        set(pending),
                        "bench",
                        verifier=verifier,
                        keys_map=keys_map,
                    )
            finally:
                vectors.close()
            cpu, wall = cpu_s() - cpu0, time.perf_counter() - t0
            records = hashlib.sha256(str(get_state(store, STATE)).encode())
            for a in run_ids:
                for blob in (KEYS_BLOB, PAIRS_BLOB):
                    records.update(store.get_blob(blob, a) or b"-")
            row = {
                "articles": len(run_ids),
                "segments": index.size,
                "wall_s": round(wall, 1),
                "driver_cpu_s": round(cpu, 1),
                "driver_stage_mb": round(peak_rss_mb() - before, 1),
                "whole": update.whole,
                "verified_rows": update.verified,
                "rows": update.rows,
                "claims": len(claims),
                "digest": hashlib.sha256(repr(claims).encode()).hexdigest()[:16],
                "records_digest": records.hexdigest()[:16],
            }
            if engine is not None:
                time.sleep(1.5)  # the workers' CPU as last polled
                new = engine.shuffles.moved[moved:]
                row["worker_cpu_s"] = round(sum(peaks.cpu.values()) - worker_cpu, 1)
                row["shuffled_bytes"] = sum(b for _, _, b, _ in new)
                row["shuffles"] = [
                    {"name": k, "rows": r, "bytes": b, "tasks": t} for k, r, b, t in new
                ]
            out[name] = row
    db.unlink()
    out["digest"] = out["update"]["digest"] + out["whole"]["records_digest"]
    out["wall_s"] = round(out["whole"]["wall_s"] + out["update"]["wall_s"], 1)
    if engine is None:
        return {**out, "peak_rss_mb": round(peak_rss_mb(), 1)}
    peaks.__exit__()
    engine.stop()
    return {**out, **_ray_costs(engine, peaks)}


def _ray_costs(engine: Any, peaks: WorkerPeaks) -> dict[str, Any]:
    """Driver and worker peaks and what the engine's shuffles moved."""
    return {
        "driver_peak_rss_mb": round(peak_rss_mb(), 1),
        "driver_cpu_s": round(cpu_s(), 1),
        **peaks.summary(),
        "shuffled_bytes": engine.shuffles.bytes,
        "shuffles": [
            {"name": name, "rows": rows, "bytes": size, "partitions": parts}
            for name, rows, size, parts in engine.shuffles.moved
        ],
    }


def run_ray(path: Path, paraphrase: bool = False) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from wiretrace.distributed.engine import RayEngine
    from wiretrace.reuse.detect import DocInput

    parquet = pq.ParquetFile(path)
    n = parquet.metadata.num_rows
    ids = [f"a{k}" for k in range(n)]

    def load(chunk: Sequence[str]) -> list[DocInput]:
        first = int(chunk[0][1:])
        assert first % CHUNK == 0 and len(chunk) <= CHUNK
        rows = parquet.read_row_group(first // CHUNK).to_pylist()
        return [_doc(a, row) for a, row in zip(chunk, rows, strict=True)]

    engine = RayEngine(workers=2, num_cpus=2, object_store_memory=1024**3, node_ip=NODE_IP)
    errors: list[tuple[int, int]] = []
    how = os.environ.get(TRACE)
    trace = DriverTrace(engine.shuffles, python=how != "proc") if how else None
    with WorkerPeaks() as peaks, engine:
        t0 = time.perf_counter()
        with trace or contextlib.nullcontext():
            results = engine.find_reuse(
                ids, load, _config(paraphrase), range(n), lambda a, b, exc: errors.append((a, b))
            )
        wall = time.perf_counter() - t0
    traced = {} if trace is None else {"driver_trace": trace.summary()}
    return {
        "wall_s": round(wall, 1),
        **_ray_costs(engine, peaks),
        **traced,
        "pair_errors": len(errors),
        "pairs_with_reuse": len(results),
        "passages": sum(len(r.passages) for r in results),
        "digest": digest(results),
    }


def child(args: Sequence[str]) -> None:
    """One (engine, stage, size) in this process: ``ENGINE PARQUET`` (reuse) or
    ``ENGINE STAGE ARTICLES``. NumPy's BLAS has one thread, as in ``analyze`` (the local
    engine's ``run_stage``; Ray's workers by the engine's environment): a second OpenBLAS
    thread busy-waits, which on this loaded machine made discovery ~20x slower."""
    import numpy  # noqa: F401  (loaded first: the limit applies to loaded libraries only)
    from threadpoolctl import threadpool_limits

    engine, stage, arg = (args[0], "reuse", args[1]) if len(args) == 2 else args[:3]
    folder = Path(args[3]) if len(args) > 3 else None
    stored = float(args[4]) if len(args) > 4 else 0.0
    with threadpool_limits(limits=1, user_api="blas"):
        _child(engine, stage, arg, folder, stored)


def _child(engine: str, stage: str, arg: str, folder: Path | None, stored: float = 0.0) -> None:
    if stage.startswith("reuse"):
        run = run_local if engine == "local" else run_ray
        result = run(Path(arg), stage == "reuse-paraphrase")
    elif stage == "stories-store":
        assert folder is not None
        result = run_stories_store(engine, int(arg), folder, stored)
    elif stage == "narratives-store":
        assert folder is not None
        result = run_narratives_store(engine, int(arg), folder)
    else:
        result = run_stage(engine, stage, int(arg), folder)
    print(json.dumps({"engine": engine, "stage": stage, **result}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    ap.add_argument("--engines", nargs="+", default=["local", "ray"])
    ap.add_argument("--stages", nargs="+", default=["reuse", "stories", "narratives"])
    ap.add_argument(
        "--dim", type=int, default=64, help="sentence vectors' width (reuse-paraphrase)"
    )
    ap.add_argument("--child", nargs="+", metavar="ARG")
    ap.add_argument(
        "--trace",
        nargs="?",
        const="python",
        choices=["python", "proc"],
        help="trace the driver's memory (stories, narratives, reuse on Ray; proc: reuse"
        " without tracemalloc)",
    )
    ap.add_argument(
        "--stored", type=float, default=0.0, help="stories-store: fraction stored beforehand"
    )
    ap.add_argument("--out", type=Path, help="the results JSON (default results/ray.json)")
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return
    global OUT
    if args.trace:  # tracing slows the driver: its own results file
        os.environ[TRACE] = args.trace
        OUT = OUT.with_name("ray_trace.json")
    if args.out:
        OUT = args.out
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"articles-{n}.parquet"
            vectors = Path(tmp) / f"articles-{n}-vectors.parquet"
            segments = Path(tmp) / f"segments-{n}"
            stored = Path(tmp) / f"stories-{n}"
            segment_store = Path(tmp) / f"narratives-{n}"
            for stage in args.stages:
                if stage == "reuse" and not path.exists():
                    write_corpus(n, path)
                if stage == "reuse-paraphrase" and not vectors.exists():
                    write_corpus(n, vectors, args.dim)
                if stage == "narratives" and not segments.exists():
                    write_segments(n, segments)
                for kind, place in (("stories", stored), ("narratives", segment_store)):
                    if stage == f"{kind}-store" and not (place / "store.db").exists():
                        place.mkdir(parents=True)
                        prepare = [sys.executable, LADDER, "--prepare", kind, str(n), str(place)]
                        subprocess.run(prepare, check=True)
                got: dict[str, Any] = {}
                for engine in args.engines:
                    what = [engine, stage, str(n)]
                    if stage.startswith("reuse"):
                        what[2] = str(path if stage == "reuse" else vectors)
                    if stage == "narratives":
                        what.append(str(segments))
                    if stage == "stories-store":
                        what += [str(stored), str(args.stored)]
                    if stage == "narratives-store":
                        what.append(str(segment_store))
                    got[engine] = child_json([sys.executable, __file__, "--child", *what])
                    print(n, stage, json.dumps(got[engine]), flush=True)
                extra: dict[str, Any] = {"dim": args.dim} if stage == "reuse-paraphrase" else {}
                if stage == "stories-store" and args.stored:
                    extra["stored_fraction"] = args.stored
                record(n, stage, got, extra)
    print(f"wrote {OUT}")


def record(n: int, stage: str, got: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    """Adds one size and stage to the results (engines run separately for one size and
    stage, ``--engines``, complete the same entry; a new Ray run keeps the last one's
    costs as ``ray_previous``); written after each, so a long run keeps what it
    measured."""
    runs = json.loads(OUT.read_text())["runs"] if OUT.exists() else []
    runs = [r for r in runs if "digest" in r.get("ray", r.get("local", {}))]
    same = [r for r in runs if r["articles"] == n and r.get("stage", "reuse") == stage]
    run: dict[str, Any] = same[0] if same else {"articles": n, "stage": stage}
    run["stage"] = stage
    if "ray" in got and "ray" in run:  # the last Ray figures stay, for a before/after
        keep = (
            "wall_s",
            "shuffled_bytes",
            "shuffles",
            "worker_peak_private_mb",
            "digest",
            "driver_stage_mb",
            "driver_traced_peak_mb",
        )
        run["ray_previous"] = {k: run["ray"][k] for k in keep if k in run["ray"]}
    run.update(got)
    run.update(extra or {})
    if "local" in run and "ray" in run:
        run["wall_ratio_ray_over_local"] = round(
            run["ray"]["wall_s"] / max(run["local"]["wall_s"], 1e-9), 2
        )
        run["same_results"] = run["ray"]["digest"] == run["local"]["digest"]
    runs = [r for r in runs if r not in same] + [run]
    write(sorted(runs, key=lambda r: (r.get("stage", "reuse"), r["articles"])))


def write(runs: list[dict[str, Any]]) -> None:
    """The results so far (written after each size, so a long run keeps what it measured)."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "what": "the corpus stages on generated inputs, local engine vs Ray keyed"
                " shuffles on this machine (num_cpus=2, 1 GB object store, 2 cores shared"
                " with other work): reuse detection end to end (LSH candidates and"
                " alignment; paraphrase off, or on with random sentence vectors:"
                " reuse-paraphrase), stories (cluster), recurring-claim discovery"
                " (similar_pairs)",
                "command": "nice -n 10 python benchmarks/bench_ray.py --sizes N"
                " [--stages ...] [--engines ...]",
                "runs": runs,
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
