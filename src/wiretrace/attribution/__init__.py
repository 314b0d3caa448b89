"""Who said what: entities and speakers, direct and reported quotes, and the same statement
matched across outlets."""

from .queries import quotes, speakers, statements

__all__ = ["quotes", "speakers", "statements"]
