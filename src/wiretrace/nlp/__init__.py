"""Language processing shared by the analyses: spaCy parses and sentence embeddings."""

from .models import Embedder, NlpConfig, load_embedder, load_spacy

__all__ = ["Embedder", "NlpConfig", "load_embedder", "load_spacy"]
