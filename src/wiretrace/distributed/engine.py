"""The Ray engine: per-article batches computed by one pool of actors kept for the run.

Each batch of article records travels pickled to an actor, so a batch computed on a worker
is exactly the batch the local engine computes, and results come back in order. The actors
live as long as the engine, so every per-article stage of a run reuses them (Ray Data's
actor pools last one dataset, which made each stage reload its models). Batches go out a
window at a time, so the driver holds at most a window of inputs and results.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..figures.compare import Group
from ..figures.config import FiguresConfig
from ..figures.groups import FigureItem
from ..models import Statement
from ..narratives.buckets import Verifier
from ..narratives.matching import (
    ROW_BLOCK,
    CorpusStats,
    Evidence,
    NarrativesConfig,
    Pieces,
    Query,
    SegmentIndex,
)
from ..pipeline import Failed, isolate
from ..reuse.config import ReuseConfig
from ..reuse.detect import DocInput, PairResult
from ..stories.cluster import BlockStories, Dated, Load, StoriesConfig, StoryState, as_features
from .corpus import QuoteItem
from .keyed import PARTITION_BYTES, Shuffles

R = TypeVar("R")
T = TypeVar("T")


# Every worker of the run (tasks and actors) computes with one BLAS/OpenMP thread: Ray
# gives each task one CPU, and a second OpenBLAS thread busy-waits on it (the local
# engine holds NumPy to one thread for the same reason, ``pipeline.run_stage``).
ONE_THREAD = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


class EngineUnavailable(RuntimeError):
    """Ray is not installed or the cluster cannot be reached."""


def import_ray() -> Any:
    try:
        import ray
        import ray.data  # the Data library is what the engine uses
    except ImportError as exc:
        raise EngineUnavailable(
            "the Ray engine needs Ray: pip install 'wiretrace[ray]' (ray[data]==2.60.0)"
        ) from exc
    return ray


class StageWorker:
    """One long-lived actor of the engine's pool, shared by every per-article stage of a run.

    It keeps each stage's batch function (unpickled once, by digest) and computes the
    batches it is handed; the models a function loads stay loaded in the actor's process
    for every later batch and stage, so a worker loads each model once per run.
    """

    def __init__(self) -> None:
        ray = import_ray()
        self.functions: dict[str, Callable[[Sequence[Any]], Sequence[Any]]] = {}
        self.node = ray.get_runtime_context().get_node_id()
        self.pid = os.getpid()

    def where(self) -> tuple[str, int]:
        """The node id and process of this actor (answered once it is placed and built)."""
        return self.node, self.pid

    def compute(self, digest: str, function: bytes, payload: bytes) -> tuple[bytes, str, int]:
        if digest not in self.functions:
            self.functions[digest] = import_ray().cloudpickle.loads(function)
        result = isolate(self.functions[digest], pickle.loads(payload))
        return pickle.dumps(result), self.node, self.pid


@dataclass
class RayEngine:
    """Computes per-article batches on a Ray cluster.

    ``address``: a running cluster (``ray start --head`` prints it; ``auto`` finds one
    started on this machine); None starts a new local Ray with ``num_cpus`` CPUs.
    ``workers``: actors of the pool, made on first use and kept for the whole run, so every
    per-article stage reuses them and each loads its models once. They are dealt over the
    nodes and reserve no CPU: the corpus stages' Ray Data tasks, which run while the pool
    sits idle between per-article stages, get the cluster's CPUs.
    ``window``: batches in flight or waiting to be written (bounds the driver's memory).
    ``batch``: articles per batch (None: each stage's own size; smaller spreads a small
    corpus over more workers). ``node_ip``: the address Ray binds on this machine (e.g. a
    loopback address other than 127.0.0.1, which Ray replaces by the machine's address).
    """

    address: str | None = None
    workers: int = 2
    window: int = 16
    num_cpus: int | None = None
    object_store_memory: int | None = None
    batch: int | None = None
    node_ip: str | None = None  # this driver's address (Ray turns 127.0.0.1 into the LAN IP)
    nodes: Counter[str] = field(default_factory=Counter)  # batches computed per node id
    processes: set[tuple[str, int]] = field(default_factory=set)  # (node, pid) of the workers
    shuffles: Shuffles = field(default_factory=Shuffles)  # what the corpus stages shuffled
    place_timeout: float = 120.0  # seconds an actor waits for its node to be schedulable
    placed: list[tuple[str, str]] = field(default_factory=list)  # (node dealt, node placed)
    replaced: int = 0  # actors made again because Ray placed them on another node
    _started: bool = False
    _pool: list[Any] = field(default_factory=list)

    def start(self) -> RayEngine:
        ray = import_ray()
        if not ray.is_initialized():
            try:
                ray.init(
                    # No address: a new local instance, never a cluster `ray start` left here.
                    address=self.address or "local",
                    num_cpus=None if self.address else self.num_cpus,
                    object_store_memory=None if self.address else self.object_store_memory,
                    include_dashboard=False,
                    log_to_driver=False,
                    _node_ip_address=self.node_ip,
                    configure_logging=False,
                    runtime_env={"env_vars": dict(ONE_THREAD)},
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "a local Ray instance"
                raise EngineUnavailable(f"cannot start or reach {where}: {exc}") from exc
            self._started = True
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        # A shuffle's map task partitions what its node buffered, up to 1 GiB by default:
        # the whole of a 100k-article corpus's band keys in one worker. Partition-sized
        # batches keep a worker's memory to a few partitions whatever the corpus size.
        context.shuffle_input_batch_bytes = PARTITION_BYTES
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # the CLI has its own bar
        return self

    def stop(self) -> None:
        ray = import_ray()
        for actor in self._pool:
            ray.kill(actor)
        self._pool.clear()
        if self._started:
            ray.shutdown()
            self._started = False

    def __enter__(self) -> RayEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pool(self) -> list[Any]:
        """The run's actors (made on first use), dealt round-robin over the cluster's nodes
        that have CPUs (Ray's SPREAD strategy leaves actors that reserve no CPU together)."""
        if not self._pool:
            ray = import_ray()
            nodes = sorted(
                n["NodeID"] for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU", 0)
            )
            targets = [nodes[k % len(nodes)] if nodes else None for k in range(self.workers)]
            self._pool = [self._place(ray, target) for target in targets or [None]]
        return self._pool

    def _place(self, ray: Any, target: str | None) -> Any:
        """An actor on node ``target``, waiting (bounded by ``place_timeout``) while that
        node is alive but not yet schedulable.

        The affinity is soft so that a run survives a node that is gone; but Ray also
        falls back, silently, when the scheduler deciding the placement has not yet learnt
        of a node the cluster already lists (a node that joined a moment ago, or a busy
        head). Such an actor is replaced until it lands where it was sent, so the work is
        spread as dealt instead of by a race with the cluster's own bookkeeping.
        """
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        actor = ray.remote(StageWorker)
        deadline = time.monotonic() + self.place_timeout
        while True:
            where: Any = "DEFAULT"
            if target is not None:
                where = NodeAffinitySchedulingStrategy(target, soft=True)
            handle = actor.options(num_cpus=0, scheduling_strategy=where).remote()
            node, _ = ray.get(handle.where.remote())
            if target is None or node == target:
                break
            alive = any(n["NodeID"] == target and n["Alive"] for n in ray.nodes())
            if not alive or time.monotonic() > deadline:
                break  # the node is gone (or never became schedulable): keep the fallback
            self.replaced += 1
            ray.kill(handle)
            time.sleep(0.5)
        self.placed.append((str(target), str(node)))
        return handle

    def map(
        self,
        compute: Callable[[Sequence[R]], Sequence[T | None]],
        chunks: Iterable[Sequence[R]],
    ) -> Iterator[list[T | Failed | None]]:
        """Results in the order of ``chunks``; at most ``window`` batches are in flight or
        wait to be yielded, and at most two are queued on any one actor."""
        ray = import_ray()
        pool = self.pool()
        blob = ray.cloudpickle.dumps(compute)
        digest = hashlib.sha256(blob).hexdigest()
        function = ray.put(blob)
        queued = [0] * len(pool)
        inflight: dict[Any, tuple[int, int]] = {}  # reference -> (batch number, actor)
        ready: dict[int, list[T | Failed | None]] = {}
        it = iter(chunks)
        sent = yielded = 0
        more = True
        while True:
            while more and len(inflight) + len(ready) < self.window:
                k = min(range(len(pool)), key=queued.__getitem__)
                if queued[k] >= 2:
                    break
                chunk = next(it, None)
                if chunk is None:
                    more = False
                    break
                ref = pool[k].compute.remote(digest, function, pickle.dumps(list(chunk)))
                inflight[ref] = (sent, k)
                queued[k] += 1
                sent += 1
            while yielded in ready:
                yield ready.pop(yielded)
                yielded += 1
            if not inflight:
                if not more:
                    return
                continue
            done, _ = ray.wait(list(inflight), num_returns=1)
            for ref in done:
                seq, k = inflight.pop(ref)
                queued[k] -= 1
                payload, node, pid = ray.get(ref)
                ready[seq] = pickle.loads(payload)
                self.nodes[str(node)] += 1
                self.processes.add((str(node), int(pid)))

    def find_reuse(
        self,
        ids: Sequence[str],
        load: Callable[[Sequence[str]], list[DocInput]],
        cfg: ReuseConfig,
        focus: Iterable[int],
        on_error: Callable[[int, int, Exception], None],
    ) -> list[PairResult]:
        """The reuse stage's detection as keyed shuffles (``distributed.reuse``)."""
        from .reuse import find_reuse

        return find_reuse(
            import_ray(), ids, load, cfg, focus, on_error, self.shuffles, self.workers
        )

    def group_figures(
        self,
        items: Iterable[tuple[tuple[str, str | None], FigureItem]],
        dim: Callable[[], int],
        cfg: FiguresConfig,
    ) -> tuple[list[Group], dict[str, str]]:
        """The figure groups stage's grouping, one unit family per key, and each figure's
        component (``distributed.corpus``)."""
        from .corpus import group_figures

        return group_figures(import_ray(), items, dim, cfg, self.shuffles, self.workers)

    def group_statements(
        self,
        items: Iterable[tuple[str, QuoteItem]],
        evidence: tuple[float, float],
    ) -> tuple[list[Statement], dict[str, str]]:
        """The statements stage's comparison, one speaker per key (``distributed.corpus``)."""
        from .corpus import group_statements

        return group_statements(import_ray(), items, evidence, self.shuffles, self.workers)

    def cluster_blocks(
        self,
        blocks: list[tuple[list[Dated], BlockStories]],
        cfg: StoriesConfig,
        load: Load = as_features,
    ) -> list[tuple[dict[str, str], list[StoryState]]]:
        """The stories stage's clustering, one time block per key, each block's features
        read by ``load`` and its stored stories read as it is sent (``distributed.corpus``)."""
        from .corpus import cluster_blocks

        return cluster_blocks(import_ray(), blocks, cfg, self.shuffles, self.workers, load=load)

    def claim_verifier(self, *args: Any, **kwargs: Any) -> Verifier:
        """Recurring-claim discovery's bucket verifier (``buckets.Verifier``'s arguments)
        whose buckets the workers verify (``distributed.claims.RayVerifier``): the stage
        runs its own incremental discovery, with its stored records, around it."""
        from .claims import RayVerifier

        verifier = RayVerifier(*args, **kwargs)
        verifier.ray, verifier.shuffles = import_ray(), self.shuffles
        verifier.workers = self.workers
        return verifier

    def piece_candidates(
        self,
        pieces: Pieces,
        queries: Sequence[Query],
        corpus: CorpusStats,
        cfg: NarrativesConfig,
        rows: int = ROW_BLOCK,
    ) -> Iterator[list[tuple[SegmentIndex, Evidence]]]:
        """Echo matching's candidates (``narratives.matching.EvidenceStream``) computed in
        the workers from units of segment blocks, the queries broadcast
        (``distributed.matching``)."""
        from .matching import piece_candidates

        return piece_candidates(import_ray(), pieces, queries, corpus, cfg, rows, self.shuffles)

    def find_pairs(
        self,
        segments: str,
        out: str,
        n: int,
        cfg: NarrativesConfig,
        max_bucket: int = 1024,
        filesystem: Any = None,
    ) -> list[str]:
        """Recurring-claim discovery's verified pairs from a Parquet folder of segments
        (``claims.write_segments``) to a Parquet folder, the driver out of the data
        (``distributed.claims``; ``claims.read_pairs`` reads them in order)."""
        from .claims import find_pairs

        return find_pairs(
            import_ray(), segments, out, n, cfg, self.shuffles, self.workers, max_bucket, filesystem
        )
