"""Settings of the ``figures`` and ``figure_groups`` stages (section ``[figures]``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FiguresConfig:
    # Two figures may share a value group when their what-phrases are this similar, or
    # their sentences are (same value needed either way).
    agree_what: float = 0.45
    agree_sentence: float = 0.55
    # Value groups join an update/conflict series when what-phrases are this similar.
    series_what: float = 0.5
    # ... and their what-phrases without names at least this similar.
    series_core: float = 0.35
    # ... and their values within this factor of one another.
    series_span: float = 20.0
    # Relative tolerance for exactly stated values (round numbers are read to their rounding).
    tolerance: float = 0.05
    # A year mentioned in one article only is flagged when a one-digit-different year stated
    # by at least ``anomaly_support`` articles appears in a sentence this similar.
    # (Measured: misprints 0.47 and 0.98; unrelated years one misprint apart 0.31 and 0.34.)
    anomaly_similarity: float = 0.4
    anomaly_support: int = 2
    # Money, percentages and counts below this are grouped only on strong what-evidence.
    small_value: float = 10.0
