"""Adding articles to a corpus folder: fetch, extract, refuse duplicates, write, re-index what changed.

Kept apart from the query path: the bot and `python -m retrieval add` use it; searching never does.
"""

from .add import Report, add, add_feed
from .fetch import SourceError

__all__ = ["Report", "SourceError", "add", "add_feed"]
