"""How a command changes the store on the user's behalf (a correction, a verdict, a
watchlist entry): one call, its outcome printed, and a refusal — a name or id that matches
nothing, a correction that cannot apply — exits 2 with the reason, having recorded nothing.

The calls themselves live in the library (``read.edits``, ``narratives.api``), shared with
the web UI; the commands only parse their arguments and name the call.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from ..store import Store

T = TypeVar("T")

NO_STORE = "{db}: no such store; run `wiretrace ingest PATH` and `wiretrace analyze`"


def change(
    db: Path,
    make: Callable[[Store], T],
    said: Callable[[T], str],
    *,
    refused: tuple[type[Exception], ...] = (),
    new_store: bool = False,
) -> T:
    """``make(store)``, then print ``said(result)``; exit 2 when it refuses.

    ``refused``: the call's own refusal errors beside ``read.edits.EditRefused`` and
    ``read.NotFound``. ``new_store``: the change may start a store (a watchlist before the
    first ingest); otherwise a missing store file exits 1 with what to run first.
    """
    from ..read import NotFound
    from ..read.edits import EditRefused
    from . import console, fail, open_store
    from .safe import literal

    if not new_store and not db.exists():
        raise fail(NO_STORE.format(db=db))
    refusals: tuple[type[Exception], ...] = (EditRefused, NotFound, *refused)
    with open_store(db) as store:
        try:
            result = make(store)
        except refusals as exc:
            raise fail(str(exc), 2) from exc
    console.print(literal(said(result)), soft_wrap=True)
    return result
