"""Cleaning: the body of each article, its metadata, and every removed piece with its kind."""

from .config import CleanConfig
from .text import Metadata, Repetition, clean_analysis, clean_text

__all__ = ["CleanConfig", "Metadata", "Repetition", "clean_analysis", "clean_text"]
