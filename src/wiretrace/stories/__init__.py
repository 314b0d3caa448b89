"""Stories: articles grouped incrementally into stories, each split into its threads."""

from .cluster import StoriesConfig
from .substories import split_story

__all__ = ["StoriesConfig", "split_story"]
