"""Cleaning: body text, metadata and what was removed (pass-through for now)."""
