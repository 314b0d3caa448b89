"""The one size-capped batching of the project: consecutive items cut into batches whose
sizes add up to at most a cap, so a stage holds one batch's data (texts parsed together,
buckets' vectors read together) however large the corpus."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def capped_batches(
    items: Iterable[T], size: Callable[[T], int], cap: int, most: int | None = None
) -> Iterator[list[T]]:
    """Consecutive ``items``, in order, in batches of at most ``cap`` total ``size`` and
    ``most`` items; an item larger than ``cap`` makes a batch alone."""
    batch: list[T] = []
    held = 0
    for item in items:
        n = size(item)
        if batch and (held + n > cap or (most is not None and len(batch) >= most)):
            yield batch
            batch, held = [], 0
        batch.append(item)
        held += n
    if batch:
        yield batch
