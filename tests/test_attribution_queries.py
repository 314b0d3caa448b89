"""The query functions the attribution package re-exports."""

from __future__ import annotations

import importlib
import pkgutil

import wiretrace.attribution as attribution
from wiretrace.attribution import queries


def test_no_query_function_is_named_like_a_module() -> None:
    """A re-exported function named like a submodule is the module once that is imported
    (the stage imports ``speakers``; the pipeline imports ``statements``)."""
    modules = {m.name for m in pkgutil.iter_modules(attribution.__path__)}
    assert not modules & set(attribution.__all__)


def test_re_exports_are_the_functions_whatever_was_imported_first() -> None:
    for m in pkgutil.iter_modules(attribution.__path__):
        importlib.import_module(f"wiretrace.attribution.{m.name}")
    for name in attribution.__all__:
        assert getattr(attribution, name) is getattr(queries, name)
        assert callable(getattr(attribution, name))
