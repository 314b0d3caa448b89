"""Figures and dates: what each source counts, where sources agree, conflict or update.

Stages: ``figures`` (per article, from the stored parse) and ``figure_groups`` (corpus).
Library calls live in ``wiretrace.figures.queries`` (``figures``, ``figure_groups``,
``anomalies``, ``timeline``); this package import stays light so that the export does not load
the language tooling.
"""
