"""The Ray engine: per-article batches computed by an actor pool through Ray Data.

Each batch of article records travels as one row (pickled), so a batch computed on a worker
is exactly the batch the local engine computes, and results come back in order. Batches go
out a window at a time, so the driver holds at most a window of inputs and results.
"""

from __future__ import annotations

import logging
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

import numpy as np

from ..pipeline import Failed, isolate

R = TypeVar("R")
T = TypeVar("T")


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


class BatchWorker:
    """One actor of the pool: unpickles a stage's batch function once, then computes every
    batch row it is handed (models load on the first batch and stay, per process)."""

    def __init__(self, compute: bytes) -> None:
        ray = import_ray()
        self.compute = ray.cloudpickle.loads(compute)
        self.node = ray.get_runtime_context().get_node_id()

    def __call__(self, batch: dict[str, np.ndarray[Any, Any]]) -> dict[str, list[Any]]:
        results = [
            pickle.dumps(isolate(self.compute, pickle.loads(payload)))
            for payload in batch["payload"]
        ]
        return {
            "seq": list(batch["seq"]),
            "payload": results,
            "node": [self.node] * len(results),
        }


@dataclass
class RayEngine:
    """Computes per-article batches on a Ray cluster.

    ``address``: a running cluster (``ray start --head`` prints it; ``auto`` finds one
    started on this machine); None starts a new local Ray with ``num_cpus`` CPUs.
    ``workers``: actors per stage (each loads the models once).
    ``window``: batches in flight per Ray Data run (bounds the driver's memory).
    ``batch``: articles per batch (None: each stage's own size; smaller spreads a small
    corpus over more workers). ``node_ip``: the address Ray binds on this machine (e.g. a
    loopback address other than 127.0.0.1, which Ray replaces by the machine's address).
    """

    address: str | None = None
    workers: int = 2
    window: int = 64
    num_cpus: int | None = None
    object_store_memory: int | None = None
    cpus_per_worker: float = 1.0
    batch: int | None = None
    node_ip: str | None = None  # this driver's address (Ray turns 127.0.0.1 into the LAN IP)
    nodes: Counter[str] = field(default_factory=Counter)  # batches computed per node id
    _started: bool = False

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
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = self.address or "a local Ray instance"
                raise EngineUnavailable(f"cannot start or reach {where}: {exc}") from exc
            self._started = True
        ray.data.DataContext.get_current().enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # the CLI has its own bar
        return self

    def stop(self) -> None:
        if self._started:
            import_ray().shutdown()
            self._started = False

    def __enter__(self) -> RayEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def map(
        self,
        compute: Callable[[Sequence[R]], Sequence[T | None]],
        chunks: Iterable[Sequence[R]],
    ) -> Iterator[list[T | Failed | None]]:
        ray = import_ray()
        fn = ray.cloudpickle.dumps(compute)
        it = iter(chunks)
        while window := list(islice(it, self.window)):
            rows = [{"seq": i, "payload": pickle.dumps(list(c))} for i, c in enumerate(window)]
            data = ray.data.from_items(rows, override_num_blocks=len(rows))
            out = data.map_batches(
                BatchWorker,
                fn_constructor_args=(fn,),
                batch_size=1,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=min(self.workers, len(rows))),
                num_cpus=self.cpus_per_worker,
            )
            results: dict[int, list[T | Failed | None]] = {}
            for row in out.iter_rows():
                results[int(row["seq"])] = pickle.loads(row["payload"])
                self.nodes[str(row["node"])] += 1
            for i in range(len(window)):
                yield results.pop(i)
