"""The web UI (``wiretrace serve``) and the views the single-file report shares with it."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
